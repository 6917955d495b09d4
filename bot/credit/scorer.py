"""Score one customer: MyData-style profile (+ optional loan request) -> PD, score, band,
the three factors that moved it most, and what was missing.

Units: the model learned from Lending Club loans in USD; customers arrive in KRW. The
conversion happens only here, at the fixed rate :data:`KRW_PER_USD` (1,400 KRW per USD,
a round 2024-25 level; a fixed rate keeps scores stable when the exchange rate moves).

Missing inputs are filled with the training median (numbers) or the most common value
(term), and listed in ``CreditResult.missing``; unknown employment uses Lending Club's
own "unknown" category. Nothing missing is ever read as zero.

PD: the model's PD, then the delinquency policy of :mod:`bot.credit.policy` (the
training data cannot teach delinquency; that module says why and states its numbers).

Factor sentences state the customer's own values; the only comparison is income against the
Korean wage median from ``knowledge_base/reference_values.yml`` (latest edition published by the
profile's date, cited in the sentence). The Lending Club medians are the model's reference
point, never shown to a customer: a US figure converted to won means nothing to a Korean.

Factors: for each customer-facing factor (a group of model inputs, e.g. all installment
loan columns), the customer's observed values are replaced by the training reference
(median / most common value) and the final PD recomputed; the change is what that
factor contributed for this customer relative to a typical borrower. For delinquency the
typical borrower has none, so its change is the policy's effect. This is exact for the
model, linear or not (it needs no gradient or additivity); factors are ranked by the
size of the change. Income verification is not a factor: every MyData income is
verified, so it cannot explain differences between customers.

Score and band: the scale of :mod:`bot.credit.scale` (PD 5% scores 700, 60 points double the
odds; NICE's 1-10등급 ranges).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

import numpy as np
import pandas as pd

from bot.kb.references import reference as kb_reference
from bot.korean.calendar import whole_months_between

from .artifact import CreditArtifact, load_artifact
from .features import RAW_COLUMNS
from .policy import CURRENT_DELINQUENCY_DAYS, apply_delinquency_policy
from .profile import CreditProfile, LoanApplication
from .scale import band_from_score, score_from_pd

KRW_PER_USD = 1400
INCOME_REFERENCE = "wage_median_monthly"

DELINQUENCY_FACTOR = ("delinquency", "연체 이력")
FACTOR_GROUPS = {
    "income": ("소득", ("annual_inc",)),
    "loan_amount": ("신청 금액", ("funded_amnt",)),
    "term": ("상환 기간", ("term",)),
    "recent_loans": ("최근 새로 받은 대출", ("open_il_12m", "open_il_24m")),
    "installment_debt": (
        "분할상환 대출",
        ("open_il_6m", "num_il_tl", "total_bal_il", "total_il_high_credit_limit"),
    ),
    "card_utilisation": ("카드 한도 사용률", ("revol_util",)),
    "total_utilisation": ("전체 한도 대비 잔액", ("all_util",)),
    "inquiries": ("신용조회 건수", ("inq_last_6mths", "inq_last_12m", "inq_fi")),
    "employment": ("재직 기간", ("emp_length",)),
}

MISSING_WORDS = {
    "request": "신청 대출 금액·기간",
    "monthly_salary": "소득(급여 입금 내역)",
    "employment_months": "재직 기간",
    "loans": "대출 내역",
    "cards": "카드 한도·사용액",
    "delinquencies_24m": "최근 2년 연체 기록",
    "inquiries_6m": "최근 6개월 신용조회 건수",
    "inquiries_12m": "최근 12개월 신용조회 건수",
    "finance_inquiries": "금융권 대출 조회 건수",
}


def krw_to_usd(amount_krw: float) -> float:
    return float(amount_krw) / KRW_PER_USD


def usd_to_krw(amount_usd: float) -> float:
    return float(amount_usd) * KRW_PER_USD


@dataclass(frozen=True)
class Factor:
    """One reason for this customer's score: ``feature`` is the factor key (a group of
    model inputs, or "delinquency"), ``direction`` "raises_risk" / "lowers_risk", and
    ``pd_change`` the PD minus the PD with a typical value for this factor."""

    feature: str
    label: str
    direction: str
    pd_change: float
    sentence: str


@dataclass(frozen=True)
class CreditResult:
    """``pd`` probability of default, ``score`` 1-1000 (higher is better), ``band``
    1등급..10등급, up to three ``factors``, and ``missing`` inputs in Korean words."""

    pd: float
    score: int
    band: str
    factors: list[Factor]
    missing: list[str]
    model_version: str


def _emp_category(months: int) -> str:
    if months < 12:
        return "emp_lt_1"
    years = months // 12
    return "emp_ge_10" if years >= 10 else f"emp_{years}"


def profile_to_raw(profile: CreditProfile, request: Optional[LoanApplication]):
    """Customer facts -> Lending Club raw columns (USD); ``None`` where unknown.

    Returns ``(raw, missing_inputs)`` with ``missing_inputs`` the keys of
    :data:`MISSING_WORDS` that were not available.
    """
    as_of = profile.as_of or date.today()
    raw: dict = {column: None for column in RAW_COLUMNS}
    missing = []

    if request is None:
        missing.append("request")
    else:
        raw["funded_amnt"] = krw_to_usd(request.amount)
        raw["term"] = "term_36" if request.term_months <= 36 else "term_60"

    if profile.monthly_salary is None:
        missing.append("monthly_salary")
        raw["verification_status"] = "Not_Verified"
    else:
        raw["annual_inc"] = krw_to_usd(12 * profile.monthly_salary)
        raw["verification_status"] = "Verified"

    if profile.employment_months is None:
        missing.append("employment_months")
        raw["emp_length"] = "emp_unk"
    else:
        raw["emp_length"] = _emp_category(profile.employment_months)

    revolving_balance_usd = revolving_limit_usd = None
    if profile.card_limit_total is None or profile.card_spending_3m is None:
        missing.append("cards")
    else:
        spending = list(profile.card_spending_3m)
        revolving_balance_usd = krw_to_usd(float(np.mean(spending))) if spending else 0.0
        revolving_limit_usd = krw_to_usd(profile.card_limit_total)

    loans = None if profile.loans is None else list(profile.loans)
    if loans is None:
        missing.append("loans")
    else:
        installment = [loan for loan in loans if loan.installment]
        raw["open_il_6m"] = sum(1 for loan in installment if loan.balance > 0)
        raw["open_il_12m"] = sum(1 for loan in installment if whole_months_between(loan.opened, as_of) < 12)
        raw["open_il_24m"] = sum(1 for loan in installment if whole_months_between(loan.opened, as_of) < 24)
        raw["num_il_tl"] = len(installment)
        raw["total_bal_il"] = krw_to_usd(sum(loan.balance for loan in installment))
        raw["total_il_high_credit_limit"] = krw_to_usd(sum(loan.principal for loan in installment))

    if revolving_balance_usd is not None and revolving_limit_usd is not None:
        if loans is not None:
            credit_lines = [loan for loan in loans if not loan.installment]
            revolving_balance_usd += krw_to_usd(sum(loan.balance for loan in credit_lines))
            revolving_limit_usd += krw_to_usd(sum(loan.principal for loan in credit_lines))
            balance = raw["total_bal_il"] + revolving_balance_usd
            limit = raw["total_il_high_credit_limit"] + revolving_limit_usd
            raw["all_util"] = 100.0 * balance / limit if limit > 0 else 0.0
        raw["revol_util"] = (
            100.0 * revolving_balance_usd / revolving_limit_usd if revolving_limit_usd > 0 else 0.0
        )

    if profile.delinquencies_24m is None:
        missing.append("delinquencies_24m")
    for field_name, column in (
        ("inquiries_6m", "inq_last_6mths"),
        ("inquiries_12m", "inq_last_12m"),
        ("finance_inquiries", "inq_fi"),
    ):
        value = getattr(profile, field_name)
        if value is None:
            missing.append(field_name)
        else:
            raw[column] = value
    return raw, missing


def loans_past_due_now(profile: CreditProfile) -> Optional[int]:
    """Loans 30+ days past due today; ``None`` when no loan data is connected."""
    if profile.loans is None:
        return None
    return sum(1 for loan in profile.loans if loan.delinquent_days >= CURRENT_DELINQUENCY_DAYS)


def _delinquency_fact(delinquencies_24m: Optional[int], past_due_now: Optional[int]) -> str:
    past = f"최근 2년 동안 30일 이상 연체가 {int(delinquencies_24m)}번 있었" if delinquencies_24m else ""
    now = f"지금 30일 넘게 연체 중인 대출이 {int(past_due_now)}건 있어요" if past_due_now else ""
    if past and now:
        return f"{past}고, {now}"
    return f"{past}어요" if past else now


def _manwon(amount_usd: float) -> str:
    return f"{usd_to_krw(amount_usd) / 10_000:,.0f}만 원"


def _employment_words(category: str) -> str:
    if category == "emp_lt_1":
        return "1년 미만"
    if category == "emp_ge_10":
        return "10년 이상"
    return f"{category.split('_')[1]}년"


def _manwon_krw(amount_krw: float) -> str:
    return f"{amount_krw / 10_000:,.0f}만 원"


def _income_fact(annual_inc_usd: float, as_of: date) -> str:
    """The customer's monthly income beside the Korean wage median of the latest published edition."""
    median = kb_reference(INCOME_REFERENCE, as_of)
    return (f"월 소득이 약 {_manwon_krw(usd_to_krw(annual_inc_usd) / 12)}이에요 "
            f"(임금근로자 월 중위소득 {_manwon_krw(median.value)}, {median.citation})")


