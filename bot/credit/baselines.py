"""Benchmark competitors that scikit-learn and imbalanced-learn do not ship as such."""
from __future__ import annotations

import numbers

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted


class WeightedELMClassifier(ClassifierMixin, BaseEstimator):
    """Weighted extreme learning machine (Zong, Huang & Chen 2013), binary, W1 weights.

    A random sigmoid hidden layer ``H = sigmoid(X A + b)`` with ``n_hidden`` units
    (A, b uniform in [-1, 1]) is fixed; only the output weights are learned, in closed
    form: ``beta = (I / C + H' W H)^-1 H' W t`` with targets t = +-1 and W the diagonal
    of class-balanced sample weights (each class sums to n / 2, i.e. the paper's W1
    scheme ``1 / n_class`` rescaled so that C keeps its usual size). Expects
    standardized inputs.
    """

    def __init__(self, n_hidden=500, C=1.0, random_state=None):
        self.n_hidden = n_hidden
        self.C = C
        self.random_state = random_state

    def _more_tags(self):
        return {"binary_only": True}

    def fit(self, X, y):
        if not isinstance(self.n_hidden, numbers.Integral) or self.n_hidden < 1:
            raise ValueError(f"n_hidden must be a positive integer, got {self.n_hidden!r}")
        if not isinstance(self.C, numbers.Real) or self.C <= 0:
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        X, y = self._validate_data(X, y)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError(f"WeightedELMClassifier is binary only; got {len(self.classes_)} class(es)")
        rng = check_random_state(self.random_state)
        self.input_weights_ = rng.uniform(-1.0, 1.0, size=(X.shape[1], self.n_hidden))
        self.biases_ = rng.uniform(-1.0, 1.0, size=self.n_hidden)
        hidden = self._hidden(X)
        weights = compute_sample_weight("balanced", y_index)
        target = np.where(y_index == 1, 1.0, -1.0)
        weighted_hidden = hidden * weights[:, None]
        gram = hidden.T @ weighted_hidden + np.eye(int(self.n_hidden)) / self.C
        self.output_weights_ = np.linalg.solve(gram, weighted_hidden.T @ target)
        return self

    def _hidden(self, X):
        return expit(X @ self.input_weights_ + self.biases_)

    def decision_function(self, X):
        """Network output; positive means ``classes_[1]``."""
        check_is_fitted(self, "output_weights_")
        X = self._validate_data(X, reset=False)
        return self._hidden(X) @ self.output_weights_

    def predict(self, X):
        decision = self.decision_function(X)
        return self.classes_[(decision > 0).astype(int)]


class BalancedWeightClassifier(ClassifierMixin, BaseEstimator):
    """Fits ``estimator`` with class-balanced sample weights: cost-sensitive learning
    for estimators that take ``sample_weight`` but not ``class_weight`` (AdaBoost)."""

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        X, y = self._validate_data(X, y)
        check_classification_targets(y)
        self.estimator_ = clone(self.estimator).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(self._validate_data(X, reset=False))

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(self._validate_data(X, reset=False))


class ScalePosWeightXGBClassifier(ClassifierMixin, BaseEstimator):
    """XGBoost with ``scale_pos_weight = n_negative / n_positive`` of the data it is fitted
    on (cost-sensitive XGBoost), so the weight never comes from held-out labels."""

    def __init__(
        self,
        n_estimators=300,
        max_depth=3,
        learning_rate=0.05,
        subsample=0.8,
        colsample_bytree=0.8,
        n_jobs=1,
        random_state=None,
    ):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y):
        from xgboost import XGBClassifier

        X, y = self._validate_data(X, y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError("ScalePosWeightXGBClassifier is binary only")
        n_pos = int(y_index.sum())
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self.estimator_ = XGBClassifier(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            learning_rate=self.learning_rate,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            scale_pos_weight=(len(y_index) - n_pos) / max(n_pos, 1),
            tree_method="hist",
            n_jobs=self.n_jobs,
            random_state=seed,
        ).fit(X, y_index)
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(self._validate_data(X, reset=False))

    def predict(self, X):
        return self.classes_[(self.predict_proba(X)[:, 1] > 0.5).astype(int)]
