import math

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from bot.credit.membership import (
    binary_entropy,
    efsvm_membership,
    entropy_profiles,
    iefsvm_membership,
    polar_entropy_coordinates,
)


def test_entropy_matches_the_spec_worked_example():
    assert binary_entropy(6, 7) == pytest.approx(0.41, abs=0.005)
    assert binary_entropy(3, 7) == pytest.approx(0.68, abs=0.005)


def test_entropy_is_zero_for_pure_neighbourhoods_and_ln2_at_half():
    assert binary_entropy(0, 7) == 0.0
    assert binary_entropy(7, 7) == 0.0
    assert binary_entropy(2, 4) == pytest.approx(math.log(2))


# Points on a line, distinct gaps so neighbour order is unambiguous:
#   x:        0.0   1.0   2.5   4.5   7.0
#   minority:  yes   no    yes   no    no
LINE = np.array([[0.0], [1.0], [2.5], [4.5], [7.0]])
LINE_POSITIVE = np.array([True, False, True, False, False])
H_ONE_THIRD = -(1 / 3) * math.log(1 / 3) - (2 / 3) * math.log(2 / 3)


def test_entropy_profiles_by_hand_on_a_line():
    profiles = entropy_profiles(LINE, LINE_POSITIVE, k_values=(1, 3, 5))
    # x=0.0: neighbours 1.0(-) 2.5(+) 4.5(-) 7.0(-); k=5 is capped at n-1=4.
    assert profiles[0] == pytest.approx([0.0, H_ONE_THIRD, -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))])
    # x=1.0: neighbours 0.0(+) 2.5(+) 4.5(-) 7.0(-).
    assert profiles[1] == pytest.approx([0.0, H_ONE_THIRD, math.log(2)])
    # x=7.0: neighbours 4.5(-) 2.5(+) 1.0(-) 0.0(+).
    assert profiles[4] == pytest.approx([0.0, H_ONE_THIRD, math.log(2)])


@pytest.mark.parametrize("algorithm", ["ball_tree", "kd_tree"])
def test_one_query_of_the_largest_k_equals_one_query_per_k(algorithm):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    positive = rng.uniform(size=300) < 0.15
    k_values = (1, 3, 5, 7, 9, 11, 13, 15)
    profiles = entropy_profiles(X, positive, k_values, algorithm=algorithm)
    for column, k in enumerate(k_values):
        neighbours = (
            NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X).kneighbors(return_distance=False)
        )
        expected = binary_entropy(positive[neighbours].sum(axis=1), k)
        np.testing.assert_allclose(profiles[:, column], expected)


def test_efsvm_membership_by_hand():
    positive = np.array([True, False, False, False, False, False])
    entropy = np.array([0.5, 0.0, 0.41, 0.68, 0.2, 0.1])
    imbalance = 5.0
    expected = [1.0, 1.0 / imbalance, 0.59 / imbalance, 0.32 / imbalance, 0.8 / imbalance, 0.9 / imbalance]
    np.testing.assert_allclose(efsvm_membership(entropy, positive), expected)


def test_polar_coordinates_of_mean_and_std():
    d, theta = polar_entropy_coordinates(np.array([[0.0, 0.6], [0.6, 0.6], [0.2, 0.6]]))
    # (mu, sigma) = (0.3, 0.3), (0.6, 0), (0.4, 0.2)
    np.testing.assert_allclose(d, [0.4242641, 0.6, 0.4472136], rtol=1e-6)
    np.testing.assert_allclose(theta, [math.pi / 4, 0.0, 0.4636476], rtol=1e-6)


def test_iefsvm_membership_by_hand():
    profiles = np.array([[0.5, 0.5], [0.0, 0.0], [0.0, 0.6], [0.6, 0.6], [0.2, 0.6]])
    positive = np.array([True, False, False, False, False])
    # d*theta of the negatives: 0, 0.3332162, 0, 0.2073495; rho = IR = 4.
    expected = [1.0, 0.25, 0.0, 0.25, (1 - 0.2073495 / 0.3332162) / 4]
    np.testing.assert_allclose(iefsvm_membership(profiles, positive), expected, rtol=1e-6)


def test_iefsvm_membership_uses_given_rho_and_handles_equal_spreads():
    profiles = np.array([[0.3, 0.3], [0.0, 0.0], [0.0, 0.0]])
    positive = np.array([True, False, False])
    np.testing.assert_allclose(iefsvm_membership(profiles, positive, rho=8.0), [1.0, 0.125, 0.125])


def test_memberships_need_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        efsvm_membership(np.zeros(3), np.zeros(3, dtype=bool))


def test_balanced_rho_by_hand():
    profiles = np.array([[0.5, 0.5], [0.0, 0.0], [0.0, 0.6], [0.6, 0.6], [0.2, 0.6]])
    positive = np.array([True, False, False, False, False])
    # 1 - scaled of the negatives: 1, 0, 1, 1 - 0.2073495 / 0.3332162; one positive.
    kept = np.array([1.0, 0.0, 1.0, 1 - 0.2073495 / 0.3332162])
    rho = kept.sum() / 1
    expected = np.r_[1.0, kept / rho]
    memberships = iefsvm_membership(profiles, positive, rho="balanced")
    np.testing.assert_allclose(memberships, expected, rtol=1e-6)
    assert memberships[~positive].sum() == pytest.approx(1.0)
