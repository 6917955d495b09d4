"""The fuzzy SVMs' "auto" kernel, C, gamma (and EFSVM's k): chosen from the training
data only, resolved into trailing-underscore attributes, overridden by explicit values."""
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.preprocessing import StandardScaler

from bot.credit import svm_search
from bot.credit.fuzzy_svm import EFSVMClassifier, IEFSVMClassifier


def imbalanced(n_samples=400, seed=0):
    return make_classification(
        n_samples=n_samples, n_features=6, n_informative=4, weights=[0.85], flip_y=0.03, random_state=seed
    )


FULL_GRID = len(svm_search.C_GRID) * (1 + len(svm_search.GAMMA_FACTORS))  # linear x C + rbf x C x gamma


@pytest.mark.parametrize("cls", [EFSVMClassifier, IEFSVMClassifier])
def test_defaults_resolve_every_setting_to_the_best_cv_candidate(cls):
    X, y = imbalanced()
    model = cls(random_state=0).fit(X, y)
    assert len(model.search_scores_) == FULL_GRID
    best = max(model.search_scores_, key=lambda c: c["score"])
    assert (model.kernel_, model.C_) == (best["kernel"], best["C"])
    assert model.kernel_ in svm_search.AUTO_KERNELS and model.C_ in svm_search.C_GRID
    assert isinstance(model.gamma_, float) and model.gamma_ > 0
    if best["kernel"] != "linear":
        assert model.gamma_ == pytest.approx(best["gamma"])
    assert (model.svm_.kernel, model.svm_.C) == (model.kernel_, model.C_)
    if cls is EFSVMClassifier:
        assert model.k_ in model.k_values and model.k_ == max(model.k_scores_, key=model.k_scores_.get)
    # The estimator's parameters stay as given: "auto".
    assert (model.kernel, model.C, model.gamma) == ("auto", "auto", "auto")


def test_explicit_settings_override_the_search():
    X, y = imbalanced()
    fixed = IEFSVMClassifier(kernel="rbf", C=2.5, gamma=0.07).fit(X, y)
    assert (fixed.kernel_, fixed.C_, fixed.gamma_) == ("rbf", 2.5, 0.07)
    assert not hasattr(fixed, "search_scores_")
    linear = IEFSVMClassifier(kernel="linear", C=0.5).fit(X, y)
    assert (linear.kernel_, linear.C_) == ("linear", 0.5) and not hasattr(linear, "search_scores_")
    efsvm = EFSVMClassifier(kernel="linear", C=0.3, k=5).fit(X, y)
    assert (efsvm.kernel_, efsvm.C_, efsvm.k_) == ("linear", 0.3, 5)
    assert not hasattr(efsvm, "search_scores_") and not hasattr(efsvm, "k_scores_")


def test_a_partly_given_setting_searches_only_the_rest():
    X, y = imbalanced()
    model = IEFSVMClassifier(kernel="rbf", gamma="scale", random_state=0).fit(X, y)
    assert {c["kernel"] for c in model.search_scores_} == {"rbf"}
    assert {c["gamma"] for c in model.search_scores_} == {"scale"}
    assert [c["C"] for c in model.search_scores_] == list(svm_search.C_GRID)
    assert model.kernel_ == "rbf"


def test_few_samples_use_the_tiny_grid_and_too_few_per_class_the_rule():
    X, y = imbalanced(n_samples=120)
    small = IEFSVMClassifier(random_state=0).fit(X, y)
    assert {c["C"] for c in small.search_scores_} == {1.0} and len(small.search_scores_) == 2
    X1 = np.r_[X[y == 0][:30], X[y == 1][:1]]
    y1 = np.r_[np.zeros(30), np.ones(1)]
    lone = IEFSVMClassifier().fit(X1, y1)
    assert (lone.kernel_, lone.C_) == (svm_search.FALLBACK["kernel"], svm_search.FALLBACK["C"])
    assert lone.gamma_ == pytest.approx(svm_search.scale_gamma(StandardScaler().fit_transform(X1)))
    assert not hasattr(lone, "search_scores_")


@pytest.mark.parametrize("cls", [EFSVMClassifier, IEFSVMClassifier])
def test_each_cv_score_is_reproduced_by_a_model_fitted_on_that_inner_fold_alone(cls):
    """No leak inside the search: scaling, memberships and the SVM of each candidate come
    from the inner fold's training part only."""
    X, y = imbalanced(n_samples=300)
    inner = StratifiedKFold(3, shuffle=True, random_state=3)
    model = cls(search_cv=inner, random_state=0).fit(X, y)
    for candidate in model.search_scores_:
        params = {"kernel": candidate["kernel"], "C": candidate["C"], "gamma": candidate["gamma"]}
        if cls is EFSVMClassifier:
            params["k"] = candidate["k"]
        scores = [
            roc_auc_score(y[held_out], cls(**params).fit(X[train], y[train]).decision_function(X[held_out]))
            for train, held_out in inner.split(X, y)
        ]
        assert candidate["score"] == pytest.approx(np.mean(scores), abs=1e-12)


@pytest.mark.parametrize("cls", [EFSVMClassifier, IEFSVMClassifier])
def test_choices_in_an_outer_cv_equal_those_of_refitting_each_fold_alone(cls):
    """What a fold's model chooses depends on that fold's training part and nothing else:
    refitting on the training part alone, with the held-out rows nowhere, gives the same."""
    X, y = imbalanced(n_samples=300, seed=1)
    outer = StratifiedKFold(4, shuffle=True, random_state=0)
    fitted = cross_validate(cls(random_state=0), X, y, cv=outer, scoring="roc_auc", return_estimator=True)
    for (train, _), in_cv in zip(outer.split(X, y), fitted["estimator"]):
        alone = cls(random_state=0).fit(X[train].copy(), y[train].copy())
        assert (in_cv.kernel_, in_cv.C_, in_cv.gamma_) == (alone.kernel_, alone.C_, alone.gamma_)
        assert getattr(in_cv, "k_", None) == getattr(alone, "k_", None)
        assert in_cv.search_scores_ == alone.search_scores_


def test_calibration_refits_its_folds_with_the_resolved_settings():
    X, y = imbalanced(n_samples=300)
    folds = StratifiedKFold(3, shuffle=True, random_state=5)
    model = IEFSVMClassifier(calibration="sigmoid", calibration_cv=folds, random_state=0).fit(X, y)
    for train, held_out in folds.split(X, y):
        alone = IEFSVMClassifier(kernel=model.kernel_, C=model.C_, gamma=model.gamma_).fit(X[train], y[train])
        np.testing.assert_allclose(
            model.oof_decision_[held_out], alone.decision_function(X[held_out]), rtol=1e-7
        )
