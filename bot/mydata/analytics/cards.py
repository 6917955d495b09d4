"""Card bills: what is due, the latest bill per card company, and spending not billed yet."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.korean.calendar import add_months, day_start, first_of_month, seoul_date
from bot.mydata.analytics.scope import Freshness, consented_scope
from bot.mydata.standard import fmt_month
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Card, CardApproval, CardBill


@dataclass(frozen=True)
class CardBillItem:
    org_code: str
    institution: str
    charge_month: str  # YYYYMM of the spending billed
    due_date: date
    amount: int
    paid_on: date | None

    @property
    def paid(self) -> bool:
        return self.paid_on is not None


@dataclass(frozen=True)
class CardBillSummary:
    customer_id: str
    upcoming: tuple[CardBillItem, ...]  # unpaid, due today or later (or overdue)
    recent: tuple[CardBillItem, ...]  # the latest bill of each card company
    total_due: int
    next_due_date: date | None
    unbilled_by_institution: dict[str, int]  # credit-card spending since the last statement month
    freshness: tuple[Freshness, ...]


def card_bills(session: Session, customer_id: str, *, org_code: str | None = None, now: datetime | None = None
               ) -> CardBillSummary:
    """Card bills due, the latest bill per card company, and spending not billed yet."""
    scope = consented_scope(session, customer_id, now, org_code, purpose="card_bills")
    today = scope.now.date()
    query = statement(("card_bills",), lambda: select(
        CardBill.org_code, CardBill.charge_month, CardBill.due_date, CardBill.amount, CardBill.paid_on).where(
        CardBill.customer_id == bindparam("cid"), CardBill.org_code.in_(bindparam("orgs", expanding=True)),
        CardBill.due_date >= bindparam("since")).order_by(CardBill.due_date))
    bills = [CardBillItem(r.org_code, scope.name(r.org_code), r.charge_month, r.due_date, r.amount, r.paid_on)
             for r in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes,
                                              "since": today - timedelta(days=70)})]
    upcoming = tuple(b for b in bills if not b.paid)
    latest: dict[str, CardBillItem] = {}
    for b in bills:
        latest[b.org_code] = b
    billed_month = {org: b.charge_month for org, b in latest.items()}
    lo = day_start(add_months(first_of_month(today), -1))
    spend = statement(("unbilled",), lambda: select(
        CardApproval.org_code, CardApproval.approved_at, CardApproval.amount).join(
        Card, Card.id == CardApproval.card_pk).where(
        CardApproval.customer_id == bindparam("cid"),
        CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
        CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
        CardApproval.status == "approved", Card.card_type == "credit"))
    unbilled: dict[str, int] = defaultdict(int)
    for r in session.execute(spend, {"cid": customer_id, "orgs": scope.org_codes, "lo": lo}):
        if fmt_month(seoul_date(r.approved_at)) > billed_month.get(r.org_code, ""):
            unbilled[scope.name(r.org_code)] += r.amount
    return CardBillSummary(customer_id, upcoming, tuple(latest.values()), sum(b.amount for b in upcoming),
                           upcoming[0].due_date if upcoming else None, dict(unbilled), scope.freshness)
