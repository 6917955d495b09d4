from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from bot.credit.features import RAW_COLUMNS
from bot.credit.policy import apply_delinquency_policy
from bot.credit.profile import CreditProfile, LoanApplication, LoanRecord
from bot.credit.scale import band_from_score, pd_from_score, score_from_pd
from bot.credit.scorer import (
    DELINQUENCY_FACTOR,
    FACTOR_GROUPS,
    KRW_PER_USD,
    CreditScorer,
    krw_to_usd,
    loans_past_due_now,
    profile_to_raw,
)
from sandbox.credit_personas import CREDIT_PERSONAS


@pytest.fixture(scope="module")
def scorer(small_artifact):
    return CreditScorer(small_artifact)


def score_persona(scorer, name):
    persona = CREDIT_PERSONAS[name]
    return scorer.score(persona.profile, persona.request)


def test_thin_filer_with_delinquency_scores_below_salaried_worker_without_debt(scorer):
    salaried = score_persona(scorer, "salaried_no_debt")
    thin = score_persona(scorer, "thin_filer_delinquent")
    assert thin.pd > salaried.pd
    assert thin.score < salaried.score


def test_result_fields_are_consistent(scorer, small_artifact):
    for name in CREDIT_PERSONAS:
        result = score_persona(scorer, name)
        assert 0.0 < result.pd < 1.0
        assert 1 <= result.score <= 1000
        assert result.score == score_from_pd(result.pd)
        assert result.band == band_from_score(result.score)
        assert result.model_version == small_artifact.model_version
        assert len(result.factors) <= 3
        changes = [abs(f.pd_change) for f in result.factors]
        assert changes == sorted(changes, reverse=True)
        for factor in result.factors:
            assert factor.feature in FACTOR_GROUPS or factor.feature == DELINQUENCY_FACTOR[0]
            assert factor.direction == ("raises_risk" if factor.pd_change > 0 else "lowers_risk")
            assert factor.sentence.endswith("요인이에요.")
            assert any("\uac00" <= ch <= "\ud7a3" for ch in factor.sentence)


def final_pd(artifact, raw, profile):
    frame = pd.DataFrame([raw], columns=list(RAW_COLUMNS))
    model_pd = artifact.model.predict_proba(frame)[0, 1]
    return apply_delinquency_policy(
        model_pd, profile.delinquencies_24m, loans_past_due_now(profile)
    ), model_pd


@pytest.mark.parametrize("name", ["thin_filer_delinquent", "young_borrower"])
def test_factor_change_is_the_pd_difference_against_the_typical_value(scorer, small_artifact, name):
    persona = CREDIT_PERSONAS[name]
    result = scorer.score(persona.profile, persona.request)
    raw, _ = profile_to_raw(persona.profile, persona.request)
    pd_customer, pd_model = final_pd(small_artifact, raw, persona.profile)
    assert result.pd == pytest.approx(pd_customer, abs=1e-12)
    for factor in result.factors:
        if factor.feature == DELINQUENCY_FACTOR[0]:
            assert factor.pd_change == pytest.approx(pd_customer - pd_model, abs=1e-12)
            continue
        counterfactual = dict(raw)
        for column in FACTOR_GROUPS[factor.feature][1]:
            counterfactual[column] = small_artifact.reference[column]
        pd_typical, _ = final_pd(small_artifact, counterfactual, persona.profile)
        assert factor.pd_change == pytest.approx(pd_customer - pd_typical, abs=1e-12)


def test_delinquency_is_the_top_factor_for_a_customer_in_arrears(scorer):
    result = score_persona(scorer, "thin_filer_delinquent")
    assert result.factors[0].feature == "delinquency"
    assert result.factors[0].direction == "raises_risk"
    assert "연체" in result.factors[0].sentence
    assert result.pd >= 0.30


