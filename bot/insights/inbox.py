"""The customer's alert inbox: stored once per event, listed most important first, read and
dismissed kept (never deleted by the customer reading them)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.insights.detectors import URGENT, AlertDraft, detect
from bot.insights.facts import load_facts
from bot.insights.models import Alert, WebDelivery
from bot.insights.preferences import disabled_kinds
from bot.insights.quiet_hours import quiet_hours_of


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
    when they are stored (the wall clock: the commit-to-alert time is measured from it). Two
    workers that sync two institutions of one customer at once may find the same event: the
    insert skips a key another transaction stored, so neither fails."""
    if not drafts:
        return []
    known = set(session.execute(select(Alert.dedupe_key).where(
        Alert.customer_id == customer_id, Alert.dedupe_key.in_([d.key for d in drafts]))).scalars())
    insert = _insert_ignoring_duplicates(session, Alert, ["customer_id", "dedupe_key"])
    fresh = []
    for d in drafts:
        if d.key in known:
            continue
        known.add(d.key)
        result = session.execute(
            insert.values(
                customer_id=customer_id,
                kind=d.kind,
                severity=d.severity,
                dedupe_key=d.key,
                numbers=d.numbers_json(),
                text=d.text,
                button_title=d.button_title,
                button_payload=d.button_payload,
                created_at=now,
                data_synced_at=synced_at,
            )
        )
        if result.rowcount:
            fresh.append(result.inserted_primary_key[0])
    return fresh


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


def due_alerts(session: Session, customer_id: str, now: datetime) -> list[Alert]:
    """Alerts not yet delivered anywhere, nor read or dismissed, that may go out at `now`: urgent
    ones at any hour, the rest outside the customer's quiet hours; most important first."""
    query = select(Alert).where(Alert.customer_id == customer_id, Alert.delivered_at.is_(None),
                                Alert.dismissed_at.is_(None), Alert.read_at.is_(None))
    if quiet_hours_of(session, customer_id).holds(now):
        query = query.where(Alert.severity >= URGENT)
    return list(session.execute(query.order_by(Alert.severity.desc(), Alert.id)).scalars())


def _insert_ignoring_duplicates(session: Session, model, keys: list[str]):
    """INSERT ... ON CONFLICT (keys) DO NOTHING, in the store's dialect: a row another transaction
    stored first is skipped (rowcount 0) instead of failing this one."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=keys)


def claim_for_sessions(session: Session, customer_id: str, alert_ids: list[int], session_ids: list[str],
                       now: datetime) -> list[tuple[str, InboxItem]]:
    """The (session, alert) pairs to show now: the customer's own alerts among `alert_ids`, unread
    and not dismissed, each claimed once per session (a pair claimed before, by this process or
    another replica, is left out). The alerts shown are marked delivered."""
    if not alert_ids or not session_ids:
        return []
    rows = session.execute(select(Alert).where(
        Alert.customer_id == customer_id, Alert.id.in_(alert_ids), Alert.read_at.is_(None),
        Alert.dismissed_at.is_(None)).order_by(Alert.severity.desc(), Alert.id)).scalars().all()
    claim = _insert_ignoring_duplicates(session, WebDelivery, ["alert_id", "session_id"])
    shown = []
    for row in rows:
        for session_id in session_ids:
            if session.execute(
                claim.values(alert_id=row.id, session_id=session_id, delivered_at=now)
            ).rowcount:
                shown.append((session_id, _item(row)))
                if row.delivered_at is None:
                    row.delivered_at = now
    return shown
