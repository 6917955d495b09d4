"""Loans: balances, rates, next repayments and overdue days, and the repayment history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer

from bot.korean.calendar import KST, add_months, day_start
from bot.mydata.analytics.scope import Freshness, Scope, consented_scope
from bot.mydata.masking import mask_number
from bot.mydata.standard import LOAN_TYPES
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Loan, LoanTransaction


@dataclass(frozen=True)
class LoanInfo:
    org_code: str
    institution: str
    institution_kind: str  # bank | capital
    prod_name: str
    loan_type: str
    loan_type_label: str
    account_masked: str
    principal: int
    balance: int
    rate_bp: int | None
    opened_on: date | None
    matures_on: date | None
    next_repay_date: date | None
    next_repay_amount: int | None
    overdue_days: int


@dataclass(frozen=True)
class LoanSummary:
    customer_id: str
    loans: tuple[LoanInfo, ...]
    total_balance: int
    total_principal: int
    next_payment: LoanInfo | None
    monthly_payment_estimate: int
    overdue: tuple[LoanInfo, ...]
    freshness: tuple[Freshness, ...]


def loan_summary(session: Session, customer_id: str, *, org_code: str | None = None,
                 now: datetime | None = None) -> LoanSummary:
    """Every loan with balance, rate, next repayment and any overdue days."""
    scope = consented_scope(session, customer_id, now, org_code, purpose="loan_summary")
    query = statement(("loans",), lambda: select(Loan).options(defer(Loan.account_num)).where(
        Loan.customer_id == bindparam("cid"), Loan.org_code.in_(bindparam("orgs", expanding=True)),
        Loan.closed_at.is_(None)).order_by(Loan.org_code, Loan.account_masked, Loan.id))
    loans = tuple(LoanInfo(x.org_code, scope.name(x.org_code), scope.kind(x.org_code), x.prod_name,
                           x.loan_type, LOAN_TYPES.get(x.loan_type, "대출"),
                           mask_number(x.account_masked), x.principal, x.balance, x.rate_bp, x.opened_on,
                           x.matures_on, x.next_repay_date, x.next_repay_amt, x.overdue_days)
                  for x in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes}).scalars())
    dated = [x for x in loans if x.next_repay_date is not None]
    return LoanSummary(customer_id, loans, sum(x.balance for x in loans), sum(x.principal for x in loans),
                       min(dated, key=lambda x: x.next_repay_date or date.max) if dated else None,
                       sum(x.next_repay_amount or 0 for x in loans),
                       tuple(x for x in loans if x.overdue_days > 0), scope.freshness)


def loan_repayments(session: Session, customer_id: str, *, since: date | None = None,
                    now: datetime | None = None) -> list[tuple[str, date | None, datetime, int, int]]:
    """(org_code, due date, paid at, amount, overdue days) of each repayment since `since`."""
    scope = consented_scope(session, customer_id, now, purpose="loan_repayments")
    return scoped_repayments(session, scope, since)


def scoped_repayments(session: Session, scope: Scope, since: date | None
                      ) -> list[tuple[str, date | None, datetime, int, int]]:
    """`loan_repayments` within a scope already taken (the credit profile's); since defaults to two
    years back."""
    customer_id = scope.customer_id
    since = since or add_months(scope.now.date(), -24)
    query = statement(("repayments",), lambda: select(
        LoanTransaction.org_code, LoanTransaction.due_date, LoanTransaction.occurred_at,
        LoanTransaction.amount, LoanTransaction.overdue_days).where(
        LoanTransaction.customer_id == bindparam("cid"),
        LoanTransaction.org_code.in_(bindparam("orgs", expanding=True)),
        LoanTransaction.occurred_at >= bindparam("lo", type_=LoanTransaction.occurred_at.type)))
    return [(r[0], r[1], r[2].astimezone(KST), r[3], r[4]) for r in session.execute(
        query, {"cid": customer_id, "orgs": scope.org_codes, "lo": day_start(since)})]
