"""Known events on known dates, for measuring the detectors: each event is written into a
generated customer's book (what the sandbox institutions then serve), and the truth of what a
perfect detector would say is computed from the generator's own books.

Kept beside the generator rather than in it, so the sandbox's ordinary data stays untouched.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sandbox.app import SandboxClock, SandboxState
from sandbox.config import SandboxConfig
from sandbox.records import Approval, Bill, CustomerBook
from sandbox.reference import SUBSCRIPTIONS
from bot.korean.calendar import KST, add_months

SEEDED_KINDS = ("duplicate_charge", "recurring_up", "recurring_new", "recurring_stopped", "spending_spike",
                "balance_watch", "consent_expiring")
CONSENT_DAYS_SEEDED = 20


@dataclass(frozen=True)
class SeededEvent:
    customer_id: str
    kind: str
    day: date
    detail: str


def _s(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def _d(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


class SeededSandboxState(SandboxState):
    """The sandbox, with events written into chosen customers' books as they are built."""

    def __init__(self, config: SandboxConfig, now: datetime, plan: dict[str, str], **kwargs):
        super().__init__(config, SandboxClock(now), cache_size=config.customers + 8, **kwargs)
        self.now = now
        self.plan = plan  # customer -> kind
        self.events: dict[str, SeededEvent] = {}

    def book(self, customer_id: str) -> CustomerBook:
        book = super().book(customer_id)
        kind = self.plan.get(customer_id)
        if kind and customer_id not in self.events and kind != "consent_expiring":
            event = seed_event(book, kind, self.now)
            if event is not None:
                self.events[customer_id] = event
        return book


def _cards(book: CustomerBook):
    return [c for inst in book.institutions.values() for c in inst.cards]


def _add(card, approvals: list[Approval]) -> None:
    prefix = card.card_id[-4:]
    serial = len(card.approvals) + 9_000_000
    for k, a in enumerate(approvals):
        card.approvals.append(a._replace(approved_num=f"{prefix}{serial + k:07d}"))
    card.approvals.sort(key=lambda a: a.dtime)
    card.dtimes = [a.dtime for a in card.approvals]


def _subscription_approval(merchant: str, when: datetime, amount: int) -> Approval:
    return Approval(_s(when), "", merchant, merchant, "구독", amount, 0, "", merchant)


def seed_event(book: CustomerBook, kind: str, now: datetime) -> SeededEvent | None:
    """Writes one event of `kind` into the book, dated relative to `now`; None if the customer has
    nothing it could happen to (no card, no bill due)."""
    rng = random.Random(f"seed:{book.customer_id}:{kind}")
    cards = _cards(book)
    today = now.astimezone(KST).date()
    now_s = _s(now)
    if kind == "balance_watch":
        return _seed_short_balance(book, now, rng)
    if not cards:
        return None
    card = cards[0]
    seen = {a.merchant for c in cards for a in c.approvals}
    fresh = [m for m in SUBSCRIPTIONS if m not in seen]
    if kind == "duplicate_charge":
        recent = [a for a in card.approvals if not a.cancel_dtime and not a.recurring and a.dtime <= now_s
                  and _d(a.dtime) >= today - timedelta(days=12) and a.dtime[8:10] < "23"]
        if not recent:
            return None
        original = rng.choice(recent)
        at = datetime.strptime(original.dtime, "%Y%m%d%H%M%S").replace(tzinfo=KST) + timedelta(minutes=rng.randrange(1, 3))
        _add(card, [original._replace(dtime=_s(at))])
        return SeededEvent(book.customer_id, kind, at.date(), f"{original.merchant_name} {original.amount}")
    if not fresh:
        return None
    merchant = rng.choice(fresh)
    base = datetime(today.year, today.month, today.day, 4, 10, tzinfo=KST)
    if kind == "recurring_up":
        last = base - timedelta(days=rng.randrange(2, 15))
        old = 13_500
        charges = [_subscription_approval(merchant, _months(last, -k), old) for k in range(6, 0, -1)]
        charges.append(_subscription_approval(merchant, last, 17_000))
        _add(card, charges)
        return SeededEvent(book.customer_id, kind, last.date(), f"{merchant} {old}->17000")
    if kind == "recurring_new":
        first = base - timedelta(days=rng.randrange(2, 20))
        _add(card, [_subscription_approval(merchant, first, 10_900)])
        return SeededEvent(book.customer_id, kind, first.date(), merchant)
    if kind == "recurring_stopped":
        last = base - timedelta(days=rng.randrange(40, 60))
        _add(card, [_subscription_approval(merchant, _months(last, -k), 9_900) for k in range(4, -1, -1)])
        return SeededEvent(book.customer_id, kind, last.date(), merchant)
    if kind == "spending_spike":
        return _seed_spike(book, card, now, rng)
    raise ValueError(kind)


