"""Payments that come back about monthly: subscriptions, telecom, rent, utilities, premiums."""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.kb.merchants import squash
from bot.korean.calendar import KST, add_months, first_of_month
from bot.mydata.analytics.regularity import is_regular
from bot.mydata.analytics.scope import Freshness, consented_scope, day_bounds
from bot.mydata.errors import InvalidQuery
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import CardApproval, Transaction

NOT_RECURRING_CLASSES = {"카드대금", "체크카드", "대출상환", "이자"}
SAVINGS_WORDS = ("적금", "예금", "청약")


@dataclass(frozen=True)
class RecurringPayment:
    name: str  # canonical merchant, or the bank memo
    raw_name: str  # as the institution last showed it
    category: str | None
    source: str  # card | bank
    org_code: str
    institution: str
    average_amount: int
    last_amount: int
    last_date: date
    typical_day: int
    next_expected: date
    months_seen: int
    is_subscription: bool


@dataclass(frozen=True)
class RecurringSummary:
    customer_id: str
    items: tuple[RecurringPayment, ...]
    monthly_total: int
    subscriptions_total: int
    freshness: tuple[Freshness, ...]


def recurring_payments(session: Session, customer_id: str, *, months: int = 6, now: datetime | None = None
                       ) -> RecurringSummary:
    """Payments that come back about monthly on about the same day: subscriptions, telecom, rent,
    utilities, insurance premiums. Loan repayments, card bills and moves to one's own savings are
    left out (the loan and card answers cover the first two)."""
    if not isinstance(months, int) or not 3 <= months <= 24:
        raise InvalidQuery("months must be 3..24")
    scope = consented_scope(session, customer_id, now, purpose="recurring_payments")
    today = scope.now.date()
    start = add_months(first_of_month(today), -months)
    lo, hi = day_bounds(start, today)
    params = {"cid": customer_id, "orgs": scope.org_codes, "lo": lo, "hi": hi}
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    cards = statement(("recurring_cards",), lambda: select(
        CardApproval.approved_at, CardApproval.merchant, CardApproval.merchant_name, CardApproval.category,
        CardApproval.amount, CardApproval.org_code).where(
        CardApproval.customer_id == bindparam("cid"),
        CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
        CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
        CardApproval.approved_at < bindparam("hi", type_=CardApproval.approved_at.type),
        CardApproval.status == "approved"))
    for r in session.execute(cards, params):
        name = r.merchant or r.merchant_name
        groups[("card", name)].append((r.approved_at.astimezone(KST).date(), r.amount, r.merchant_name,
                                       r.category, r.org_code))
    bank = statement(("recurring_bank",), lambda: select(
        Transaction.occurred_at, Transaction.merchant, Transaction.memo, Transaction.category,
        Transaction.amount, Transaction.org_code, Transaction.trans_class).where(
        Transaction.customer_id == bindparam("cid"),
        Transaction.org_code.in_(bindparam("orgs", expanding=True)),
        Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
        Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
        Transaction.direction == "out"))
    for r in session.execute(bank, params):
        if r.trans_class in NOT_RECURRING_CLASSES or r.memo == scope.own_name or any(
                w in r.memo for w in SAVINGS_WORDS):
            continue
        groups[("bank", r.merchant or squash(r.memo))].append(
            (r.occurred_at.astimezone(KST).date(), r.amount, r.memo, r.category, r.org_code))
    candidates = []
    for (source, name), entries in groups.items():
        entries.sort()
        candidates.append((source, name, entries, False))
        by_amount: dict[int, list[tuple]] = defaultdict(list)
        for entry in entries:
            by_amount[entry[1]].append(entry)
        if source == "bank" and len(by_amount) > 1:
            # two policies of one insurer share a memo; each keeps its own premium and day
            candidates.extend((source, name, same, True) for same in by_amount.values() if len(same) >= 3)
    items, whole_groups = [], set()
    for source, name, entries, is_part in candidates:
        if is_part and (source, name) in whole_groups:
            continue
        dates = [e[0] for e in entries]
        amounts = [e[1] for e in entries]
        # Card purchases must also keep their price (a subscription, a phone bill); bank auto-debits
        # such as electricity may vary with the season but keep their day.
        if source == "card" and not is_regular(dates, amounts, months + 1, 0.1, 3):
            continue
        if source == "bank" and not is_regular(dates, amounts, months + 1, 1.0):
            continue
        if not is_part:
            whole_groups.add((source, name))
        last = entries[-1]
        day = sorted(d.day for d in dates)[len(dates) // 2]
        following = add_months(last[0].replace(day=1), 1)
        following = following.replace(day=min(day, calendar.monthrange(following.year, following.month)[1]))
        category = last[3]
        items.append(RecurringPayment(
            name=name if source == "card" or entries[-1][3] else last[2], raw_name=last[2], category=category,
            source=source, org_code=last[4], institution=scope.name(last[4]),
            average_amount=sum(amounts) // len(amounts), last_amount=last[1], last_date=last[0],
            typical_day=day, next_expected=following, months_seen=len({(d.year, d.month) for d in dates}),
            is_subscription=category == "구독" or (source == "card" and len(set(amounts)) == 1)))
    items.sort(key=lambda i: (-i.average_amount, i.name))
    monthly = sum(i.average_amount for i in items)
    subs = sum(i.average_amount for i in items if i.is_subscription)
    return RecurringSummary(customer_id, tuple(items), monthly, subs, scope.freshness)