def _fact(group: str, row: dict, observed: set, as_of: date) -> str:
    """The customer's own values for a factor; a comparison only with a sourced Korean reference."""
    if group == "income":
        return _income_fact(row["annual_inc"], as_of)
    if group == "loan_amount":
        if "annual_inc" in observed and row["annual_inc"] > 0:
            share = 100.0 * row["funded_amnt"] / row["annual_inc"]
            return f"신청 금액이 {_manwon(row['funded_amnt'])}으로 연 소득의 {share:.0f}%예요"
        return f"신청 금액이 {_manwon(row['funded_amnt'])}이에요"
    if group == "term":
        return f"상환 기간이 {row['term'].split('_')[1]}개월이에요"
    if group == "recent_loans":
        return (
            f"최근 1년 안에 새로 받은 분할상환 대출이 {int(row['open_il_12m'])}건, 2년 안에는 "
            f"{int(row['open_il_24m'])}건이에요"
        )
    if group == "installment_debt":
        return (
            f"갚고 있는 분할상환 대출이 {int(row['open_il_6m'])}건, 잔액 {_manwon(row['total_bal_il'])}이에요"
        )
    if group == "card_utilisation":
        return f"카드 한도의 {row['revol_util']:.0f}%를 쓰고 있어요"
    if group == "total_utilisation":
        return f"전체 대출·카드 한도 대비 잔액이 {row['all_util']:.0f}%예요"
    if group == "inquiries":
        return (
            f"최근 6개월 신용조회가 {int(row['inq_last_6mths'])}번, 12개월 {int(row['inq_last_12m'])}번 "
            "있었어요"
        )
    if group == "employment":
        if row["emp_length"] == "emp_unk":
            return "재직 기간을 확인할 수 없어요"
        return f"재직 기간이 {_employment_words(row['emp_length'])}이에요"
    raise KeyError(group)


