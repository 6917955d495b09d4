"""The fuzzy SVMs' "auto" settings: a small grid scored by stratified CV AUC on the
training data, so that the defaults hold on data the estimator has never seen.

Why a search and not one setting: on Lending Club a nearly linear RBF won, on other
credit data a linear or a sharper kernel does, and the memberships' ``1 / IR`` factor
shrinks the effective C by about the imbalance ratio, so no single C suits every IR.

The grid (on standardized features, ``scale = 1 / (n_features * Z.var())``, SVC's
"scale" rule computed on the training data):

- kernel "auto": linear and RBF;
- C "auto": :data:`C_GRID`;
- gamma "auto": :data:`GAMMA_FACTORS` times ``scale`` (not used by the linear kernel);
- with fewer than :data:`SMALL_SAMPLE` samples, only C = 1 and gamma = ``scale``
  (the "tiny grid": few samples cannot tell finer settings apart);
- with fewer samples of a class than CV folds, no search: :data:`FALLBACK`.

Candidates are ordered from the most to the least regularized, so a tie keeps the
simpler model. Each CV fold standardizes, computes memberships and fits on its own
training part only; the held-out part is only scored.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

AUTO = "auto"
AUTO_KERNELS = ("linear", "rbf")
C_GRID = (0.1, 1.0, 10.0)
GAMMA_FACTORS = (0.1, 1.0)
SMALL_SAMPLE = 200
FALLBACK = {"kernel": "rbf", "C": 1.0, "gamma": "scale"}


def scale_gamma(Z) -> float:
    """SVC's "scale" rule: 1 / (n_features * variance of all entries)."""
    variance = float(np.asarray(Z).var())
    return 1.0 / (Z.shape[1] * variance) if variance != 0 else 1.0


def resolve_gamma(gamma, Z) -> float:
    return scale_gamma(Z) if gamma == "scale" else float(gamma)


def candidate_settings(kernel, C, gamma, Z) -> List[dict]:
    """Every (kernel, C, gamma) the search tries; explicit values are kept as given."""
    small = Z.shape[0] < SMALL_SAMPLE
    kernels = AUTO_KERNELS if kernel == AUTO else (kernel,)
    Cs = ((1.0,) if small else C_GRID) if C == AUTO else (float(C),)
    if gamma == AUTO:
        base = scale_gamma(Z)
        gammas = (base,) if small else tuple(factor * base for factor in GAMMA_FACTORS)
    else:
        gammas = (gamma,)
    out = []
    for kernel_name in kernels:
        for c in Cs:
            for g in gammas if kernel_name != "linear" else gammas[:1]:
                out.append({"kernel": kernel_name, "C": c, "gamma": g})
    return out


def fallback_settings(kernel, C, gamma) -> dict:
    """The documented rule when there are too few samples per class to cross-validate."""
    return {
        "kernel": FALLBACK["kernel"] if kernel == AUTO else kernel,
        "C": FALLBACK["C"] if C == AUTO else float(C),
        "gamma": FALLBACK["gamma"] if gamma == AUTO else gamma,
    }


def fold_scores(
    X,
    is_positive,
    train,
    held_out,
    candidates: Sequence[dict],
    memberships: Callable[[np.ndarray, np.ndarray, Optional[int]], np.ndarray],
    make_svm: Callable[[dict, np.ndarray], SVC],
    score: Callable = roc_auc_score,
) -> List[float]:
    """Scores of every candidate on one fold, fitted on the fold's training part only.

    A candidate may name a neighbourhood size ``k`` (EFSVM); memberships are computed
    once per distinct k.
    """
    scaler = StandardScaler().fit(X[train])
    Z_train, Z_held = scaler.transform(X[train]), scaler.transform(X[held_out])
    weights: Dict[Optional[int], np.ndarray] = {}
    scores = []
    for candidate in candidates:
        k = candidate.get("k")
        if k not in weights:
            weights[k] = memberships(Z_train, is_positive[train], k)
        svm = make_svm(candidate, Z_train).fit(Z_train, is_positive[train], sample_weight=weights[k])
        scores.append(float(score(is_positive[held_out], svm.decision_function(Z_held))))
    return scores
