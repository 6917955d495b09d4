"""DSR (총부채원리금상환비율): yearly principal + interest on all loans ÷ yearly income.

The counting rules follow the 은행업감독규정 DSR rules as of 2026 (they change; every
result carries a note saying so):
- installment loans (원리금균등/원금균등): the actual yearly repayment, taken from the
  institution when known (`ExistingLoan.annual_repayment`), else the next 12 months of
  the schedule computed from balance, rate and remaining months;
- 마이너스통장 and other revolving lines: the whole limit (약정한도), as if drawn, repaid
  over the regulator's 5-year 산정만기: limit / 5 + a year's interest on the limit;
- bullet (만기일시) 신용대출 and other credit: balance / 5 years + a year's interest;
  bullet 주택담보대출: balance / its remaining term (at least 1 year, at most 10) + interest;
- 전세자금대출: interest only (the principal is excluded);
- not counted: 사업자대출 (개인사업자대출 is judged on business income, RTI, not DSR),
  현금서비스 (단기카드대출), 예적금담보대출, 보험계약대출. 300만 원 이하 소액 신용대출
  and policy loans, also excluded by the regulation, are not told apart here.
- a new loan: equal principal-and-interest (원리금균등) over its term at its rate, or the
  rule of its kind above. Stress DSR stage 3 (from 2025-07-01) adds `stress_add_on`
  (default 1.5%p) to the rate of a new variable-rate 가계대출 in this calculation only; for
  신용대출/마이너스통장 only when the borrower's unsecured credit including it exceeds 1억 원;
  never for 전세자금대출. Partial weights for mixed/periodic-fixed rates and the lower
  add-on outside the capital region are not modelled: a variable loan gets the full add-on,
  a fixed one none.
- limits: 40% of income at banks (1금융권), 50% at non-banks (2금융권).
The limits and the stress add-on are read from knowledge_base/reference_values.yml (with source).
Monthly payments are rounded half up to a won before they are summed into a year.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Callable, Dict, Optional, Sequence, Tuple

from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import (
    LOAN_KINDS,
    RATE_TYPES,
    REPAYMENT_METHODS,
    ExistingLoan,
    require_int,
    require_items,
    require_rate,
    require_text,
    require_won,
)
from bot.advisor.money import HUNDRED, monthly_rate, round_won
from bot.kb.references import reference
from bot.korean.wording import percent_points

LIMIT_BP = {"bank": int(reference("dsr_limit_bank_percent").value) * 100,
            "nonbank": int(reference("dsr_limit_nonbank_percent").value) * 100}
STRESS_ADD_ON = Decimal(str(reference("stress_dsr_add_on_percent_points").value))
STRESS_UNSECURED_THRESHOLD = 100_000_000
REVOLVING_YEARS = 5
MORTGAGE_BULLET_MAX_MONTHS = 120
UNSECURED_KINDS = ("신용대출", "마이너스통장")
MAX_SEARCH_AMOUNT = 1_000_000_000_000
AMOUNT_UNIT = 10_000
EXCLUDED_KINDS: Dict[str, str] = {
    "사업자대출": "사업자대출은 가계 DSR에서 빠져요(사업소득 기준 RTI로 따로 심사)",
    "현금서비스": "현금서비스(단기카드대출)는 DSR 계산에서 빠져요",
    "예적금담보대출": "예적금담보대출은 DSR 계산에서 빠져요",
    "보험계약대출": "보험계약대출은 DSR 계산에서 빠져요",
}
RULES_CHANGE_NOTE = "DSR 규제(스트레스 DSR 포함)는 자주 바뀌어 실제 심사 결과와 다를 수 있어요"


@dataclass(frozen=True)
class ProposedLoan:
    """A loan being considered, at an indicative rate; `replaces` names the loan_ids a 대환 pays off."""

    amount: int
    rate: Decimal
    term_months: int
    kind: str = "신용대출"
    repayment: str = "원리금균등"
    rate_type: str = "variable"
    replaces: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_won("ProposedLoan.amount", self.amount, minimum=1)
        object.__setattr__(self, "rate", require_rate("ProposedLoan.rate", self.rate))
        require_int("ProposedLoan.term_months", self.term_months, 1, 480)
        require_text("ProposedLoan.kind", self.kind, LOAN_KINDS)
        require_text("ProposedLoan.repayment", self.repayment, REPAYMENT_METHODS)
        require_text("ProposedLoan.rate_type", self.rate_type, RATE_TYPES)
        if isinstance(self.replaces, str) or not all(isinstance(i, str) for i in self.replaces):
            raise AdvisorInputError("ProposedLoan.replaces must be a tuple of loan_id strings")
        object.__setattr__(self, "replaces", tuple(self.replaces))


@dataclass(frozen=True)
class Repayment:
    """How one loan counts in the DSR: its yearly repayment and the rule used."""

    loan_id: str
    kind: str
    annual: int
    rule: str
    included: bool


@dataclass(frozen=True)
class DsrResult:
    annual_income: int
    lender_kind: str  # bank | nonbank
    limit_bp: int  # 4000 = 40%
    current_annual_repayment: int
    current_ratio_bp: int
    post_loan_annual_repayment: int  # after the proposed loan (and any loans it replaces)
    post_loan_ratio_bp: int
    within_limit: bool  # post-loan DSR at or under the limit
    max_additional_annual_repayment: int  # room under the limit on top of today's loans
    max_loan_amount: Optional[
        int
    ]  # for the proposed loan's terms; None if none proposed or DSR does not apply
    stress_add_on: Decimal  # what was added to the proposed loan's rate (0 when not applied)
    repayments: Tuple[Repayment, ...]
    proposed_repayment: Optional[Repayment]
    notes: Tuple[str, ...]

    @property
    def current_ratio(self) -> Decimal:
        """Percent, e.g. Decimal("35.25")."""
        return Decimal(self.current_ratio_bp) / 100

    @property
    def post_loan_ratio(self) -> Decimal:
        return Decimal(self.post_loan_ratio_bp) / 100


def equal_payment(principal: int, annual_rate: Decimal, months: int) -> int:
    """Monthly 원리금균등 payment, half up to a won."""
    if months <= 0:
        return principal
    r = monthly_rate(annual_rate)
    if r == 0:
        return round_won(Decimal(principal) / months)
    return round_won(Decimal(principal) * r / (1 - (1 + r) ** -months))


def _equal_principal_year(principal: int, annual_rate: Decimal, months: int) -> int:
    """Next 12 months of 원금균등: fixed principal share plus interest on the falling balance."""
    paid = min(12, months)
    share = Decimal(principal) / months
    interest = monthly_rate(annual_rate) * (paid * Decimal(principal) - share * paid * (paid - 1) / 2)
    return round_won(share * paid + interest)


def _yearly_interest(amount: int, annual_rate: Decimal) -> Decimal:
    return Decimal(amount) * annual_rate / HUNDRED


def annual_repayment(loan: ExistingLoan) -> Repayment:
    """The yearly principal + interest the DSR counts for one loan."""
    label = loan.loan_id or loan.kind
    if loan.kind in EXCLUDED_KINDS:
        return Repayment(label, loan.kind, 0, EXCLUDED_KINDS[loan.kind], False)
    if loan.kind == "전세자금대출":
        return Repayment(label, loan.kind, round_won(_yearly_interest(loan.balance, loan.rate)),
                         "전세자금대출: 원금은 빼고 1년 이자만 반영", True)
    if loan.kind == "마이너스통장" or loan.repayment == "한도":
        limit = loan.limit if loan.limit is not None else loan.balance
        annual = round_won(Decimal(limit) / REVOLVING_YEARS + _yearly_interest(limit, loan.rate))
        return Repayment(
            label,
            loan.kind,
            annual,
            "마이너스통장: 한도 전체를 5년에 나눠 갚는 것으로 보고 한도 이자를 더함",
            True,
        )
    if loan.repayment == "만기일시":
        if loan.kind == "주택담보대출":
            months = min(max(loan.remaining_months, 12), MORTGAGE_BULLET_MAX_MONTHS)
            rule = "만기일시 주택담보대출: 잔액을 남은 기간(최장 10년)에 나눠 갚는 것으로 보고 이자를 더함"
        else:
            months = REVOLVING_YEARS * 12
            rule = f"만기일시 {loan.kind}: 잔액을 5년에 나눠 갚는 것으로 보고 이자를 더함"
        annual = round_won(Decimal(loan.balance) * 12 / months + _yearly_interest(loan.balance, loan.rate))
        return Repayment(label, loan.kind, annual, rule, True)
    if loan.annual_repayment is not None:
        return Repayment(label, loan.kind, loan.annual_repayment, "실제 연간 원리금 상환액", True)
    if loan.remaining_months == 0:
        return Repayment(label, loan.kind, loan.balance, "만기가 지나 잔액 전체가 상환 대상", True)
    if loan.repayment == "원금균등":
        annual = _equal_principal_year(loan.balance, loan.rate, loan.remaining_months)
    else:
        annual = equal_payment(loan.balance, loan.rate, loan.remaining_months) * min(
            12, loan.remaining_months
        )
    return Repayment(label, loan.kind, annual, f"{loan.repayment} 분할상환: 앞으로 12개월 원리금", True)


def limit_bp_for(lender_kind: str) -> int:
    if lender_kind not in LIMIT_BP:
        raise AdvisorInputError(f"lender_kind must be bank or nonbank, got {lender_kind!r}")
    return LIMIT_BP[lender_kind]


def _stress_applies(proposed: ProposedLoan, unsecured_after: int, threshold: int) -> bool:
    if proposed.rate_type != "variable" or proposed.kind == "전세자금대출" or proposed.kind in EXCLUDED_KINDS:
        return False
    if proposed.kind in UNSECURED_KINDS:
        return unsecured_after > threshold
    return True


def _as_existing(proposed: ProposedLoan, rate: Decimal) -> ExistingLoan:
    return ExistingLoan(
        kind=proposed.kind,
        balance=proposed.amount,
        rate=rate,
        remaining_months=proposed.term_months,
        repayment=proposed.repayment,
        limit=proposed.amount if proposed.kind == "마이너스통장" else None,
        loan_id="신규",
    )


def unsecured_credit(loans: Sequence[ExistingLoan]) -> int:
    """신용대출 balances plus 마이너스통장 limits: what the 1억 stress threshold and income multiples look
    at."""
    return sum((loan.limit or loan.balance) if loan.kind == "마이너스통장" else loan.balance
               for loan in loans if loan.kind in UNSECURED_KINDS)


def _ratio_bp(annual: int, income: int) -> int:
    return round_won(Decimal(annual) * 10_000 / income)


def _largest(fits: Callable[[int], bool], unit: int = AMOUNT_UNIT, ceiling: int = MAX_SEARCH_AMOUNT) -> int:
    """Largest multiple of `unit` for which a monotone `fits` holds (0 if none)."""
    low, high = 0, ceiling // unit
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle * unit):
            low = middle
        else:
            high = middle - 1
    return low * unit


def calculate_dsr(
    annual_income: int,
    loans: Sequence[ExistingLoan],
    proposed: Optional[ProposedLoan] = None,
    *,
    lender_kind: str = "bank",
    stress_add_on: Decimal = STRESS_ADD_ON,
    unsecured_stress_threshold: int = STRESS_UNSECURED_THRESHOLD,
) -> DsrResult:
    """Today's DSR and, with `proposed`, the DSR after it and the most it could be under the limit."""
    require_won("annual_income", annual_income, minimum=1)
    loans = require_items("loans", loans, ExistingLoan)
    limit_bp = limit_bp_for(lender_kind)
    stress_add_on = require_rate("stress_add_on", stress_add_on, maximum=Decimal(10))
    require_won("unsecured_stress_threshold", unsecured_stress_threshold)
    if proposed is not None and not isinstance(proposed, ProposedLoan):
        raise AdvisorInputError("proposed must be a ProposedLoan")

    repayments = tuple(annual_repayment(loan) for loan in loans)
    current = sum(r.annual for r in repayments)
    ceiling = annual_income * limit_bp // 10_000
    notes = [r.rule for r in repayments if not r.included]

    post, proposed_repayment, max_amount, applied_stress = current, None, None, Decimal(0)
    if proposed is not None:
        known = {loan.loan_id for loan in loans if loan.loan_id}
        unknown = [i for i in proposed.replaces if i not in known]
        if unknown:
            raise AdvisorInputError(
                f"ProposedLoan.replaces names loans that are not given: {', '.join(unknown)}"
            )
        kept = [loan for loan in loans if not (loan.loan_id and loan.loan_id in proposed.replaces)]
        kept_annual = sum(annual_repayment(loan).annual for loan in kept)
        kept_unsecured = unsecured_credit(kept)

        def repayment_of(amount: int) -> Tuple[Repayment, Decimal]:
            candidate = replace(proposed, amount=amount)
            unsecured_after = kept_unsecured + (amount if candidate.kind in UNSECURED_KINDS else 0)
            add_on = (
                stress_add_on
                if _stress_applies(candidate, unsecured_after, unsecured_stress_threshold)
                else Decimal(0)
            )
            return annual_repayment(_as_existing(candidate, proposed.rate + add_on)), add_on

        proposed_repayment, applied_stress = repayment_of(proposed.amount)
        post = kept_annual + proposed_repayment.annual
        if proposed_repayment.included:
            max_amount = _largest(lambda amount: kept_annual + repayment_of(amount)[0].annual <= ceiling)
        else:
            notes.append(proposed_repayment.rule)
        if applied_stress:
            notes.append(
                f"스트레스 DSR 3단계: 변동금리 신규 대출에 가산금리 {percent_points(applied_stress)}를 더해 "
                "계산했어요"
            )
    notes.append(RULES_CHANGE_NOTE)

    return DsrResult(
        annual_income=annual_income, lender_kind=lender_kind, limit_bp=limit_bp,
        current_annual_repayment=current, current_ratio_bp=_ratio_bp(current, annual_income),
        post_loan_annual_repayment=post, post_loan_ratio_bp=_ratio_bp(post, annual_income),
        within_limit=post * 10_000 <= limit_bp * annual_income,
        max_additional_annual_repayment=max(ceiling - current, 0), max_loan_amount=max_amount,
        stress_add_on=applied_stress, repayments=repayments, proposed_repayment=proposed_repayment,
        notes=tuple(notes),
    )


def max_loan_amount(annual_income: int, loans: Sequence[ExistingLoan], rate: Decimal, term_months: int, *,
                    kind: str = "신용대출", repayment: str = "원리금균등", rate_type: str = "variable",
                    replaces: Tuple[str, ...] = (), lender_kind: str = "bank",
                    stress_add_on: Decimal = STRESS_ADD_ON) -> Optional[int]:
    """The largest new loan (in 만 원 steps) that keeps the DSR at or under the limit; None if DSR does not
    apply."""
    probe = ProposedLoan(
        amount=AMOUNT_UNIT,
        rate=rate,
        term_months=term_months,
        kind=kind,
        repayment=repayment,
        rate_type=rate_type,
        replaces=replaces,
    )
    return calculate_dsr(annual_income, loans, probe, lender_kind=lender_kind,
                         stress_add_on=stress_add_on).max_loan_amount
