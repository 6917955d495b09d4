"""Entropy-based fuzzy SVMs for imbalanced binary data: EFSVM and IEFSVM.

A fuzzy SVM solves ``min 1/2 w'w + C * sum_i s_i xi_i``: sample i's slack costs
``C * s_i``, which is exactly an ``SVC`` fitted with ``sample_weight = s_i``. Both
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
            fraction is 0), with ``rho = IR`` unless given, as EFSVM's 1/IR factor.

Entropy is symmetric in the two classes: a negative whose neighbours are all positive
has H = 0 and keeps the full ``1 / IR``, like one deep among negatives. That is a
property of both methods, not of this implementation.

Neighbours: one ball-tree (or KD-tree) query of the largest k gives the counts for
every k (cumulative sums along the sorted neighbour list); a sample is not its own
neighbour, and k is capped at ``n_samples - 1``.

Probabilities: ``predict_proba`` exists when ``calibration`` is set. The SVM is then
refitted on the folds of a stratified CV *inside* ``fit``; its out-of-fold decision
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
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

DEFAULT_K_VALUES = (1, 3, 5, 7, 9, 11, 13, 15)
_DECISION_CHUNK = 2048
_KERNELS = ("linear", "poly", "rbf", "sigmoid")
_CALIBRATIONS = (None, "sigmoid", "isotonic")
_K_SCORERS = {
    "roc_auc": lambda y, d: roc_auc_score(y, d),
    "balanced_accuracy": lambda y, d: balanced_accuracy_score(y, d > 0),
    "accuracy": lambda y, d: accuracy_score(y, d > 0),
}


def binary_entropy(positive_counts, k):
    """H = -p ln p - q ln q for p = N+/k, q = 1 - p, with 0 ln 0 taken as 0."""
    p = np.asarray(positive_counts, dtype=float) / float(k)
    q = 1.0 - p
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0) - np.where(q > 0, q * np.log(q), 0.0)
    return h


def entropy_profiles(Z, is_positive, k_values=DEFAULT_K_VALUES, algorithm="ball_tree"):
    """Entropy of each sample's k-neighbourhood for every k, from one neighbour query.

    Returns an array of shape (n_samples, len(k_values)); k above ``n_samples - 1`` is
    capped there.
    """
    Z = np.asarray(Z, dtype=float)
    is_positive = np.asarray(is_positive, dtype=bool)
    n_samples = Z.shape[0]
    if n_samples < 2:
        raise ValueError("neighbour entropies need at least 2 samples")
    ks = np.minimum(np.asarray(k_values, dtype=int), n_samples - 1)
    k_max = int(ks.max())
    search = NearestNeighbors(n_neighbors=k_max, algorithm=algorithm).fit(Z)
    neighbours = search.kneighbors(return_distance=False)
    positives_within = np.cumsum(is_positive[neighbours], axis=1)
    return np.column_stack([binary_entropy(positives_within[:, k - 1], k) for k in ks])


def efsvm_membership(entropy, is_positive):
    """EFSVM memberships: 1 for positives, (1 - H_i) / IR for negatives."""
    is_positive = np.asarray(is_positive, dtype=bool)
    imbalance = _imbalance_ratio(is_positive)
    return np.where(is_positive, 1.0, (1.0 - np.asarray(entropy, dtype=float)) / imbalance)


def polar_entropy_coordinates(profiles):
    """(d_i, theta_i): polar coordinates of each profile's (mean, std) point."""
    profiles = np.asarray(profiles, dtype=float)
    mu = profiles.mean(axis=1)
    sigma = profiles.std(axis=1)
    return np.hypot(mu, sigma), np.arctan2(sigma, mu)


def iefsvm_membership(profiles, is_positive, rho=None):
    """IEFSVM memberships from entropy profiles (see the module docstring)."""
    is_positive = np.asarray(is_positive, dtype=bool)
    rho = _imbalance_ratio(is_positive) if rho is None else float(rho)
    d, theta = polar_entropy_coordinates(profiles)
    spread = d * theta
    negative_spread = spread[~is_positive]
    low, high = negative_spread.min(), negative_spread.max()
    scaled = (spread - low) / (high - low) if high > low else np.zeros_like(spread)
    return np.where(is_positive, 1.0, (1.0 - scaled) / rho)


def fit_platt(decision, y):
    """Platt's sigmoid P(y=1|f) = 1 / (1 + exp(A f + B)) with his smoothed targets.

    Fitted on decision values centred on their median and scaled by their IQR, so that
    a few extreme scores cannot stall the optimizer; (A, B) are returned for raw scores.
    """
    raw_decision = np.asarray(decision, dtype=float)
    center = float(np.median(raw_decision))
    q75, q25 = np.percentile(raw_decision, [75, 25])
    scale = float(q75 - q25) or float(raw_decision.std()) or 1.0
    a, b = _fit_platt_standardized((raw_decision - center) / scale, y)
    return a / scale, b - a * center / scale


