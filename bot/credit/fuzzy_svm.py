"""Entropy-based fuzzy SVMs for imbalanced binary data: EFSVM and IEFSVM.

A fuzzy SVM solves ``min 1/2 w'w + C * sum_i s_i xi_i``: sample i's slack costs
``C * s_i``, which is exactly an ``SVC`` fitted with ``sample_weight = s_i`` (up to the
scale of C, below). Both
estimators here only differ in how the memberships ``s_i`` are computed, always from
the k nearest neighbours of each training sample in standardized feature space.

Class roles: the *positive* class is the minority class of ``y`` (ties: ``classes_[1]``);
``IR = n_negative / n_positive``. Positive samples keep ``s_i = 1``.

EFSVM (after Fan et al. 2017, in the form the Cho-Lee-Chang lecture states)::

    p_i = N+_i / k,  q_i = N-_i / k,  H_i = -p_i ln p_i - q_i ln q_i  (0 ln 0 = 0)
    s_i = (1 - H_i) / IR                        for negative samples

with one k for all samples, chosen from ``k_values`` by stratified CV (``k="auto"``).

IEFSVM (Cho, Lee & Chang 2018). The paper's equations (5) and (6) could not be
retrieved here (only its abstract is reachable), so the definition below is the one
the lecture states, with the unstated details chosen and named::

    h_i   = (H_i(k) for k in k_values)                   entropy profile of sample i
    mu_i  = mean(h_i),  sigma_i = std(h_i)  (population std, ddof=0)
    d_i   = sqrt(mu_i^2 + sigma_i^2),  theta_i = atan2(sigma_i, mu_i)   in [0, pi/2]
            (polar coordinates of the point (mu_i, sigma_i); theta = 0 at the origin)
    s_i   = (1 - (d_i theta_i - min_j d_j theta_j) / (max_j d_j theta_j - min_j d_j theta_j)) / rho
            for negative samples (min, max over negative samples; if max == min the
            fraction is 0).

``rho`` is not defined by the lecture. ``rho="balanced"`` (the default) takes
``rho = sum_negatives (1 - scaled_i) / n_positive``, so that both classes carry the same
total weight; ``rho=None`` takes IR, as EFSVM's 1/IR factor. With IR, the negatives'
memberships average about 0.4/IR on overlapping credit data, the positives outweigh
them 2.5 to 1, and the SVM can degenerate to calling everything positive (AUC 0.53 on
the Taiwanese card data of ``bench/credit.py --datasets``, 0.64 with "balanced").

The scale of C: slack i costs ``C * s_i``, and the memberships average well below 1
(``2 / (1 + IR)`` with "balanced"), so the same C fits loosely at IR 18 and tightly at
IR 2. With ``scale_C="mean_membership"`` (the default) the SVC is fitted with
``sample_weight = s_i / mean(s)``: the objective above with C replaced by
``C * n / sum_i s_i``. C then means what it means for ``SVC(class_weight="balanced")``,
whose weights also average 1, whatever the imbalance, and one grid of C suits every data
set. The memberships themselves (``membership_``) are as defined; ``scale_C=None`` fits
with ``s_i`` as the lecture writes it.

Settings: ``kernel``, ``C`` and ``gamma`` default to "auto": chosen inside ``fit`` from
a small grid by stratified ``search_cv``-fold CV AUC on the training data only
(:mod:`bot.credit.svm_search`); EFSVM then chooses k with those settings. Resolved
values land in ``kernel_``, ``C_``, ``gamma_`` (and ``k_``); every CV score in
``search_scores_``. An explicit value is used as given and not searched. Unlike
``SVC``, ``gamma="auto"`` means "chosen by CV", not ``1 / n_features``.

Entropy is symmetric in the two classes: a negative whose neighbours are all positive
has H = 0 and keeps the full ``1 / IR``, like one deep among negatives. That is a
property of both methods, not of this implementation.

Neighbours: one ball-tree (or KD-tree) query of the largest k gives the counts for
every k (cumulative sums along the sorted neighbour list); a sample is not its own
neighbour, and k is capped at ``n_samples - 1``.

Probabilities: ``predict_proba`` exists when ``calibration`` is set. The SVM, with the
settings resolved on all training data, is then refitted on the folds of a stratified CV *inside* ``fit``; its
out-of-fold decision
values fit a Platt sigmoid (or isotonic map), and the final SVM is fitted on all data.
Scaling, neighbours and memberships are recomputed from each fold's training part, so
no label or feature of a held-out sample reaches the model that scores it.
``predict`` stays the fuzzy SVM's own decision (``decision_function > 0``), like
``SVC(probability=True)``: the calibrated probability of the minority class is
typically far below 0.5 where the SVM already says "positive".
"""
from __future__ import annotations