def _months(moment: datetime, k: int) -> datetime:
    day = add_months(moment.date(), k)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def _seed_spike(book: CustomerBook, card, now: datetime, rng: random.Random) -> SeededEvent | None:
    today = now.astimezone(KST).date()
    monthly: dict[tuple[str, str], int] = {}
    for c in _cards(book):
        for a in c.approvals:
            if not a.cancel_dtime and a.dtime <= _s(now):
                key = (a.dtime[:6], a.category)
                monthly[key] = monthly.get(key, 0) + a.amount
    months = [add_months(today.replace(day=1), -k).strftime("%Y%m") for k in (1, 2, 3, 4, 5, 6, 12)]
    categories = {category for _, category in monthly}
    # the detector's typical month: the median of the last six, months without any spend counted as 0
    typical = sorted(((sorted(monthly.get((m, c), 0) for m in months[:6])[2:4], c) for c in categories),
                     key=lambda x: (-sum(x[0]), x[1]))
    choices = [(sum(pair) // 2, c) for pair, c in typical]
    if not choices or choices[0][0] < 60_000:  # no category with a typical month to compare with
        return None
    _, category = choices[0]
    top = max(monthly.get((m, category), 0) for m in months)
    merchant = next(a for a in card.approvals if a.category == category) if any(
        a.category == category for a in card.approvals) else None
    if merchant is None:
        return None
    at = datetime(today.year, today.month, max(1, today.day - 2), 14, 5, tzinfo=KST)
    amount = (5 * top // 2 + 100_000) // 100 * 100
    _add(card, [Approval(_s(at), "", merchant.merchant_name, merchant.merchant, category, amount, 0, "", None)])
    return SeededEvent(book.customer_id, "spending_spike", at.date(), f"{category} +{amount}")


def _seed_short_balance(book: CustomerBook, now: datetime, rng: random.Random) -> SeededEvent | None:
    """Raises a card bill already issued and due within the coming week (after today) above what its paying
    account holds now (as a big purchase on that card last month would have)."""
    today, now_s = now.astimezone(KST).date(), _s(now)
    for inst in sorted(book.institutions.values(), key=lambda b: b.org_code):
        for k, bill in enumerate(inst.bills):
            due = _d(bill.charge_day)
            if bill.issued_dtime <= now_s < bill.paid_dtime and today < due <= today + timedelta(days=7):
                memo = f"{inst.institution.name} 결제대금"
                payer = next((acc for b in book.institutions.values() for acc in b.deposits
                              if any(t.memo == memo for t in acc.txns)), None)
                if payer is None:
                    continue
                extra = payer.balance_at(now_s) - bill.charge_amt + 300_000 + rng.randrange(0, 50) * 10_000
                if extra <= 0:
                    return SeededEvent(book.customer_id, "balance_watch", due, "already short")
                inst.bills[k] = Bill(bill.charge_month, bill.seqno, bill.charge_day, bill.charge_amt + extra,
                                     bill.issued_dtime, bill.paid_dtime)
                return SeededEvent(book.customer_id, "balance_watch", due, f"{inst.org_code} +{extra}")
    return None


def plan_events(customer_ids: list[str], share: float, seed: int = 5) -> dict[str, str]:
    """Disjoint groups of customers, one seeded kind each; the rest keep their ordinary month."""
    rng = random.Random(seed)
    ids = sorted(customer_ids)
    rng.shuffle(ids)
    per_kind = max(1, int(len(ids) * share))
    plan = {}
    for k, kind in enumerate(SEEDED_KINDS):
        for cid in ids[k * per_kind:(k + 1) * per_kind]:
            plan[cid] = kind
    return plan


def natural_truth(book: CustomerBook, now: datetime) -> set[str]:
    """Kinds the generator's own data makes true at `now`: payments due within 5 days, overdue loans."""
    today, now_s = now.astimezone(KST).date(), _s(now)
    kinds = set()
    for inst in book.institutions.values():
        for bill in inst.bills:
            due = _d(bill.charge_day)
            if bill.issued_dtime <= now_s < bill.paid_dtime and today <= due <= today + timedelta(days=5) \
                    and bill.charge_amt > 0:
                kinds.add("payment_due")
        for loan in inst.loans:
            late = loan.overdue_days(now_s)
            if late > 0:
                kinds.add("loan_overdue")
                continue
            nxt = loan.next_due(now_s)
            if nxt is not None and today <= _d(nxt[0]) <= today + timedelta(days=5):
                kinds.add("payment_due")
    return kinds

