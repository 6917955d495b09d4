"""What raises my score (counterfactual levers re-scored by the model), and factor sentences that
cite only Korean reference values with their source."""
import random
import re
from dataclasses import replace
from datetime import date

import pytest

from bot.credit.levers import CARD_TARGET_SHARE, score_levers
from bot.credit.profile import CreditProfile, LoanRecord
from bot.credit.scorer import CreditScorer, usd_to_krw
from bot.kb.references import all_references, reference
from sandbox.credit_personas import CREDIT_PERSONAS


@pytest.fixture(scope="module")
def scorer(small_artifact):
    return CreditScorer(small_artifact)


def apply_lever(key: str, profile: CreditProfile) -> CreditProfile:
    """The change a lever names, made from its description alone."""
    loans = list(profile.loans or ())
    if key == "card_utilisation":
        target = int(profile.card_limit_total * CARD_TARGET_SHARE)
        return replace(profile, card_spending_3m=[target] * len(profile.card_spending_3m))
    if key == "clear_overdue":
        cleared = [x for x in loans if x.delinquent_days >= 30]
        return replace(profile, loans=[replace(x, delinquent_days=0) for x in loans],
                       delinquencies_24m=(profile.delinquencies_24m or 0) + len(cleared))
    if key == "credit_line":
        return replace(profile, loans=[x if x.installment else replace(x, balance=0) for x in loans])
    live = [x for x in loans if x.installment and x.balance > 0]
    gone = (
        max(live, key=lambda x: x.opened)
        if key == "recent_loan"
        else min(live, key=lambda x: (x.balance, x.opened))
    )
    loans.remove(gone)
    return replace(profile, loans=loans)


def test_applying_each_suggested_change_gives_the_stated_gain(scorer):
    seen = set()
    for persona in CREDIT_PERSONAS.values():
        before = scorer.score(persona.profile).score
        levers = score_levers(scorer, persona.profile)
        assert [lever.gain for lever in levers] == sorted((lever.gain for lever in levers), reverse=True)
        for lever in levers:
            assert lever.score_before == before and lever.gain >= 1
            assert scorer.score(apply_lever(lever.key, persona.profile)).score == before + lever.gain
            seen.add(lever.key)
    thin = CREDIT_PERSONAS["thin_filer_delinquent"].profile
    assert "card_utilisation" in {
        lever.key for lever in score_levers(scorer, thin, top=5)
    }  # 92% of its limit
    assert seen  # at least one persona can raise its score


def test_levers_only_offer_what_the_customer_has(scorer):
    salary_only = CREDIT_PERSONAS["salary_only"].profile
    assert score_levers(scorer, salary_only) == []  # nothing connected that could be changed
    clean = CREDIT_PERSONAS["salaried_no_debt"].profile
    keys = {lever.key for lever in score_levers(scorer, clean, top=5)}
    assert not keys & {"clear_overdue", "recent_loan", "credit_line", "smallest_loan"}


def _profiles():
    """The personas and 60 random variations of them, on two dates (two editions of the median)."""
    rng = random.Random(7)
    out = []
    for persona in CREDIT_PERSONAS.values():
        out.append(persona.profile)
        for _ in range(15):
            p = persona.profile
            out.append(
                replace(
                    p,
                    monthly_salary=rng.randrange(50, 2000) * 10_000,
                    as_of=rng.choice((date(2025, 6, 30), date(2026, 3, 2))),
                    card_limit_total=rng.randrange(1, 50) * 1_000_000,
                    card_spending_3m=[rng.randrange(0, 60) * 100_000 for _ in range(3)],
                    loans=[LoanRecord(date(2025, 1, 1), 10_000_000, rng.randrange(0, 10) * 1_000_000)],
                )
            )
    return out


def test_factor_sentences_cite_only_sourced_korean_values(scorer, small_artifact):
    us_values = {f"{usd_to_krw(small_artifact.reference[c]) / 10_000:,.0f}만 원"
                 for c in ("annual_inc", "funded_amnt", "total_bal_il", "total_il_high_credit_limit")}
    us_values.add(f"{usd_to_krw(small_artifact.reference['annual_inc']) / 12 / 10_000:,.0f}만 원")
    citations = {r.citation for r in all_references()}
    compared = 0
    for profile in _profiles():
        for factor in scorer.score(profile).factors:
            sentence = factor.sentence
            assert "보통" not in sentence, sentence
            assert not any(value in sentence for value in us_values), sentence
            for figure, cited in re.findall(r"\(임금근로자 월 중위소득 ([\d,]+)만 원, (.+?)\)\. ", sentence):
                compared += 1
                assert cited in citations, sentence
                edition = reference("wage_median_monthly", profile.as_of)
                assert cited == edition.citation and int(figure.replace(",", "")) * 10_000 == edition.value
            if any(word in sentence for word in ("중위", "평균", "기준")):
                assert any(c in sentence for c in citations), sentence
    assert compared > 10


def test_reference_values_name_their_source_and_year():
    editions = all_references()
    assert editions and all(r.publisher and r.title and r.year and r.published for r in editions)
    assert (
        reference("wage_median_monthly", date(2025, 7, 3)).year == 2022
    )  # the 2024 figures came out in 2026
    assert reference("wage_median_monthly", date(2026, 3, 1)).year == 2024
    assert all("US" not in r.title and "Lending" not in r.title for r in editions)