def test_missing_inputs_are_reported_and_filled_with_the_median_not_zero(scorer, small_artifact):
    persona = CREDIT_PERSONAS["salary_only"]
    result = scorer.score(persona.profile, persona.request)
    assert "대출 내역" in result.missing
    assert "신청 대출 금액·기간" in result.missing
    assert "소득(급여 입금 내역)" not in result.missing
    assert not score_persona(scorer, "salaried_no_debt").missing

    raw, _ = profile_to_raw(persona.profile, persona.request)
    as_median = {c: (small_artifact.reference[c] if v is None else v) for c, v in raw.items()}
    as_zero = {c: (0 if v is None else v) for c, v in raw.items()}
    as_zero["term"] = "term_36"
    frame = pd.DataFrame([as_median, as_zero], columns=list(RAW_COLUMNS))
    pd_median, pd_zero = small_artifact.model.predict_proba(frame)[:, 1]
    assert result.pd == pytest.approx(pd_median)
    assert result.pd != pytest.approx(pd_zero)
    assert all(f.feature not in ("installment_debt", "loan_amount", "delinquency") for f in result.factors)


def test_profile_to_raw_by_hand():
    profile = CreditProfile(
        monthly_salary=2_800_000,
        employment_months=40,
        loans=[
            LoanRecord(opened=date(2025, 2, 1), principal=7_000_000, balance=7_000_000),
            LoanRecord(opened=date(2023, 1, 15), principal=14_000_000, balance=0),
            LoanRecord(
                opened=date(2024, 6, 1),
                principal=2_800_000,
                balance=1_400_000,
                installment=False,
                delinquent_days=31,
            ),
        ],
        card_limit_total=5_600_000,
        card_spending_3m=[1_400_000, 1_400_000, 1_400_000],
        delinquencies_24m=1,
        inquiries_6m=2,
        inquiries_12m=3,
        finance_inquiries=1,
        as_of=date(2025, 6, 30),
    )
    raw, missing = profile_to_raw(profile, LoanApplication(amount=14_000_000, term_months=48, purpose="여행"))
    assert missing == []
    assert raw["funded_amnt"] == pytest.approx(10_000.0)
    assert raw["term"] == "term_60"
    assert raw["annual_inc"] == pytest.approx(24_000.0)
    assert raw["verification_status"] == "Verified"
    assert raw["emp_length"] == "emp_3"
    assert (raw["open_il_6m"], raw["open_il_12m"], raw["open_il_24m"], raw["num_il_tl"]) == (1, 1, 1, 2)
    assert raw["total_bal_il"] == pytest.approx(5_000.0)
    assert raw["total_il_high_credit_limit"] == pytest.approx(15_000.0)
    assert loans_past_due_now(profile) == 1
    assert not {"delinq_2yrs", "acc_now_delinq", "delinq_amnt"} & set(raw)
    # revolving: card 1,000 + credit line 1,000 USD of 4,000 + 2,000 USD limits
    assert raw["revol_util"] == pytest.approx(100 * 2_000 / 6_000)
    # all: (5,000 + 2,000) / (15,000 + 6,000)
    assert raw["all_util"] == pytest.approx(100 * 7_000 / 21_000)
    assert raw["inq_fi"] == 1 and raw["inq_last_6mths"] == 2


def test_won_to_dollar_rate_is_stated_once():
    assert KRW_PER_USD == 1400
    assert krw_to_usd(1_400_000) == pytest.approx(1_000.0)


def test_score_scale_and_bands():
    assert score_from_pd(0.05) == 700
    assert score_from_pd(0.025) > score_from_pd(0.05) > score_from_pd(0.2)
    assert score_from_pd(1e-12) == 1000 and score_from_pd(1 - 1e-12) == 1
    assert all(score_from_pd(pd_from_score(s)) == s for s in (1, 300, 444, 700, 760, 900, 1000))
    assert [band_from_score(s) for s in (1000, 900, 899, 750, 749, 445, 444, 1)] == [
        "1등급", "1등급", "2등급", "5등급", "6등급", "9등급", "10등급", "10등급",
    ]


def test_more_delinquency_never_helps(scorer):
    persona = CREDIT_PERSONAS["young_borrower"]
    base = scorer.score(persona.profile, persona.request)
    worse = scorer.score(replace(persona.profile, delinquencies_24m=3), persona.request)
    assert worse.pd >= base.pd
