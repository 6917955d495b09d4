"""Platt's sigmoid for turning SVM decision values into probabilities of default."""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


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
