"""Which consents are due for their periodic transmission, on the cycle each customer chose.

A schedule row exists per active consent; the dispatcher claims due rows by moving `next_due_at`
one cycle ahead in the same transaction that reads them, so two dispatchers never send the same
consent twice for one period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.insights.models import DEFAULT_CYCLE_DAYS, SyncSchedule
from bot.mydata.errors import InvalidQuery
from bot.mydata.store.models import Consent

MIN_CYCLE_DAYS, MAX_CYCLE_DAYS = 1, 30


@dataclass(frozen=True)
class DueSync:
    customer_id: str
    org_code: str
    due_at: datetime


def refresh_schedules(session: Session, now: datetime) -> int:
    """Adds a schedule for each active consent without one (first run one cycle after the consent,
    whose grant already synced) and drops schedules whose consent is gone. Returns rows added."""
    active = set(session.execute(select(Consent.customer_id, Consent.org_code, Consent.issued_at).where(
        Consent.revoked_at.is_(None), Consent.expires_at > now)).all())
    keyed = {(c, o): issued for c, o, issued in active}
    existing = {(s.customer_id, s.org_code): s for s in session.execute(select(SyncSchedule)).scalars()}
    cycles: dict[str, int] = {}
    for (cid, _), s in existing.items():
        cycles.setdefault(cid, s.cycle_days)
    added = 0
    for key, issued in keyed.items():
        if key not in existing:
            cycle = cycles.get(key[0], DEFAULT_CYCLE_DAYS)
            session.add(SyncSchedule(customer_id=key[0], org_code=key[1], cycle_days=cycle,
                                     next_due_at=max(issued + timedelta(days=cycle), now)))
            added += 1
    for key in set(existing) - set(keyed):
        session.execute(delete(SyncSchedule).where(SyncSchedule.customer_id == key[0],
                                                   SyncSchedule.org_code == key[1]))
    return added


def claim_due(session: Session, now: datetime, limit: int = 10_000) -> list[DueSync]:
    """Due, unpaused schedules; each claimed one moves a cycle ahead of now."""
    rows = session.execute(select(SyncSchedule).where(SyncSchedule.next_due_at <= now,
                                                      SyncSchedule.paused_at.is_(None))
                           .order_by(SyncSchedule.next_due_at).limit(limit)).scalars().all()
    due = []
    for s in rows:
        due.append(DueSync(s.customer_id, s.org_code, s.next_due_at))
        s.next_due_at = now + timedelta(days=s.cycle_days)
        s.last_dispatched_at = now
    return due


def set_cycle(session: Session, customer_id: str, days: int, now: datetime) -> int:
    """The customer's transmission cycle for every consent ("매일 업데이트해줘" is 1); the next
    transmission moves so it is never later than one new cycle from now."""
    if not MIN_CYCLE_DAYS <= days <= MAX_CYCLE_DAYS:
        raise InvalidQuery(f"sync cycle must be {MIN_CYCLE_DAYS}..{MAX_CYCLE_DAYS} days, got {days}")
    refresh_schedules(session, now)
    session.flush()
    rows = (
        session.execute(select(SyncSchedule).where(SyncSchedule.customer_id == customer_id)).scalars().all()
    )
    for s in rows:
        s.cycle_days = days
        s.next_due_at = min(s.next_due_at, now + timedelta(days=days))
    return len(rows)


def cycle_of(session: Session, customer_id: str) -> int:
    found = session.execute(select(SyncSchedule.cycle_days).where(SyncSchedule.customer_id == customer_id)
                            .limit(1)).scalar()
    return found or DEFAULT_CYCLE_DAYS


def pause(session: Session, customer_id: str, reason: str, now: datetime) -> int:
    result = session.execute(update(SyncSchedule).where(SyncSchedule.customer_id == customer_id,
                                                        SyncSchedule.paused_at.is_(None))
                             .values(paused_at=now, pause_reason=reason))
    return result.rowcount or 0


def resume(session: Session, customer_id: str, reason: str, now: datetime) -> int:
    result = session.execute(update(SyncSchedule).where(SyncSchedule.customer_id == customer_id,
                                                        SyncSchedule.pause_reason == reason)
                             .values(paused_at=None, pause_reason=None, next_due_at=now))
    return result.rowcount or 0
