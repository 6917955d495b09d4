"""The customer's alert inbox: stored once per event, listed most important first, read and
dismissed kept (never deleted by the customer reading them)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.insights.detectors import AlertDraft, detect
from bot.insights.facts import load_facts
from bot.insights.models import Alert
from bot.insights.preferences import disabled_kinds


@dataclass(frozen=True)
class InboxItem:
    alert_id: int
    kind: str
    severity: int
    text: str
    numbers: dict
    button_title: str
    button_payload: str
    created_at: datetime
    read: bool
    dismissed: bool


def store_alerts(session: Session, customer_id: str, drafts: list[AlertDraft], now: datetime,
                 synced_at: datetime | None = None) -> list[int]:
    """Adds the drafts not already in the inbox (by key); returns the new alerts' ids. `now` is
    when they are stored (the wall clock: the commit-to-alert time is measured from it)."""
    if not drafts:
        return []
    known = set(session.execute(select(Alert.dedupe_key).where(
        Alert.customer_id == customer_id, Alert.dedupe_key.in_([d.key for d in drafts]))).scalars())
    fresh = []
    for d in drafts:
        if d.key in known:
            continue
        known.add(d.key)
        row = Alert(customer_id=customer_id, kind=d.kind, severity=d.severity, dedupe_key=d.key,
                    numbers=d.numbers_json(), text=d.text, button_title=d.button_title,
                    button_payload=d.button_payload, created_at=now, data_synced_at=synced_at)
        session.add(row)
        fresh.append(row)
    session.flush()
    return [row.id for row in fresh]


def run_detectors(session: Session, customer_id: str, now: datetime | None = None,
                  synced_at: datetime | None = None, stored_at: datetime | None = None) -> list[int]:
    """Reads the customer's facts as of `now` (the customer's calendar), runs every detector and
    stores what is new, leaving out the kinds the customer turned off."""
    now = now or datetime.now(timezone.utc)
    off = disabled_kinds(session, customer_id)
    drafts = [d for d in detect(load_facts(session, customer_id, now)) if d.kind not in off]
    return store_alerts(session, customer_id, drafts, stored_at or now, synced_at)


def _item(row: Alert) -> InboxItem:
    return InboxItem(
        row.id,
        row.kind,
        row.severity,
        row.text,
        json.loads(row.numbers),
        row.button_title,
        row.button_payload,
        row.created_at,
        row.read_at is not None,
        row.dismissed_at is not None,
    )


def inbox(
    session: Session, customer_id: str, *, include_read: bool = False, limit: int = 20
) -> list[InboxItem]:
    """Alerts not dismissed (and unread unless include_read), most important then newest first."""
    query = select(Alert).where(Alert.customer_id == customer_id, Alert.dismissed_at.is_(None))
    if not include_read:
        query = query.where(Alert.read_at.is_(None))
    rows = session.execute(query.order_by(Alert.severity.desc(), Alert.created_at.desc(), Alert.id.desc())
                           .limit(limit)).scalars()
    return [_item(r) for r in rows]


def unread_count(session: Session, customer_id: str) -> int:
    return len(inbox(session, customer_id, limit=1000))


def mark_read(session: Session, customer_id: str, alert_ids: list[int], now: datetime) -> int:
    """Marks the customer's own alerts read; another customer's ids change nothing."""
    result = session.execute(update(Alert).where(Alert.customer_id == customer_id, Alert.id.in_(alert_ids),
                                                 Alert.read_at.is_(None)).values(read_at=now))
    return result.rowcount or 0


def dismiss(session: Session, customer_id: str, alert_id: int, now: datetime) -> bool:
    result = session.execute(update(Alert).where(Alert.customer_id == customer_id, Alert.id == alert_id,
                                                 Alert.dismissed_at.is_(None)).values(dismissed_at=now))
    return bool(result.rowcount)
