"""Tables of the proactive half, on the MyData store's Base so they live in the same database.

Kept out of bot/mydata/store/models.py, but part of the store's migrations (0005 made them), so a
change here needs its migration like any other (bot/mydata/README.md, "Schema changes").
`ensure_tables`, which the worker, the scheduler and the chat actions call, brings an older store to
the newest migration; nothing creates these tables outside Alembic.
"""
from __future__ import annotations

import weakref

from sqlalchemy import BigInteger, Column, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine import Engine

from bot.mydata.store.db import require_schema
from bot.mydata.store.models import Base, Id, UtcDateTime, utcnow

DEFAULT_CYCLE_DAYS = 7


class SyncSchedule(Base):
    """When one consent is next transmitted, on the cycle the customer chose (1..30 days)."""

    __tablename__ = "sync_schedules"
    customer_id = Column(String(32), primary_key=True)
    org_code = Column(String(10), primary_key=True)
    cycle_days = Column(Integer, nullable=False, default=DEFAULT_CYCLE_DAYS)
    next_due_at = Column(UtcDateTime, nullable=False)
    last_dispatched_at = Column(UtcDateTime)
    paused_at = Column(UtcDateTime)
    pause_reason = Column(String(30))


class CustomerActivity(Base):
    """The last time the customer talked to the assistant (the MyData inactivity rules read it)."""

    __tablename__ = "customer_activity"
    customer_id = Column(String(32), primary_key=True)
    last_conversation_at = Column(UtcDateTime, nullable=False)


class LifecycleRecord(Base):
    """Proof that a MyData rule acted: sync paused for inactivity, data deleted, reminder raised."""

    __tablename__ = "lifecycle_records"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False, index=True)
    rule = Column(String(30), nullable=False)
    org_code = Column(String(10))
    at = Column(UtcDateTime, nullable=False)
    detail = Column(Text, nullable=False, default="{}")


class TaskDelivery(Base):
    """How many times a task message was started, and how many of those starts never finished (the
    worker died): a message that keeps killing its worker is poison."""

    __tablename__ = "task_deliveries"
    task_id = Column(String(64), primary_key=True)
    name = Column(String(80), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    lost = Column(Integer, nullable=False, default=0)
    first_started_at = Column(UtcDateTime, nullable=False)
    finished_at = Column(UtcDateTime)
    status = Column(String(12), nullable=False, default="started")  # started | done | dead | no_consent | ...


class DeadLetter(Base):
    """A task that will not be tried again, with why; an operator reads and replays these."""

    __tablename__ = "dead_letters"
    id = Column(Id, primary_key=True, autoincrement=True)
    task_id = Column(String(64), nullable=False, unique=True)
    name = Column(String(80), nullable=False)
    args = Column(Text, nullable=False)
    error = Column(Text, nullable=False)
    attempts = Column(Integer, nullable=False)
    at = Column(UtcDateTime, nullable=False, default=utcnow)


class RateSlot(Base):
    """The next free moment to call an institution, shared by every worker (epoch milliseconds)."""

    __tablename__ = "institution_rate_slots"
    org_code = Column(String(10), primary_key=True)
    next_at_ms = Column(BigInteger, nullable=False, default=0)


class Alert(Base):
    """One insight in a customer's inbox. `dedupe_key` makes a detector's re-run store nothing twice."""

    __tablename__ = "alerts"
    id = Column(Id, primary_key=True, autoincrement=True)
    customer_id = Column(String(32), nullable=False)
    kind = Column(String(24), nullable=False)
    severity = Column(Integer, nullable=False)  # 3 urgent, 2 important, 1 informative
    dedupe_key = Column(String(160), nullable=False)
    numbers = Column(Text, nullable=False)  # JSON: the figures behind the sentence
    text = Column(Text, nullable=False)
    button_title = Column(String(40), nullable=False)
    button_payload = Column(String(200), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    data_synced_at = Column(UtcDateTime)  # the sync commit that revealed it
    read_at = Column(UtcDateTime)
    dismissed_at = Column(UtcDateTime)
    delivered_at = Column(UtcDateTime)
    __table_args__ = (UniqueConstraint("customer_id", "dedupe_key", name="uq_alerts_dedupe"),
                      Index("ix_alerts_customer_time", "customer_id", "created_at"))


class AlertPreference(Base):
    """A kind of alert the customer turned off (a row with enabled false) or back on."""

    __tablename__ = "alert_preferences"
    customer_id = Column(String(32), primary_key=True)
    kind = Column(String(24), primary_key=True)
    enabled = Column(Integer, nullable=False, default=1)
    updated_at = Column(UtcDateTime, nullable=False)


class AlertQuietHours(Base):
    """The hours in which the customer's non-urgent alerts wait (no row: 22-08, on)."""

    __tablename__ = "alert_quiet_hours"
    customer_id = Column(String(32), primary_key=True)
    start_hour = Column(Integer, nullable=False)
    end_hour = Column(Integer, nullable=False)
    enabled = Column(Integer, nullable=False, default=1)
    updated_at = Column(UtcDateTime, nullable=False)


class WebDelivery(Base):
    """An alert shown in one open web chat session: one row per alert and session, so a session
    sees an alert once however many replicas or announcements reach it."""

    __tablename__ = "alert_web_deliveries"
    alert_id = Column(Id, primary_key=True, autoincrement=False)
    session_id = Column(String(80), primary_key=True)
    delivered_at = Column(UtcDateTime, nullable=False)


_ensured: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def ensure_tables(engine: Engine) -> None:
    """Upgrades the store to the newest migration, which holds these tables, once per engine and
    process (every task and chat action calls it; asking the store's revision costs a round trip).
    A database without the MyData store is StoreNotReady: the tables belong to that store."""
    if engine in _ensured:
        return
    require_schema(engine)
    _ensured.add(engine)
