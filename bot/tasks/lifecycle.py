"""MyData rules the scheduler enforces: no conversation for 6 months stops the periodic sync; for a
year deletes the data (as a revocation does, with its deletion records); a consent ending within
30 days raises a reminder in the inbox. Each action is recorded in `lifecycle_records`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.insights.detectors import consent_expiring
from bot.insights.facts import ConsentFact, CustomerFacts
from bot.insights.inbox import store_alerts
from bot.insights.models import CustomerActivity, LifecycleRecord, SyncSchedule
from bot.mydata.consent import delete_institution_data
from bot.mydata.store.models import Consent, DataAccess, Institution
from bot.tasks import schedule

PAUSE_AFTER = timedelta(days=183)
DELETE_AFTER = timedelta(days=365)
INACTIVE_PAUSE = "inactive_6m"
INACTIVE_DELETE = "inactive_1y"


@dataclass
class RulesOutcome:
    paused: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    reminders: list[tuple[str, str]] = field(default_factory=list)


def record_conversation(session: Session, customer_id: str, at: datetime) -> None:
    """Notes that the customer talked to the assistant (called by the chat)."""
    row = session.get(CustomerActivity, customer_id)
    if row is None:
        session.add(CustomerActivity(customer_id=customer_id, last_conversation_at=at))
    elif row.last_conversation_at < at:
        row.last_conversation_at = at


def last_conversations(session: Session) -> dict[str, datetime]:
    """Per customer with an active consent: the latest of a recorded conversation, a read by the
    assistant (every personal answer makes one) and a consent given (always given in chat)."""
    latest: dict[str, datetime] = {}

    def take(rows) -> None:
        for cid, at in rows:
            if at is not None and (cid not in latest or at > latest[cid]):
                latest[cid] = at

    take(
        session.execute(
            select(Consent.customer_id, func.max(Consent.issued_at)).group_by(Consent.customer_id)
        )
    )
    take(session.execute(select(CustomerActivity.customer_id, CustomerActivity.last_conversation_at)))
    take(session.execute(select(DataAccess.customer_id, func.max(DataAccess.accessed_at))
                         .where(DataAccess.reader == "assistant").group_by(DataAccess.customer_id)))
    return latest


def _record(session: Session, customer_id: str, rule: str, now: datetime, org_code: str | None = None,
            **detail) -> None:
    session.add(LifecycleRecord(customer_id=customer_id, rule=rule, org_code=org_code, at=now,
                                detail=json.dumps(detail, ensure_ascii=False, default=str)))


def apply_rules(session: Session, now: datetime) -> RulesOutcome:
    """One pass of every rule over every customer with an active consent."""
    out = RulesOutcome()
    schedule.refresh_schedules(session, now)
    session.flush()
    consents = session.execute(select(Consent, Institution.name).join(
        Institution, Institution.org_code == Consent.org_code).where(
        Consent.revoked_at.is_(None), Consent.expires_at > now)).all()
    last = last_conversations(session)
    paused = set(session.execute(select(SyncSchedule.customer_id).where(
        SyncSchedule.pause_reason == INACTIVE_PAUSE)).scalars())
    by_customer: dict[str, list] = {}
    for consent, name in consents:
        by_customer.setdefault(consent.customer_id, []).append((consent, name))
    for cid, rows in sorted(by_customer.items()):
        quiet = now - last.get(cid, now)
        if quiet >= DELETE_AFTER:
            for consent, _ in rows:
                info = delete_institution_data(session, consent, INACTIVE_DELETE, now, False)
                _record(session, cid, "data_deleted_inactive", now, consent.org_code,
                        last_conversation=last.get(cid), rows_deleted=info.rows_deleted)
                out.deleted.append((cid, consent.org_code))
            schedule.refresh_schedules(session, now)
            continue
        if quiet >= PAUSE_AFTER:
            if cid not in paused and schedule.pause(session, cid, INACTIVE_PAUSE, now):
                _record(session, cid, "sync_paused_inactive", now, last_conversation=last.get(cid))
                out.paused.append(cid)
        elif cid in paused and schedule.resume(session, cid, INACTIVE_PAUSE, now):
            _record(session, cid, "sync_resumed", now, last_conversation=last.get(cid))
            out.resumed.append(cid)
        facts = CustomerFacts(cid, now, consents=[ConsentFact(c.org_code, n, c.expires_at) for c, n in rows])
        for draft in consent_expiring(facts):
            if store_alerts(session, cid, [draft], now):
                _record(session, cid, "consent_reminder", now, draft.numbers["org_code"],
                        expires_on=draft.numbers["expires_on"])
                out.reminders.append((cid, draft.numbers["org_code"]))
    return out
