"""MyData answers → the inputs of the credit model and the advisors.

Institutions: canonical lexicon names ↔ org codes come from `bot.kb.lexicon` (lexicons.yml).

Credit model (`bot.credit.profile.CreditProfile`), from `bot.mydata.analytics.profile.credit_facts` and
`bot.mydata.analytics`:
- `monthly_salary`: the latest detected salary; without a salary, what actually came in: the
  average monthly income of the last 6 whole months as `analytics.income.income` counts it (pension,
  business takings, allowances, part-time pay; own transfers and interest excluded). MyData sees
  every deposit of a linked account, so a customer without a salary has a known, usually small
  income, not an unknown one (the scorer would fill an unknown income with the training
  median). None only when nothing came in (or no bank is linked). The same figure is the income
  of the DSR and eligibility answers.
- `employment_months`: months a salary was seen in the last 12 whole months (a lower bound of
  tenure: MyData holds about 13 months); None without a salary.
- `loans`: each loan (a 마이너스통장 is revolving, the rest installment), its current overdue days,
  rate and lender kind; None when no bank or capital company is linked (unknown, not "no loans").
- `card_limit_total`, `card_spending_3m` (each of the last 3 whole months, 0 for a month without
  spending): None when no card company is linked.
- `delinquencies_24m`: loan repayments made 30 or more days late in the last 24 months (the
  scorer's definition; the MyData profile's own count uses 5 days). A repayment still
  outstanding is not counted here: the scorer sees it through the loan's overdue days. None when
  no loans are linked.
- inquiries: None (MyData does not carry credit inquiries).

Advisors (`bot.advisor.inputs`): card spending lines (card approvals, cancellations excluded),
month flows (income and spending of whole months), deposit accounts, existing loans and
subscriptions. Loan repayment method is not in the analytics answer, so it is inferred: a
마이너스통장 is 한도; a loan whose next payment is about one month's interest (≤ 110%) is
만기일시; otherwise 원리금균등 with its actual yearly repayment = next payment × the months left
in the coming year.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Optional, Sequence

from sqlalchemy.orm import Session

from bot.advisor.inputs import (
    DepositAccount,
    ExistingLoan,
    MonthFlow,
    MonthSpending,
    SpendingLine,
    Subscription,
)
from bot.credit.profile import CreditProfile, LoanRecord
from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import DateRange, add_months, first_of_month, month_key
from bot.mydata.analytics.balances import BalanceSummary
from bot.mydata.analytics.income import IncomeSummary, income
from bot.mydata.analytics.loans import LoanSummary, loan_repayments, loan_summary
from bot.mydata.analytics.profile import CreditFacts, credit_facts
from bot.mydata.analytics.recurring import RecurringSummary
from bot.mydata.analytics.spending import SpendingSummary
from bot.mydata.analytics.transactions import TransactionItem, search_transactions
from bot.mydata.consent import list_consents
from bot.mydata.errors import UnknownCustomer
from bot.mydata.standard import LOAN_TYPES

CREDIT_DELINQUENCY_DAYS = 30
LOAN_KINDS_OF_INSTITUTION = ("bank", "capital")
SEARCH_LIMIT = 500
INCOME_MONTHS = 6


# ---------------------------------------------------------------- institutions

def linked_kinds(session: Session, customer_id: str, now: datetime) -> dict[str, str]:
    """org code → kind of every institution with an active consent (raises UnknownCustomer)."""
    return {c.org_code: c.kind for c in list_consents(session, customer_id, now)}


def is_linked_in(session: Session, customer_id: str, institution: str, now: datetime) -> bool:
    org = load_lexicon().org_code_of(institution)
    if org is None:
        return False
    try:
        return org in linked_kinds(session, customer_id, now)
    except UnknownCustomer:
        return False


# ---------------------------------------------------------------- transactions, whole months

def whole_months(today: date, count: int) -> DateRange:
    """The `count` whole months before the current one."""
    this_month = first_of_month(today)
    return DateRange(add_months(this_month, -count), this_month - timedelta(days=1))


def all_transactions(session: Session, customer_id: str, period: DateRange, now: datetime, **filters
                     ) -> list[TransactionItem]:
    """Every match of `search_transactions` over the period, splitting it when one call
    would be cut at its 500-row limit."""
    start, end = period
    found = search_transactions(session, customer_id, start=start, end=end, limit=SEARCH_LIMIT,
                                now=now, **filters)
    if found.total_count <= SEARCH_LIMIT or start == end:
        return list(found.items)
    middle = start + (end - start) // 2
    return (all_transactions(session, customer_id, DateRange(middle + timedelta(days=1), end), now, **filters)
            + all_transactions(session, customer_id, DateRange(start, middle), now, **filters))


def card_spending_lines(session: Session, customer_id: str, period: DateRange, now: datetime
                        ) -> list[SpendingLine]:
    """Card approvals (not cancelled) as advisor spending lines, oldest first."""
    items = all_transactions(session, customer_id, period, now, direction="out")
    lines = [SpendingLine(i.occurred_at.date(), i.merchant or "", i.category or "", i.amount)
             for i in items if i.source == "card" and i.status == "approved" and i.amount > 0]
    return sorted(lines, key=lambda line: line.day)


# ---------------------------------------------------------------- income

@dataclass(frozen=True)
class IncomeFacts:
    monthly: Optional[int]  # monthly income (see the module docstring)
    kind: Optional[
        str
    ]  # salary, or the largest kind of stream (pension | business | regular_transfer | other)
    salary: Optional[int]
    salary_day: Optional[int]
    salary_months: int  # months a salary was seen in the last 12 whole months
    salary_source: Optional[str]
    summary: IncomeSummary


def income_facts(session: Session, customer_id: str, now: datetime) -> IncomeFacts:
    summary = income(session, customer_id, months=12, now=now)
    salaries = [s for s in summary.streams if s.kind == "salary"]
    salary = max(salaries, key=lambda s: s.monthly_average) if salaries else None
    if salary is not None:
        return IncomeFacts(salary.last_amount, "salary", salary.last_amount, salary.typical_day,
                           salary.months_seen, salary.source, summary)
    months = whole_months(now.date(), INCOME_MONTHS)
    keys = [month_key(m) for m in month_starts(months.start, INCOME_MONTHS)]
    average = sum(summary.by_month.get(k, 0) for k in keys) // INCOME_MONTHS
    if average <= 0:
        return IncomeFacts(None, None, None, None, 0, None, summary)
    by_kind: dict[str, int] = {}
    for stream in summary.streams:
        by_kind[stream.kind] = by_kind.get(stream.kind, 0) + stream.monthly_average
    return IncomeFacts(
        average,
        max(by_kind, key=lambda kind: by_kind[kind]) if by_kind else "other",
        None,
        None,
        0,
        None,
        summary,
    )


def salary_bank(session: Session, customer_id: str, facts: IncomeFacts, now: datetime) -> Optional[str]:
    """The bank the salary is paid into (its latest payment), for 급여이체 우대금리."""
    if not facts.salary_source:
        return None
    found = search_transactions(session, customer_id, start=now.date() - timedelta(days=62), end=now.date(),
                                merchant=facts.salary_source, direction="in", limit=1, now=now)
    return found.items[0].institution if found.items else None


# ---------------------------------------------------------------- credit model

@dataclass(frozen=True)
class CreditInputs:
    profile: CreditProfile
    income: IncomeFacts
    facts: CreditFacts  # what the MyData store says, with freshness
    loans: Optional[LoanSummary]


def credit_inputs(session: Session, customer_id: str, now: datetime) -> CreditInputs:
    facts = credit_facts(session, customer_id, now=now)
    kinds = set(linked_kinds(session, customer_id, now).values())
    income = income_facts(session, customer_id, now)
    today = now.date()

    loans = delinquencies = found_loans = None
    if kinds & set(LOAN_KINDS_OF_INSTITUTION):
        found_loans = loan_summary(session, customer_id, now=now)
        loans = tuple(
            LoanRecord(
                opened=x.opened_on or today,
                principal=x.principal,
                balance=x.balance,
                installment=LOAN_TYPES.get(x.loan_type) != "마이너스통장",
                delinquent_days=x.overdue_days,
                rate_percent=x.rate_bp / 100 if x.rate_bp is not None else None,
                institution_kind=x.institution_kind,
            )
            for x in found_loans.loans
        )
        repayments = loan_repayments(session, customer_id, since=add_months(today, -24), now=now)
        delinquencies = sum(1 for *_, overdue in repayments if overdue >= CREDIT_DELINQUENCY_DAYS)

    card_limit = spending_3m = None
    if "card" in kinds:
        card_limit = facts.card_limit_total
        months = month_starts(whole_months(today, 3).start, 3)
        spending_3m = [facts.card_spending_by_month.get(month_key(m), 0) for m in months]

    profile = CreditProfile(
        monthly_salary=income.monthly,
        employment_months=income.salary_months if income.salary else None,
        loans=loans,
        card_limit_total=card_limit,
        card_spending_3m=spending_3m,
        delinquencies_24m=delinquencies,
        as_of=today,
    )
    return CreditInputs(profile, income, facts, found_loans)


# ---------------------------------------------------------------- advisors

def _rate(rate_bp: Optional[int]) -> Decimal:
    return Decimal(rate_bp or 0) / 100


def _months_left(today: date, matures: Optional[date]) -> int:
    if matures is None:
        return 12
    months = (matures.year - today.year) * 12 + matures.month - today.month + (matures.day > today.day)
    return min(max(months, 0), 600)


def existing_loans(summary: LoanSummary, today: date) -> list[ExistingLoan]:
    out = []
    for x in summary.loans:
        kind = LOAN_TYPES.get(x.loan_type, "신용대출")
        rate = _rate(x.rate_bp)
        remaining = _months_left(today, x.matures_on)
        annual = None
        if kind == "마이너스통장":
            repayment = "한도"
        elif x.next_repay_amount and x.balance and \
                Decimal(x.next_repay_amount) <= Decimal(x.balance) * rate / 1200 * Decimal("1.1") + 100:
            repayment = "만기일시"
        else:
            repayment = "원리금균등"
            if x.next_repay_amount:
                annual = x.next_repay_amount * min(12, max(remaining, 1))
        out.append(
            ExistingLoan(
                kind=kind,
                balance=x.balance,
                rate=rate,
                remaining_months=remaining,
                repayment=repayment,
                limit=max(x.principal, x.balance) if kind == "마이너스통장" else None,
                annual_repayment=annual,
                institution=x.institution,
                loan_id=x.account_masked,
            )
        )
    return out


def deposit_accounts(summary: BalanceSummary) -> list[DepositAccount]:
    return [DepositAccount(a.institution, a.kind_label, a.balance) for a in summary.accounts
            if a.kind_label in ("입출금", "예금", "적금")]


def month_flows(income: IncomeSummary, spending: SpendingSummary, months: Sequence[date]
                ) -> list[MonthFlow]:
    spent = {m.month: m.total for m in spending.by_month}
    return [MonthFlow(m, income.by_month.get(month_key(m), 0), spent.get(month_key(m), 0)) for m in months]


def month_spendings(spending: SpendingSummary, months: Sequence[date]) -> list[MonthSpending]:
    by_month = {m.month: m.by_category for m in spending.by_month}
    return [MonthSpending(m, by_month.get(month_key(m), {})) for m in months]


def subscriptions(recurring: RecurringSummary) -> list[Subscription]:
    return [Subscription(i.name, i.average_amount) for i in recurring.items
            if i.is_subscription and i.average_amount > 0]


def month_starts(start: date, count: int) -> list[date]:
    return [add_months(first_of_month(start), k) for k in range(count)]