class CreditScorer:
    """Scores customers with a loaded :class:`CreditArtifact`."""

    def __init__(self, artifact: CreditArtifact):
        self.artifact = artifact
        self._reference = dict(artifact.reference)

    @classmethod
    def load(cls, directory) -> "CreditScorer":
        return cls(load_artifact(directory))

    def score(self, profile: CreditProfile, request: Optional[LoanApplication] = None) -> CreditResult:
        raw, missing_inputs = profile_to_raw(profile, request)
        observed = {column for column, value in raw.items() if value is not None}
        filled = {
            column: (self._reference[column] if value is None else value) for column, value in raw.items()
        }
        past_due_now = loans_past_due_now(profile)

        groups = [
            (group, [c for c in columns if c in observed and filled[c] != self._reference[c]])
            for group, (_, columns) in FACTOR_GROUPS.items()
        ]
        groups = [(group, columns) for group, columns in groups if columns]
        rows = [filled] + [{**filled, **{c: self._reference[c] for c in columns}} for _, columns in groups]
        frame = pd.DataFrame(rows, columns=list(RAW_COLUMNS))
        model_pds = self.artifact.model.predict_proba(frame)[:, 1]
        final_pds = [apply_delinquency_policy(p, profile.delinquencies_24m, past_due_now) for p in model_pds]
        pd_ = float(final_pds[0])

        changes = [(group, pd_ - float(alt)) for (group, _), alt in zip(groups, final_pds[1:])]
        changes.append((DELINQUENCY_FACTOR[0], pd_ - float(model_pds[0])))
        changes.sort(key=lambda item: -abs(item[1]))
        factors = [self._factor(group, change, filled, observed, profile, past_due_now)
                   for group, change in changes[:3] if change != 0.0]
        score = score_from_pd(pd_)
        return CreditResult(
            pd=pd_,
            score=score,
            band=band_from_score(score),
            factors=factors,
            missing=[MISSING_WORDS[key] for key in missing_inputs],
            model_version=self.artifact.model_version,
        )

    def _factor(self, group, change, filled, observed, profile, past_due_now) -> Factor:
        if group == DELINQUENCY_FACTOR[0]:
            label, fact = DELINQUENCY_FACTOR[1], _delinquency_fact(profile.delinquencies_24m, past_due_now)
        else:
            label, fact = (
                FACTOR_GROUPS[group][0],
                _fact(group, filled, observed, profile.as_of or date.today()),
            )
        raises = change > 0
        effect = "점수를 낮춘 요인이에요." if raises else "점수를 높인 요인이에요."
        return Factor(
            feature=group,
            label=label,
            direction="raises_risk" if raises else "lowers_risk",
            pd_change=change,
            sentence=f"{fact}. {effect}",
        )