import numbers
import sys
import time

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import svm_search
from .membership import (  # noqa: F401  (binary_entropy, polar_entropy_coordinates: public API here too)
    DEFAULT_K_VALUES,
    binary_entropy,
    efsvm_membership,
    entropy_profiles,
    iefsvm_membership,
    polar_entropy_coordinates,
)
from .platt import fit_platt

_DECISION_CHUNK = 2048
_KERNELS = ("linear", "poly", "rbf", "sigmoid")
_CALIBRATIONS = (None, "sigmoid", "isotonic")
_C_SCALES = ("mean_membership", None)
_K_SCORERS = {
    "roc_auc": lambda y, d: roc_auc_score(y, d),
    "balanced_accuracy": lambda y, d: balanced_accuracy_score(y, d > 0),
    "accuracy": lambda y, d: accuracy_score(y, d > 0),
}


def _check_cv(name, cv):
    if isinstance(cv, numbers.Integral):
        if cv < 2:
            raise ValueError(f"{name} must be >= 2, got {cv!r}")
    elif not hasattr(cv, "split"):
        raise ValueError(f"{name} must be an integer >= 2 or a CV splitter, got {cv!r}")


class _EntropyFuzzySVM(ClassifierMixin, BaseEstimator):
    """Shared fitting, calibration and prediction of the two fuzzy SVMs."""

    def _memberships(self, Z, is_positive, k=None):
        raise NotImplementedError

    def _more_tags(self):
        return {"binary_only": True}

    def fit(self, X, y):
        """Standardize, compute memberships, fit the weighted SVC (and calibration)."""
        self._check_params()
        X, y = self._validate_data(X, y)
        check_classification_targets(y)
        self.classes_, y_index, counts = np.unique(y, return_inverse=True, return_counts=True)
        if len(self.classes_) != 2:
            raise ValueError(
                f"{type(self).__name__} is binary only and needs samples of two classes; "
                f"got {len(self.classes_)} class(es)"
            )
        minority = 1 if counts[1] <= counts[0] else 0
        self.minority_class_ = self.classes_[minority]
        is_positive = y_index == minority
        self.imbalance_ratio_ = float(counts[1 - minority] / counts[minority])
        self._random_state = check_random_state(self.random_state)
        self._started = time.perf_counter()
        self._prepare(X, is_positive)

        if self.calibration is not None:
            self._fit_calibration(X, y_index, is_positive)
        self._progress(f"final fit on {len(y_index)} samples")
        self.scaler_, self.svm_, self.membership_ = self._fit_weighted_svm(X, y_index, is_positive)
        self.kernel_, self.C_, self.gamma_ = self.svm_.kernel, float(self.svm_.C), float(self.svm_.gamma)
        self.n_iter_ = self.svm_.n_iter_
        self._progress("done")
        del self._random_state, self._started, self._settings
        return self

    def _progress(self, message):
        if self.verbose:
            elapsed = time.perf_counter() - self._started
            print(f"[{type(self).__name__}] {elapsed:6.1f}s {message}", file=sys.stderr, flush=True)

    def _prepare(self, X, is_positive):
        """Settings chosen from the training data: kernel, C, gamma (and EFSVM's k)."""
        self._settings = self._choose_svm_settings(X, is_positive)

    def _choose_svm_settings(self, X, is_positive, k=None):
        """Explicit values as given; "auto" ones by stratified CV AUC over
        :mod:`bot.credit.svm_search`'s grid (with memberships of ``k`` for EFSVM)."""
        Z = StandardScaler().fit_transform(X)
        candidates = svm_search.candidate_settings(self.kernel, self.C, self.gamma, Z)
        if len(candidates) == 1:
            return candidates[0]
        folds = self._folds(self.search_cv, is_positive.astype(int))
        if folds is None:
            return svm_search.fallback_settings(self.kernel, self.C, self.gamma)
        if k is not None:
            candidates = [dict(candidate, k=k) for candidate in candidates]
        self._progress(f"choosing kernel, C, gamma from {len(candidates)} candidates by CV AUC")
        per_fold = Parallel(n_jobs=self.n_jobs)(
            delayed(svm_search.fold_scores)(
                X, is_positive, train, held_out, candidates, self._search_weights, self._svm_for
            )
            for train, held_out in folds.split(X, is_positive)
        )
        means = np.mean(per_fold, axis=0)
        self.search_scores_ = [dict(candidate, score=float(m)) for candidate, m in zip(candidates, means)]
        best = {key: value for key, value in candidates[int(np.argmax(means))].items() if key != "k"}
        self._progress(f"settings {best}")
        return best

    def _fit_weighted_svm(self, X, y_index, is_positive):
        scaler = StandardScaler().fit(X)
        Z = scaler.transform(X)
        membership = self._memberships(Z, is_positive)
        svm = self._svm_for(self._settings, Z).fit(Z, y_index, sample_weight=self._slack_weights(membership))
        return scaler, svm, membership

    def _slack_weights(self, membership):
        """The SVC's ``sample_weight``: the memberships, over their mean with
        ``scale_C="mean_membership"`` (module docstring)."""
        return membership / membership.mean() if self.scale_C == "mean_membership" else membership

    def _search_weights(self, Z, is_positive, k=None):
        return self._slack_weights(self._memberships(Z, is_positive, k))

    def _svm_for(self, settings, Z):
        """The weighted SVC of ``settings``; gamma as a number, so the fast decision path knows it."""
        return SVC(
            C=settings["C"],
            kernel=settings["kernel"],
            gamma=svm_search.resolve_gamma(settings["gamma"], Z),
            degree=self.degree,
            coef0=self.coef0,
            tol=self.tol,
            cache_size=self.cache_size,
            max_iter=self.max_iter,
        )

    def _folds(self, cv, y_index):
        if not isinstance(cv, numbers.Integral):
            return cv
        n_splits = min(int(cv), int(np.bincount(y_index).min()))
        if n_splits < 2:
            return None
        seed = self._random_state.randint(np.iinfo(np.int32).max)
        return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)

    def _fit_calibration(self, X, y_index, is_positive):
        folds = self._folds(self.calibration_cv, y_index)
        if folds is None:
            raise ValueError("calibration needs at least 2 samples of each class")
        out_of_fold = np.full(len(y_index), np.nan)
        for fold, (train, held_out) in enumerate(folds.split(X, y_index), 1):
            self._progress(f"calibration fold {fold}: fit on {len(train)} samples")
            scaler, svm, _ = self._fit_weighted_svm(X[train], y_index[train], is_positive[train])
            out_of_fold[held_out] = svm.decision_function(scaler.transform(X[held_out]))
        if np.isnan(out_of_fold).any():
            raise ValueError("calibration_cv must hold out every sample once")
        self.oof_decision_ = out_of_fold
        if self.calibration == "sigmoid":
            self.platt_ = fit_platt(out_of_fold, y_index == 1)
        else:
            self.isotonic_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
                out_of_fold, y_index == 1
            )

    def decision_function(self, X):
        """Signed distance to the fuzzy SVM's hyperplane; positive means ``classes_[1]``.

        Computed as ``K(x, SV) @ dual_coef + intercept`` with numpy (BLAS) rather than
        libsvm's row-by-row loop, which is ~10x slower for the few rows a scorer sends;
        the values agree with ``svm_.decision_function`` to rounding.
        """
        check_is_fitted(self, "svm_")
        X = self._validate_data(X, reset=False)
        Z = self.scaler_.transform(X)
        support = self.svm_.support_vectors_
        weights = self.svm_.dual_coef_[0]
        decision = np.empty(Z.shape[0])
        for start in range(0, Z.shape[0], _DECISION_CHUNK):
            rows = slice(start, start + _DECISION_CHUNK)
            kernel = pairwise_kernels(
                Z[rows],
                support,
                metric=self.svm_.kernel,
                filter_params=True,
                gamma=self.svm_.gamma,
                degree=self.svm_.degree,
                coef0=self.svm_.coef0,
            )
            decision[rows] = kernel @ weights
        return decision + self.svm_.intercept_[0]

    def predict(self, X):
        """The fuzzy SVM's decision: ``classes_[1]`` where ``decision_function > 0``."""
        decision = self.decision_function(X)
        return self.classes_[(decision > 0).astype(int)]

    def _has_calibration(self):
        return self.calibration is not None

    @available_if(_has_calibration)
    def predict_proba(self, X):
        """Calibrated class probabilities, columns in ``classes_`` order."""
        decision = self.decision_function(X)
        if self.calibration == "sigmoid":
            a, b = self.platt_
            p1 = expit(-(a * decision + b))
        else:
            p1 = self.isotonic_.predict(decision)
        return np.column_stack([1.0 - p1, p1])

    @available_if(_has_calibration)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def _check_params(self):
        if self.C != "auto" and (not isinstance(self.C, numbers.Real) or self.C <= 0):
            raise ValueError(f"C must be 'auto' or a positive number, got {self.C!r}")
        if self.kernel != "auto" and self.kernel not in _KERNELS:
            raise ValueError(f"kernel must be 'auto' or one of {_KERNELS}, got {self.kernel!r}")
        if self.gamma not in ("scale", "auto") and (
            not isinstance(self.gamma, numbers.Real) or self.gamma <= 0
        ):
            raise ValueError(f"gamma must be 'auto', 'scale' or a positive number, got {self.gamma!r}")
        _check_cv("search_cv", self.search_cv)
        if self.scale_C not in _C_SCALES:
            raise ValueError(f"scale_C must be one of {_C_SCALES}, got {self.scale_C!r}")
        if self.calibration not in _CALIBRATIONS:
            raise ValueError(f"calibration must be one of {_CALIBRATIONS}, got {self.calibration!r}")
        _check_cv("calibration_cv", self.calibration_cv)
        k_values = np.asarray(self.k_values)
        if k_values.ndim != 1 or k_values.size == 0 or not np.all(k_values >= 1) or not np.all(
            np.equal(np.mod(k_values, 1), 0)
        ):
            raise ValueError(f"k_values must be positive integers, got {self.k_values!r}")


