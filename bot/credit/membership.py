"""Entropy memberships of EFSVM and IEFSVM (definitions: :mod:`bot.credit.fuzzy_svm`).

Pure functions of standardized features and class roles: the k-neighbourhood entropy
profiles, and the memberships ``s_i`` both fuzzy SVMs weight their slacks with.
"""
from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

DEFAULT_K_VALUES = (1, 3, 5, 7, 9, 11, 13, 15)


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
    imbalance = imbalance_ratio(is_positive)
    return np.where(is_positive, 1.0, (1.0 - np.asarray(entropy, dtype=float)) / imbalance)


def polar_entropy_coordinates(profiles):
    """(d_i, theta_i): polar coordinates of each profile's (mean, std) point."""
    profiles = np.asarray(profiles, dtype=float)
    mu = profiles.mean(axis=1)
    sigma = profiles.std(axis=1)
    return np.hypot(mu, sigma), np.arctan2(sigma, mu)


def iefsvm_membership(profiles, is_positive, rho=None):
    """IEFSVM memberships from entropy profiles (see :mod:`bot.credit.fuzzy_svm`).

    ``rho``: a number; None for the imbalance ratio; "balanced" for the value that gives
    both classes the same total weight, ``sum_negatives (1 - scaled_i) / n_positive``.
    """
    is_positive = np.asarray(is_positive, dtype=bool)
    d, theta = polar_entropy_coordinates(profiles)
    spread = d * theta
    negative_spread = spread[~is_positive]
    low, high = negative_spread.min(), negative_spread.max()
    scaled = (spread - low) / (high - low) if high > low else np.zeros_like(spread)
    if rho is None:
        rho = imbalance_ratio(is_positive)
    elif rho == "balanced":
        imbalance_ratio(is_positive)
        rho = float(np.sum(1.0 - scaled[~is_positive])) / float(np.sum(is_positive))
    return np.where(is_positive, 1.0, (1.0 - scaled) / float(rho))


def imbalance_ratio(is_positive):
    n_pos = int(np.sum(is_positive))
    n_neg = int(np.size(is_positive) - n_pos)
    if n_pos == 0 or n_neg == 0:
        raise ValueError("memberships need samples of both classes")
    return n_neg / n_pos
