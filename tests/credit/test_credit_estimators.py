"""scikit-learn conformance, calibration and leakage of the fuzzy SVMs.

Skipped check, and why: with ``calibration`` set, ``check_classifiers_train`` asserts
``argmax(predict_proba) == predict``. By design ``predict`` is the fuzzy SVM's own
decision and ``predict_proba`` a calibrated probability, which differ near the margin
(as for ``SVC(probability=True)``). Every other check runs on the calibrated variants,
and all checks run on the default (uncalibrated) estimators.
"""
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from bot.credit.fuzzy_svm import EFSVMClassifier, IEFSVMClassifier, entropy_profiles

SKIPPED_WITH_CALIBRATION = {"check_classifiers_train"}


@parametrize_with_checks([EFSVMClassifier(), IEFSVMClassifier()])
def test_default_estimators_pass_every_sklearn_check(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [EFSVMClassifier(calibration="sigmoid"), IEFSVMClassifier(calibration="sigmoid")],
    ids=["EFSVM-sigmoid", "IEFSVM-sigmoid"],
)
def test_calibrated_estimators_pass_the_other_sklearn_checks(estimator):
    ran = 0
    for instance, check in check_estimator(estimator, generate_only=True):
        if getattr(check, "func", check).__name__ in SKIPPED_WITH_CALIBRATION:
            continue
        check(instance)
        ran += 1
    assert ran > 30


def imbalanced(n_samples=600, weight=0.9, seed=0):
    return make_classification(
        n_samples=n_samples, n_features=6, n_informative=4, weights=[weight], flip_y=0.02, random_state=seed
    )


@pytest.mark.parametrize("cls", [EFSVMClassifier, IEFSVMClassifier])
def test_calibrated_probabilities_follow_the_decision_and_the_base_rate(cls):
    X, y = imbalanced()
    model = cls(calibration="sigmoid", random_state=0).fit(X, y)
    proba = model.predict_proba(X)
    decision = model.decision_function(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    order = np.argsort(decision)
    assert np.all(np.diff(proba[order, 1]) >= -1e-12)
    assert proba[:, 1].mean() == pytest.approx(y.mean(), abs=0.03)
    np.testing.assert_array_equal(model.predict(X), model.classes_[(decision > 0).astype(int)])


def test_isotonic_calibration_is_available():
    X, y = imbalanced()
    model = IEFSVMClassifier(calibration="isotonic", random_state=0).fit(X, y)
    proba = model.predict_proba(X)[:, 1]
    assert 0.0 <= proba.min() and proba.max() <= 1.0
    assert roc_auc_score(y, proba) > 0.8


def test_no_predict_proba_without_calibration():
    X, y = imbalanced()
    model = IEFSVMClassifier().fit(X, y)
    assert not hasattr(model, "predict_proba")


def test_minority_class_gets_full_membership_whatever_its_label():
    X, y = imbalanced(weight=0.85)
    labels = np.where(y == 1, "bad", "good")
    model = IEFSVMClassifier(kernel="linear", rho=None).fit(X, labels)
    assert model.minority_class_ == "bad"
    np.testing.assert_array_equal(model.membership_[labels == "bad"], 1.0)
    assert model.membership_[labels == "good"].max() <= 1.0 / model.imbalance_ratio_ + 1e-12


def test_balanced_rho_gives_both_classes_the_same_total_weight():
    X, y = imbalanced(weight=0.85)
    model = IEFSVMClassifier(kernel="linear", C=1.0).fit(X, y)
    assert model.membership_[y == 0].sum() == pytest.approx(model.membership_[y == 1].sum())


@pytest.mark.parametrize("cls", [EFSVMClassifier, IEFSVMClassifier])
def test_scaled_C_is_the_lectures_fuzzy_svm_with_C_times_n_over_the_membership_sum(cls):
    """scale_C="mean_membership" weights slacks by s_i / mean(s): the same model as the
    unscaled one with C * n / sum(s), and the same memberships."""
    X, y = imbalanced(weight=0.85)
    params = dict(kernel="rbf", gamma=0.2)
    if cls is EFSVMClassifier:
        params["k"] = 7
    scaled = cls(C=0.8, **params).fit(X, y)
    plain_C = 0.8 * len(y) / scaled.membership_.sum()
    assert plain_C > 2.0  # IR 5.7: the lecture's weights would fit far more loosely
    plain = cls(C=plain_C, scale_C=None, **params).fit(X, y)
    np.testing.assert_allclose(scaled.membership_, plain.membership_)
    np.testing.assert_allclose(scaled.decision_function(X), plain.decision_function(X), rtol=1e-5, atol=1e-6)


def test_without_entropy_the_scaled_iefsvm_is_the_class_balanced_svc():
    """With every entropy 0 (k = 1 only) and balanced rho, the sample weights are exactly
    SVC's class_weight="balanced": C means the same for both."""
    from sklearn.svm import SVC

    X, y = imbalanced(weight=0.85)
    model = IEFSVMClassifier(kernel="rbf", C=1.0, gamma="scale", k_values=(1,)).fit(X, y)
    Z = StandardScaler().fit_transform(X)
    svc = SVC(kernel="rbf", C=1.0, gamma="scale", class_weight="balanced").fit(Z, y)
    np.testing.assert_allclose(model.decision_function(X), svc.decision_function(Z), rtol=1e-5, atol=1e-6)


def test_majority_samples_at_the_class_border_are_down_weighted():
    # Line: negatives at 0, 1, ..., 19; positives at 20.5, ..., 24.5 (IR = 4).
    X = np.r_[np.arange(20.0), np.arange(20.5, 25.0)].reshape(-1, 1)
    y = np.r_[np.zeros(20), np.ones(5)]
    for model in (IEFSVMClassifier(kernel="linear", rho=None), EFSVMClassifier(kernel="linear", k=7)):
        model.fit(X, y)
        border, far = model.membership_[19], model.membership_[0]
        assert far == pytest.approx(1 / 4)
        assert border < far


def test_entropy_is_symmetric_so_a_negative_among_positives_keeps_full_weight():
    """A property of the method: H = 0 whether all neighbours are negative or positive."""
    X = np.r_[np.arange(20.0), np.arange(30.0, 36.0), [33.2]].reshape(-1, 1)
    y = np.r_[np.zeros(20), np.ones(6), 0]
    model = EFSVMClassifier(kernel="linear", k=3).fit(X, y)
    assert model.membership_[-1] == pytest.approx(model.membership_[0])


def test_efsvm_picks_k_from_the_grid_by_cv():
    X, y = imbalanced(n_samples=400)
    model = EFSVMClassifier(kernel="linear", k_values=(1, 5, 9), k_cv=3, random_state=0).fit(X, y)
    assert set(model.k_scores_) == {1, 5, 9}
    assert model.k_ == max(model.k_scores_, key=model.k_scores_.get)
    fixed = EFSVMClassifier(kernel="linear", k=5).fit(X, y)
    assert fixed.k_ == 5 and not hasattr(fixed, "k_scores_")


def test_works_in_pipeline_and_grid_search():
    X, y = imbalanced(n_samples=300)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), IEFSVMClassifier()),
        {"iefsvmclassifier__C": [0.1, 1.0], "iefsvmclassifier__kernel": ["linear", "rbf"]},
        scoring="roc_auc",
        cv=3,
    ).fit(X, y)
    assert search.best_score_ > 0.8


