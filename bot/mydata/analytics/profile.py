"""Raw credit facts about one customer from the MyData store, for the credit-scoring engineer.

`credit_facts` returns facts, not a score: detected monthly salary, each loan (opened, principal,
balance, rate, institution kind, current and worst overdue days), cards (limit, type) with the
last three whole months of card spending, delinquency counts, deposit balances and account age.
Like every analytics answer it reads only institutions under active consent and carries freshness.

Delinquency here means a loan repayment made 5 or more days after its due date, or a repayment
still outstanding 5 or more days after it (the Korean short-term delinquency threshold is five
business days; calendar days keep this simple). Each late repayment counts once.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.korean.calendar import add_months, day_start, first_of_month, month_key, whole_months_between
from bot.mydata.analytics.income import scoped_income
from bot.mydata.analytics.loans import scoped_repayments
from bot.mydata.analytics.scope import Freshness, consented_scope
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Account, Card, CardApproval, Loan

DELINQUENT_DAYS = 5


@dataclass(frozen=True)
class ProfileLoan:
    institution: str
    institution_kind: str  # bank | capital
    loan_type: str
    opened_on: date | None
    principal: int
    balance: int
    rate_bp: int | None
    overdue_days: int  # now
    worst_overdue_days_24m: int


@dataclass(frozen=True)
class ProfileCard:
    institution: str
    card_type: str  # credit | check
    limit_amount: int | None
    issued_on: date | None


@dataclass(frozen=True)
class CreditFacts:
    customer_id: str
    as_of: datetime
    monthly_salary: int | None  # latest detected salary payment
    salary_months_detected: int
    loans: tuple[ProfileLoan, ...]
    cards: tuple[ProfileCard, ...]
    card_limit_total: int
    card_spending_3m: int  # the last three whole months, cancellations excluded
    card_spending_by_month: dict[str, int]
    delinquencies_12m: int
    delinquencies_24m: int
    deposit_balance_total: int  # checking + deposit + savings
    oldest_account_opened: date | None  # across accounts, cards and loans
    account_age_months: int | None
    freshness: tuple[Freshness, ...]


def credit_facts(session: Session, customer_id: str, *, now: datetime | None = None) -> CreditFacts:
    scope = consented_scope(session, customer_id, now, purpose="credit_profile")
    today = scope.now.date()
    params = {"cid": customer_id, "orgs": scope.org_codes}
    earned = scoped_income(session, scope, 6)
    salary_months = max((s.months_seen for s in earned.streams if s.kind == "salary"), default=0)

    repayments = scoped_repayments(session, scope, add_months(today, -24))
    worst: dict[str, int] = defaultdict(int)
    late_12 = late_24 = 0
    start_12 = add_months(today, -12)
    for org, due, paid_at, _amount, overdue in repayments:
        worst[org] = max(worst[org], overdue)
        if overdue >= DELINQUENT_DAYS:
            late_24 += 1
            if (due or paid_at.date()) >= start_12:
                late_12 += 1
    loan_rows = statement(("profile_loans",), lambda: select(Loan).where(
        Loan.customer_id == bindparam("cid"), Loan.org_code.in_(bindparam("orgs", expanding=True)),
        Loan.closed_at.is_(None)))
    loans = []
    for x in session.execute(loan_rows, params).scalars():
        if x.overdue_days >= DELINQUENT_DAYS:
            late_12 += 1
            late_24 += 1
        loans.append(ProfileLoan(scope.name(x.org_code), scope.kind(x.org_code), x.loan_type, x.opened_on,
                                 x.principal, x.balance, x.rate_bp, x.overdue_days,
                                 max(worst.get(x.org_code, 0), x.overdue_days)))

    card_rows = statement(("profile_cards",), lambda: select(Card).where(
        Card.customer_id == bindparam("cid"), Card.org_code.in_(bindparam("orgs", expanding=True)),
        Card.closed_at.is_(None)))
    cards = tuple(ProfileCard(scope.name(c.org_code), c.card_type, c.limit_amt, c.issued_on)
                  for c in session.execute(card_rows, params).scalars())
    lo = day_start(add_months(first_of_month(today), -3))
    hi = day_start(first_of_month(today))
    spend_rows = statement(
        ("profile_spend",),
        lambda: select(CardApproval.approved_at, CardApproval.amount).where(
            CardApproval.customer_id == bindparam("cid"),
            CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
            CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
            CardApproval.approved_at < bindparam("hi", type_=CardApproval.approved_at.type),
            CardApproval.status == "approved",
        ),
    )
    by_month: dict[str, int] = defaultdict(int)
    for when, amount in session.execute(spend_rows, {**params, "lo": lo, "hi": hi}):
        by_month[month_key(when)] += amount

    account_rows = statement(("profile_accounts",), lambda: select(
        Account.kind, Account.balance, Account.opened_on, Account.closed_at).where(
        Account.customer_id == bindparam("cid"), Account.org_code.in_(bindparam("orgs", expanding=True))))
    deposits, opened = 0, []
    for kind, balance, opened_on, closed_at in session.execute(account_rows, params):
        if kind != "invest" and closed_at is None:
            deposits += balance
        if opened_on:
            opened.append(opened_on)
    opened += [x.opened_on for x in loans if x.opened_on] + [c.issued_on for c in cards if c.issued_on]
    oldest = min(opened) if opened else None
    age = whole_months_between(oldest, today) if oldest else None
    return CreditFacts(
        customer_id,
        scope.now,
        earned.monthly_salary,
        salary_months,
        tuple(loans),
        cards,
        sum(c.limit_amount or 0 for c in cards),
        sum(by_month.values()),
        dict(sorted(by_month.items())),
        late_12,
        late_24,
        deposits,
        oldest,
        age,
        scope.freshness,
    )
