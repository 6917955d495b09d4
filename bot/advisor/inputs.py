"""What the advisors are given: plain, validated facts about one customer.

The chat layer builds these from MyData and the credit model (adapters live there), so the
advisors never depend on how that data is stored. Each dataclass checks itself on creation:
money is int won, rates are Decimal percent per year (a numeric string like "3.55" is
accepted, a float is not), months are the first day of a Seoul calendar month.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Mapping, Optional, Tuple

from bot.advisor.errors import AdvisorInputError
from bot.korean.calendar import KST

ACCOUNT_TYPES = ("입출금", "예금", "적금")
LOAN_KINDS = (
    "신용대출", "마이너스통장", "전세자금대출", "주택담보대출", "사업자대출",
    "카드론", "현금서비스", "할부금융", "예적금담보대출", "보험계약대출",
)
REPAYMENT_METHODS = ("원리금균등", "원금균등", "만기일시", "한도")
RATE_TYPES = ("variable", "fixed")


def require_won(name: str, value: object, *, minimum: Optional[int] = 0) -> int:
    """An int amount of won, at least `minimum` (None: any sign)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdvisorInputError(f"{name} must be int won, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise AdvisorInputError(f"{name} must be at least {minimum:,} won, got {value:,}")
    return value


def require_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdvisorInputError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise AdvisorInputError(f"{name} must be between {low} and {high}, got {value}")
    return value


def require_rate(name: str, value: object, *, maximum: Decimal = Decimal(100)) -> Decimal:
    """Percent per year as Decimal; strings like "3.55" are parsed, floats refused."""
    if isinstance(value, bool) or isinstance(value, float) or not isinstance(value, (Decimal, int, str)):
        raise AdvisorInputError(
            f"{name} must be a Decimal or a string like '3.55', got {type(value).__name__} {value!r}"
        )
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise AdvisorInputError(f"{name} is not a rate like '3.55': {value!r}") from None
    if not rate.is_finite() or rate < 0 or rate > maximum:
        raise AdvisorInputError(f"{name} must be between 0 and {maximum}% per year, got {value!r}")
    return rate


def require_text(name: str, value: object, choices: Optional[Tuple[str, ...]] = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise AdvisorInputError(f"{name} must be a non-empty string, got {value!r}")
    if choices is not None and value not in choices:
        raise AdvisorInputError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def require_day(name: str, value: object) -> date:
    """A calendar day; an aware datetime counts on its Seoul date, a naive one is refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise AdvisorInputError(f"{name} is a naive datetime; give a date or an aware datetime")
        return value.astimezone(KST).date()
    if not isinstance(value, date):
        raise AdvisorInputError(f"{name} must be a date, got {type(value).__name__} {value!r}")
    return value


def require_month(name: str, value: object) -> date:
    """The first day of the month `value` falls in."""
    return require_day(name, value).replace(day=1)


def require_items(name: str, values: object, kind: type, *, allow_empty: bool = True) -> tuple:
    """A sequence (or any iterable) of `kind` instances, as a tuple."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise AdvisorInputError(f"{name} must be a sequence of {kind.__name__}, got {type(values).__name__}")
    items = tuple(values)
    wrong = [type(item).__name__ for item in items if not isinstance(item, kind)]
    if wrong:
        raise AdvisorInputError(f"{name} must hold only {kind.__name__}, got {', '.join(sorted(set(wrong)))}")
    if not items and not allow_empty:
        raise AdvisorInputError(f"{name} must not be empty")
    return items


def _set(instance: object, field: str, value: object) -> None:
    object.__setattr__(instance, field, value)


@dataclass(frozen=True)
class SpendingLine:
    """One card approval or account debit: what was spent, where, on what."""

    day: date
    merchant: str  # lexicon merchant value, or "" when unknown
    category: str  # lexicon category value, or "" when unknown
    amount: int

    def __post_init__(self) -> None:
        _set(self, "day", require_day("SpendingLine.day", self.day))
        for field in ("merchant", "category"):
            if not isinstance(getattr(self, field), str):
                raise AdvisorInputError(f"SpendingLine.{field} must be a string ('' when unknown)")
        require_won("SpendingLine.amount", self.amount, minimum=1)


@dataclass(frozen=True)
class MonthFlow:
    """Income and spending of one calendar month."""

    month: date
    income: int
    spending: int

    def __post_init__(self) -> None:
        _set(self, "month", require_month("MonthFlow.month", self.month))
        require_won("MonthFlow.income", self.income)
        require_won("MonthFlow.spending", self.spending)


@dataclass(frozen=True)
class DepositAccount:
    """A deposit account and its balance today."""

    institution: str
    account_type: str  # 입출금 | 예금 | 적금
    balance: int

    def __post_init__(self) -> None:
        require_text("DepositAccount.institution", self.institution)
        require_text("DepositAccount.account_type", self.account_type, ACCOUNT_TYPES)
        require_won("DepositAccount.balance", self.balance)


@dataclass(frozen=True)
class ExistingLoan:
    """A loan the customer has now, as its institution reports it.

    `limit` is the 약정한도 of a 마이너스통장 (the DSR counts the limit, not the drawn
    balance). `annual_repayment` is the actual principal+interest paid per year when known;
    without it the next 12 months of the schedule are computed from balance, rate and term.
    """

    kind: str
    balance: int
    rate: Decimal
    remaining_months: int
    repayment: str = "원리금균등"
    limit: Optional[int] = None
    annual_repayment: Optional[int] = None
    institution: str = ""
    loan_id: str = ""

    def __post_init__(self) -> None:
        require_text("ExistingLoan.kind", self.kind, LOAN_KINDS)
        require_won("ExistingLoan.balance", self.balance)
        _set(self, "rate", require_rate("ExistingLoan.rate", self.rate))
        require_int("ExistingLoan.remaining_months", self.remaining_months, 0, 600)
        require_text("ExistingLoan.repayment", self.repayment, REPAYMENT_METHODS)
        if self.limit is not None:
            require_won("ExistingLoan.limit", self.limit)
            if self.limit < self.balance:
                raise AdvisorInputError(
                    f"ExistingLoan.limit {self.limit:,} is below its balance {self.balance:,}"
                )
        if self.kind == "마이너스통장" and self.limit is None:
            raise AdvisorInputError("a 마이너스통장 needs its limit (약정한도): DSR counts the limit")
        if self.annual_repayment is not None:
            require_won("ExistingLoan.annual_repayment", self.annual_repayment)
        if not isinstance(self.institution, str) or not isinstance(self.loan_id, str):
            raise AdvisorInputError("ExistingLoan.institution and loan_id must be strings")


@dataclass(frozen=True)
class LoanRequest:
    """What the customer asks to borrow.

    `refinance_ids` names the existing loans (by `loan_id`) a 대환 would pay off;
    `jeonse_deposit` is the 전세보증금, which caps a 전세자금대출 at 80%.
    """

    amount: int
    term_months: int
    purpose: str  # lexicon loan_purpose value: 생활자금 | 전세자금 | 사업자금 | 대환
    rate_type: str = "variable"
    refinance_ids: Tuple[str, ...] = ()
    jeonse_deposit: Optional[int] = None

    def __post_init__(self) -> None:
        require_won("LoanRequest.amount", self.amount, minimum=1)
        require_int("LoanRequest.term_months", self.term_months, 1, 480)
        require_text("LoanRequest.purpose", self.purpose)
        require_text("LoanRequest.rate_type", self.rate_type, RATE_TYPES)
        if isinstance(self.refinance_ids, str) or not all(isinstance(i, str) for i in self.refinance_ids):
            raise AdvisorInputError("LoanRequest.refinance_ids must be a tuple of loan_id strings")
        _set(self, "refinance_ids", tuple(self.refinance_ids))
        if self.jeonse_deposit is not None:
            require_won("LoanRequest.jeonse_deposit", self.jeonse_deposit, minimum=1)


@dataclass(frozen=True)
class MonthSpending:
    """Spending of one calendar month by lexicon category."""

    month: date
    by_category: Mapping[str, int]

    def __post_init__(self) -> None:
        _set(self, "month", require_month("MonthSpending.month", self.month))
        if not isinstance(self.by_category, Mapping):
            raise AdvisorInputError("MonthSpending.by_category must map category -> won")
        for category, amount in self.by_category.items():
            require_text("MonthSpending category", category)
            require_won(f"MonthSpending.by_category[{category!r}]", amount)
        _set(self, "by_category", dict(self.by_category))


@dataclass(frozen=True)
class Subscription:
    """A recurring payment the customer can cancel (OTT, music, memberships)."""

    name: str
    monthly_amount: int

    def __post_init__(self) -> None:
        require_text("Subscription.name", self.name)
        require_won("Subscription.monthly_amount", self.monthly_amount, minimum=1)
