"""Money moving through the customer's 입출금 accounts, as the bank shows it, for the cash flow.

Unlike `transactions.search_transactions` this keeps the bank's transaction class and says which
rows are transfers between the customer's own accounts, so the cash flow can tell income from
own transfers, and a card bill or a loan repayment from spending.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.korean.calendar import KST
from bot.mydata.analytics.scope import Freshness, checked_period, consented_scope, day_bounds
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Account, Transaction


@dataclass(frozen=True)
class Movement:
    day: date  # Seoul
    direction: str  # in | out
    trans_class: str  # the bank's class: 급여, 이체, 카드대금, 대출상환, 보험료, 체크카드, 이자, ...
    memo: str
    amount: int
    category: str | None  # set when the memo maps to a spending category
    own: bool  # between the customer's own accounts


@dataclass(frozen=True)
class Movements:
    customer_id: str
    start: date
    end: date
    items: tuple[Movement, ...]
    freshness: tuple[Freshness, ...]


def checking_movements(
    session: Session, customer_id: str, start: date, end: date, *, now: datetime | None = None
) -> Movements:
    """Every transaction of the customer's linked 입출금 accounts in [start, end], oldest first."""
    scope = consented_scope(session, customer_id, now, purpose="cash_flow")
    start, end = checked_period(start, end, scope.now, 31)
    lo, hi = day_bounds(start, end)
    query = statement(
        ("checking_movements",),
        lambda: (
            select(
                Transaction.occurred_at,
                Transaction.direction,
                Transaction.trans_class,
                Transaction.memo,
                Transaction.amount,
                Transaction.category,
            )
            .join(Account, Account.id == Transaction.account_id)
            .where(
                Transaction.customer_id == bindparam("cid"),
                Transaction.org_code.in_(bindparam("orgs", expanding=True)),
                Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
                Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
                Account.kind == "checking",
            )
            .order_by(Transaction.occurred_at)
        ),
    )
    items = tuple(
        Movement(
            r.occurred_at.astimezone(KST).date(),
            r.direction,
            r.trans_class or "",
            r.memo or "",
            r.amount,
            r.category,
            (r.memo or "") == scope.own_name,
        )
        for r in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes, "lo": lo, "hi": hi})
    )
    return Movements(customer_id, start, end, items, scope.freshness)
