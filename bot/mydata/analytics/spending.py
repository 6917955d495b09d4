"""Spending by category, month and merchant: card approvals and bank payments with a category."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.korean.calendar import first_of_month, month_key
from bot.mydata.analytics.scope import Freshness, Scope, checked_period, consented_scope, day_bounds
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import CardApproval, Transaction


@dataclass(frozen=True)
class CategorySpend:
    category: str
    amount: int
    count: int
    share_pct: float


@dataclass(frozen=True)
class MonthSpend:
    month: str  # YYYY-MM (Seoul)
    total: int
    by_category: dict[str, int]


@dataclass(frozen=True)
class MerchantSpend:
    merchant: str
    amount: int
    count: int


@dataclass(frozen=True)
class SpendingSummary:
    customer_id: str
    start: date
    end: date
    total: int
    by_category: tuple[CategorySpend, ...]
    by_month: tuple[MonthSpend, ...]
    top_merchants: tuple[MerchantSpend, ...]
    freshness: tuple[Freshness, ...]


def _spending_rows(session: Session, scope: Scope, lo: datetime, hi: datetime) -> list[tuple]:
    """(when, merchant, category, amount) of every spend: card approvals not cancelled, plus bank
    payments whose memo maps to a category (rent, utilities). Card-bill and check-card debits are
    left out: the approvals already count them."""
    params = {"cid": scope.customer_id, "orgs": scope.org_codes, "lo": lo, "hi": hi}
    cards = statement(("spend_cards",), lambda: select(
        CardApproval.approved_at, CardApproval.merchant, CardApproval.merchant_name, CardApproval.category,
        CardApproval.amount).where(
        CardApproval.customer_id == bindparam("cid"),
        CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
        CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
        CardApproval.approved_at < bindparam("hi", type_=CardApproval.approved_at.type),
        CardApproval.status == "approved"))
    bank = statement(("spend_bank",), lambda: select(
        Transaction.occurred_at, Transaction.merchant, Transaction.memo, Transaction.category,
        Transaction.amount).where(
        Transaction.customer_id == bindparam("cid"),
        Transaction.org_code.in_(bindparam("orgs", expanding=True)),
        Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
        Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
        Transaction.direction == "out", Transaction.category.isnot(None)))
    rows = [(r[0], r[1] or r[2], r[3] or "기타", r[4]) for r in session.execute(cards, params)]
    rows += [(r[0], r[1] or r[2], r[3], r[4]) for r in session.execute(bank, params)]
    return rows


def spending(session: Session, customer_id: str, start: date | None = None, end: date | None = None, *,
             category: str | None = None, now: datetime | None = None) -> SpendingSummary:
    """Spending by category, by month and by merchant over [start, end] (Seoul dates, inclusive).

    Defaults to the current month. Categories come from the merchant -> category data.
    """
    scope = consented_scope(session, customer_id, now, purpose="spending")
    if start is None and end is None:
        start, end = first_of_month(scope.now.date()), scope.now.date()
    start, end = checked_period(start, end, scope.now, 31)
    lo, hi = day_bounds(start, end)
    rows = _spending_rows(session, scope, lo, hi)
    if category is not None:
        rows = [r for r in rows if r[2] == category]
    total = sum(r[3] for r in rows)
    cat_amount: dict[str, int] = defaultdict(int)
    cat_count: dict[str, int] = defaultdict(int)
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    merchants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for when, merchant, cat, amount in rows:
        cat_amount[cat] += amount
        cat_count[cat] += 1
        months[month_key(when)][cat] += amount
        merchants[merchant][0] += amount
        merchants[merchant][1] += 1
    by_category = tuple(sorted(
        (CategorySpend(c, a, cat_count[c], round(100.0 * a / total, 1) if total else 0.0)
         for c, a in cat_amount.items()), key=lambda x: (-x.amount, x.category)))
    by_month = tuple(MonthSpend(m, sum(cats.values()), dict(cats)) for m, cats in sorted(months.items()))
    top = tuple(sorted((MerchantSpend(m, v[0], v[1]) for m, v in merchants.items()),
                       key=lambda x: (-x.amount, x.merchant))[:10])
    return SpendingSummary(customer_id, start, end, total, by_category, by_month, top, scope.freshness)