class EFSVMClassifier(_EntropyFuzzySVM):
    """Entropy-based fuzzy SVM: one neighbourhood size k for every sample.

    Parameters
    ----------
    k : int or "auto"
        Neighbourhood size; "auto" picks it from ``k_values`` by ``k_cv``-fold
        stratified CV (or a CV splitter) on the training data, scored by ``k_scoring`` ("roc_auc" by
        default: plain error rewards ignoring the minority class at IR of 18).
    k_values : sequence of int
        Candidates for ``k="auto"``.
    k_cv : int or CV splitter
        Folds of the k search (3; the lecture says 5, 3 keeps ``fit`` near a second per
        thousand samples on top of the settings search).
    C, kernel, gamma : "auto" or as in :class:`sklearn.svm.SVC`
        "auto" is chosen by ``search_cv``-fold CV AUC (module docstring); with k="auto",
        the settings are chosen with the middle k of ``k_values``, then k.
    scale_C : "mean_membership" or None
        "mean_membership": C is on SVC's scale, the slacks weighted by ``s_i / mean(s)``;
        None: by ``s_i`` as the lecture writes it (module docstring).
    degree, coef0, tol, cache_size, max_iter
        As in :class:`sklearn.svm.SVC`; samples are standardized first.
    calibration : None, "sigmoid" or "isotonic"
        Enables ``predict_proba`` fitted on out-of-fold scores of ``calibration_cv``
        (number of stratified folds, or a CV splitter).
    search_cv : int or CV splitter
        Folds of the settings search.
    neighbors_algorithm : "ball_tree", "kd_tree", "brute" or "auto"
    n_jobs : int or None
        Parallel folds of the searches.
    random_state : int, RandomState or None
        Shuffles the CV folds.
    verbose : int
        Progress lines on stderr when > 0.

    Attributes
    ----------
    kernel_, C_, gamma_ : the SVC's settings (gamma_ a number, unused by "linear").
    search_scores_ : list of candidate dicts with their mean CV AUC (only when searched).
    k_ : int, chosen neighbourhood size.
    k_scores_ : dict k -> mean CV score (only with ``k="auto"`` and enough samples).
    membership_ : ndarray, training memberships s_i.
    n_iter_ : libsvm iterations of the final fit.
    oof_decision_ : ndarray, out-of-fold decision values of the calibration CV.
    minority_class_, imbalance_ratio_, classes_, scaler_, svm_, platt_ / isotonic_.
    """

    def __init__(
        self,
        C="auto",
        kernel="auto",
        gamma="auto",
        degree=3,
        coef0=0.0,
        scale_C="mean_membership",
        k="auto",
        k_values=DEFAULT_K_VALUES,
        k_cv=3,
        k_scoring="roc_auc",
        calibration=None,
        calibration_cv=3,
        search_cv=3,
        neighbors_algorithm="ball_tree",
        tol=1e-3,
        cache_size=200,
        max_iter=-1,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.scale_C = scale_C
        self.k = k
        self.k_values = k_values
        self.k_cv = k_cv
        self.k_scoring = k_scoring
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.search_cv = search_cv
        self.neighbors_algorithm = neighbors_algorithm
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        if not (self.k == "auto" or (isinstance(self.k, numbers.Integral) and int(self.k) >= 1)):
            raise ValueError(f"k must be 'auto' or a positive integer, got {self.k!r}")
        if self.k_scoring not in _K_SCORERS:
            raise ValueError(f"k_scoring must be one of {tuple(_K_SCORERS)}, got {self.k_scoring!r}")
        _check_cv("k_cv", self.k_cv)

    def _prepare(self, X, is_positive):
        """SVM settings first, with memberships of the middle k (or the given k); then k."""
        k_values = [int(k) for k in self.k_values]
        search_k = int(self.k) if self.k != "auto" else sorted(k_values)[(len(k_values) - 1) // 2]
        self._settings = self._choose_svm_settings(X, is_positive, k=search_k)
        if self.k != "auto":
            self.k_ = int(self.k)
            return
        folds = self._folds(self.k_cv, is_positive.astype(int))
        if folds is None:
            self.k_ = search_k
            return
        self._progress(f"choosing k from {k_values} by CV ({self.k_scoring})")
        candidates = [dict(self._settings, k=k) for k in k_values]
        per_fold = Parallel(n_jobs=self.n_jobs)(
            delayed(svm_search.fold_scores)(
                X, is_positive, train, held_out, candidates, self._search_weights, self._svm_for,
                _K_SCORERS[self.k_scoring],
            )
            for train, held_out in folds.split(X, is_positive)
        )
        means = np.mean(per_fold, axis=0)
        self.k_scores_ = dict(zip(k_values, means.tolist()))
        self.k_ = k_values[int(np.argmax(means))]
        self._progress(f"k = {self.k_}")

    def _memberships(self, Z, is_positive, k=None):
        k = self.k_ if k is None else k
        entropy = entropy_profiles(Z, is_positive, (k,), self.neighbors_algorithm)[:, 0]
        return efsvm_membership(entropy, is_positive)


class IEFSVMClassifier(_EntropyFuzzySVM):
    """Instance-based entropy fuzzy SVM: each sample's entropy over all k sets its weight.

    Parameters
    ----------
    k_values : sequence of int
        Neighbourhood sizes forming each sample's entropy profile.
    rho : "balanced", float or None
        Divisor of the negative memberships: "balanced" gives both classes the same
        total weight; None uses the training IR.
    C, kernel, gamma : "auto" or as in :class:`sklearn.svm.SVC`
        "auto" is chosen by ``search_cv``-fold CV AUC (module docstring).
    scale_C : "mean_membership" or None
        "mean_membership": C is on SVC's scale, the slacks weighted by ``s_i / mean(s)``;
        None: by ``s_i`` as the lecture writes it (module docstring).
    degree, coef0, tol, cache_size, max_iter
        As in :class:`sklearn.svm.SVC`; samples are standardized first.
    calibration : None, "sigmoid" or "isotonic"
        Enables ``predict_proba`` fitted on out-of-fold scores of ``calibration_cv``
        (number of stratified folds, or a CV splitter).
    search_cv : int or CV splitter
        Folds of the settings search.
    neighbors_algorithm : "ball_tree", "kd_tree", "brute" or "auto"
    n_jobs : int or None
        Parallel folds of the settings search.
    random_state : int, RandomState or None
        Shuffles the search and calibration folds.
    verbose : int
        Progress lines on stderr when > 0.

    Attributes
    ----------
    kernel_, C_, gamma_ : the SVC's settings (gamma_ a number, unused by "linear").
    search_scores_ : list of candidate dicts with their mean CV AUC (only when searched).
    membership_ : ndarray, training memberships s_i.
    n_iter_ : libsvm iterations of the final fit.
    oof_decision_ : ndarray, out-of-fold decision values of the calibration CV.
    minority_class_, imbalance_ratio_, classes_, scaler_, svm_, platt_ / isotonic_.
    """

    def __init__(
        self,
        C="auto",
        kernel="auto",
        gamma="auto",
        degree=3,
        coef0=0.0,
        scale_C="mean_membership",
        k_values=DEFAULT_K_VALUES,
        rho="balanced",
        calibration=None,
        calibration_cv=3,
        search_cv=3,
        neighbors_algorithm="ball_tree",
        tol=1e-3,
        cache_size=200,
        max_iter=-1,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.scale_C = scale_C
        self.k_values = k_values
        self.rho = rho
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.search_cv = search_cv
        self.neighbors_algorithm = neighbors_algorithm
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        if self.rho not in (None, "balanced") and (not isinstance(self.rho, numbers.Real) or self.rho <= 0):
            raise ValueError(f"rho must be None, 'balanced' or a positive number, got {self.rho!r}")

    def _memberships(self, Z, is_positive, k=None):
        profiles = entropy_profiles(Z, is_positive, self.k_values, self.neighbors_algorithm)
        return iefsvm_membership(profiles, is_positive, self.rho)