@pytest.mark.parametrize("cls", [EFSVMClassifier, IEFSVMClassifier])
def test_out_of_fold_scores_come_from_models_that_never_saw_the_held_out_samples(cls):
    """Re-fit each calibration fold independently on its training part alone: the scores
    must match. Scaling, neighbours or memberships computed on all data would not."""
    X, y = imbalanced(n_samples=300)
    folds = StratifiedKFold(3, shuffle=True, random_state=7)
    params = dict(kernel="rbf", C=1.0, gamma="scale")
    if cls is EFSVMClassifier:
        params["k"] = 5
    model = cls(calibration="sigmoid", calibration_cv=folds, **params).fit(X, y)
    for train, held_out in folds.split(X, y):
        alone = cls(**params).fit(X[train], y[train])
        np.testing.assert_allclose(
            model.oof_decision_[held_out], alone.decision_function(X[held_out]), rtol=1e-7
        )


def test_memberships_use_only_training_neighbours():
    X, y = imbalanced(n_samples=300)
    model = IEFSVMClassifier().fit(X[:200], y[:200])
    profiles = entropy_profiles(model.scaler_.transform(X[:200]), y[:200] == model.minority_class_)
    from bot.credit.fuzzy_svm import iefsvm_membership

    expected = iefsvm_membership(profiles, y[:200] == model.minority_class_, rho="balanced")
    np.testing.assert_allclose(model.membership_, expected)


@pytest.mark.parametrize(
    "params",
    [
        dict(kernel="rbf"),
        dict(kernel="rbf", gamma="auto"),
        dict(kernel="rbf", gamma=0.3),
        dict(kernel="linear"),
        dict(kernel="poly", degree=2, coef0=1.0),
        dict(kernel="sigmoid", gamma=0.01, coef0=0.5),
    ],
)
def test_numpy_decision_function_equals_libsvm(params):
    X, y = imbalanced(n_samples=3000)
    model = IEFSVMClassifier(**params).fit(X[:800], y[:800])
    libsvm = model.svm_.decision_function(model.scaler_.transform(X))
    np.testing.assert_allclose(model.decision_function(X), libsvm, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(C=0), "C must be"),
        (dict(C="large"), "C must be"),
        (dict(kernel="search"), "kernel must be"),
        (dict(search_cv=1), "search_cv"),
        (dict(rho="even"), "rho"),
        (dict(scale_C="n"), "scale_C"),
        (dict(kernel="cubic"), "kernel must be"),
        (dict(gamma=-1.0), "gamma must be"),
        (dict(gamma="large"), "gamma must be"),
        (dict(calibration="platt"), "calibration must be"),
        (dict(calibration_cv=1), "calibration_cv"),
        (dict(k_values=(0, 3)), "k_values"),
        (dict(rho=-1.0), "rho"),
    ],
)
def test_invalid_parameters_are_rejected_in_fit(params, message):
    X, y = imbalanced(n_samples=100)
    with pytest.raises(ValueError, match=message):
        IEFSVMClassifier(**params).fit(X, y)


def test_multiclass_is_rejected():
    X, y = make_classification(n_samples=150, n_classes=3, n_informative=4, random_state=0)
    with pytest.raises(ValueError, match="binary only"):
        IEFSVMClassifier().fit(X, y)