def _fit_platt_standardized(decision, y):
    y = np.asarray(y, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    target = np.where(y, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss_and_grad(ab):
        z = ab[0] * decision + ab[1]
        p = expit(-z)
        loss = np.sum(np.logaddexp(0, z) - (1 - target) * z)
        residual = target - p
        return loss, np.array([np.dot(residual, decision), residual.sum()])

    start = np.array([0.0, np.log((n_neg + 1.0) / (n_pos + 1.0))])
    result = minimize(loss_and_grad, start, jac=True, method="L-BFGS-B")
    return float(result.x[0]), float(result.x[1])


def _check_cv(name, cv):
    if isinstance(cv, numbers.Integral):
        if cv < 2:
            raise ValueError(f"{name} must be >= 2, got {cv!r}")
    elif not hasattr(cv, "split"):
        raise ValueError(f"{name} must be an integer >= 2 or a CV splitter, got {cv!r}")


def _imbalance_ratio(is_positive):
    n_pos = int(np.sum(is_positive))
    n_neg = int(np.size(is_positive) - n_pos)
    if n_pos == 0 or n_neg == 0:
        raise ValueError("memberships need samples of both classes")
    return n_neg / n_pos


class _EntropyFuzzySVM(ClassifierMixin, BaseEstimator):
    """Shared fitting, calibration and prediction of the two fuzzy SVMs."""

    def _memberships(self, Z, is_positive):
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
        self.n_iter_ = self.svm_.n_iter_
        self._progress("done")
        del self._random_state, self._started
        return self

    def _progress(self, message):
        if self.verbose:
            elapsed = time.perf_counter() - self._started
            print(f"[{type(self).__name__}] {elapsed:6.1f}s {message}", file=sys.stderr, flush=True)

    def _prepare(self, X, is_positive):
        """Hook for hyperparameters chosen from the training data (EFSVM's k)."""

    def _fit_weighted_svm(self, X, y_index, is_positive):
        scaler = StandardScaler().fit(X)
        Z = scaler.transform(X)
        membership = self._memberships(Z, is_positive)
        svm = self._new_svm(Z).fit(Z, y_index, sample_weight=membership)
        return scaler, svm, membership

    def _resolve_gamma(self, Z):
        """SVC's own rule, made explicit so that the fast decision path knows it."""
        if self.gamma == "scale":
            variance = Z.var()
            return 1.0 / (Z.shape[1] * variance) if variance != 0 else 1.0
        if self.gamma == "auto":
            return 1.0 / Z.shape[1]
        return float(self.gamma)

    def _new_svm(self, Z):
        return SVC(
            C=self.C,
            kernel=self.kernel,
            gamma=self._resolve_gamma(Z),
            degree=self.degree,
            coef0=self.coef0,
            tol=self.tol,
            cache_size=self.cache_size,
            max_iter=self.max_iter,
        )

    def _folds(self, cv, y_index):
        if not isinstance(cv, numbers.Integral):
            return cv
        n_splits = min(cv, int(np.bincount(y_index).min()))
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
                metric=self.kernel,
                filter_params=True,
                gamma=self.svm_.gamma,
                degree=self.degree,
                coef0=self.coef0,
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
        if not isinstance(self.C, numbers.Real) or self.C <= 0:
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        if self.kernel not in _KERNELS:
            raise ValueError(f"kernel must be one of {_KERNELS}, got {self.kernel!r}")
        if self.gamma not in ("scale", "auto") and (not isinstance(self.gamma, numbers.Real) or self.gamma <= 0):
            raise ValueError(f"gamma must be 'scale', 'auto' or a positive number, got {self.gamma!r}")
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
    C, kernel, gamma, degree, coef0, tol, cache_size, max_iter
        As in :class:`sklearn.svm.SVC`; samples are standardized first.
    calibration : None, "sigmoid" or "isotonic"
        Enables ``predict_proba`` fitted on out-of-fold scores of ``calibration_cv``
        (number of stratified folds, or a CV splitter).
    neighbors_algorithm : "ball_tree", "kd_tree", "brute" or "auto"
    n_jobs : int or None
        Parallel folds of the k search.
    random_state : int, RandomState or None
        Shuffles the CV folds.
    verbose : int
        Progress lines on stderr when > 0.

    Attributes
    ----------
    k_ : int, chosen neighbourhood size.
    k_scores_ : dict k -> mean CV score (only with ``k="auto"`` and enough samples).
    membership_ : ndarray, training memberships s_i.
    n_iter_ : libsvm iterations of the final fit.
    oof_decision_ : ndarray, out-of-fold decision values of the calibration CV.
    minority_class_, imbalance_ratio_, classes_, scaler_, svm_, platt_ / isotonic_.
    """

    def __init__(
        self,
        C=1.0,
        kernel="rbf",
        gamma="scale",
        degree=3,
        coef0=0.0,
        k="auto",
        k_values=DEFAULT_K_VALUES,
        k_cv=5,
        k_scoring="roc_auc",
        calibration=None,
        calibration_cv=3,
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
        self.k = k
        self.k_values = k_values
        self.k_cv = k_cv
        self.k_scoring = k_scoring
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.neighbors_algorithm = neighbors_algorithm
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        if not (self.k == "auto" or (isinstance(self.k, numbers.Integral) and self.k >= 1)):
            raise ValueError(f"k must be 'auto' or a positive integer, got {self.k!r}")
        if self.k_scoring not in _K_SCORERS:
            raise ValueError(f"k_scoring must be one of {tuple(_K_SCORERS)}, got {self.k_scoring!r}")
        _check_cv("k_cv", self.k_cv)

    def _prepare(self, X, is_positive):
        if self.k != "auto":
            self.k_ = int(self.k)
            return
        k_values = [int(k) for k in self.k_values]
        folds = self._folds(self.k_cv, is_positive.astype(int))
        if folds is None:
            self.k_ = int(np.median(k_values))
            return
        score = _K_SCORERS[self.k_scoring]
        self._progress(f"choosing k from {k_values} by CV ({self.k_scoring})")
        per_fold = Parallel(n_jobs=self.n_jobs)(
            delayed(self._score_ks)(X, is_positive, train, held_out, k_values, score)
            for train, held_out in folds.split(X, is_positive)
        )
        means = np.mean(per_fold, axis=0)
        self.k_scores_ = dict(zip(k_values, means.tolist()))
        self.k_ = k_values[int(np.argmax(means))]
        self._progress(f"k = {self.k_}")

    def _score_ks(self, X, is_positive, train, held_out, k_values, score):
        scaler = StandardScaler().fit(X[train])
        Z_train, Z_held = scaler.transform(X[train]), scaler.transform(X[held_out])
        profiles = entropy_profiles(Z_train, is_positive[train], k_values, self.neighbors_algorithm)
        scores = []
        for column in range(len(k_values)):
            weights = efsvm_membership(profiles[:, column], is_positive[train])
            svm = self._new_svm(Z_train).fit(Z_train, is_positive[train], sample_weight=weights)
            scores.append(score(is_positive[held_out], svm.decision_function(Z_held)))
        return scores

    def _memberships(self, Z, is_positive):
        entropy = entropy_profiles(Z, is_positive, (self.k_,), self.neighbors_algorithm)[:, 0]
        return efsvm_membership(entropy, is_positive)


class IEFSVMClassifier(_EntropyFuzzySVM):
    """Instance-based entropy fuzzy SVM: each sample's entropy over all k sets its weight.

    Parameters
    ----------
    k_values : sequence of int
        Neighbourhood sizes forming each sample's entropy profile.
    rho : float or None
        Divisor of the negative memberships; None uses the training IR.
    C, kernel, gamma, degree, coef0, tol, cache_size, max_iter
        As in :class:`sklearn.svm.SVC`; samples are standardized first.
    calibration : None, "sigmoid" or "isotonic"
        Enables ``predict_proba`` fitted on out-of-fold scores of ``calibration_cv``
        (number of stratified folds, or a CV splitter).
    neighbors_algorithm : "ball_tree", "kd_tree", "brute" or "auto"
    random_state : int, RandomState or None
        Shuffles the calibration folds.
    verbose : int
        Progress lines on stderr when > 0.

    Attributes
    ----------
    membership_ : ndarray, training memberships s_i.
    n_iter_ : libsvm iterations of the final fit.
    oof_decision_ : ndarray, out-of-fold decision values of the calibration CV.
    minority_class_, imbalance_ratio_, classes_, scaler_, svm_, platt_ / isotonic_.
    """

    def __init__(
        self,
        C=1.0,
        kernel="rbf",
        gamma="scale",
        degree=3,
        coef0=0.0,
        k_values=DEFAULT_K_VALUES,
        rho=None,
        calibration=None,
        calibration_cv=3,
        neighbors_algorithm="ball_tree",
        tol=1e-3,
        cache_size=200,
        max_iter=-1,
        random_state=None,
        verbose=0,
    ):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.k_values = k_values
        self.rho = rho
        self.calibration = calibration
        self.calibration_cv = calibration_cv
        self.neighbors_algorithm = neighbors_algorithm
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        if self.rho is not None and (not isinstance(self.rho, numbers.Real) or self.rho <= 0):
            raise ValueError(f"rho must be None or a positive number, got {self.rho!r}")

    def _memberships(self, Z, is_positive):
        profiles = entropy_profiles(Z, is_positive, self.k_values, self.neighbors_algorithm)
        return iefsvm_membership(profiles, is_positive, self.rho)
