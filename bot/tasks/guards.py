"""What keeps at-least-once delivery safe: a per-institution rate shared by every worker, and a
count of how often each task message was started, so a message that kills its worker every time
(redelivered forever under acks_late) ends as a dead letter instead of a loop."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from sqlalchemy import case, select, update
from sqlalchemy.engine import Engine

from bot.insights.models import DeadLetter, RateSlot, TaskDelivery
from bot.mydata.store.db import session_scope

MAX_LOST = 3  # starts that never finished before a message is given up


def reserve_slot(engine: Engine, org_code: str, per_second: float, max_wait_s: float = 2.0) -> float:
    """Takes the institution's next call slot if it is at most `max_wait_s` away: returns seconds to
    wait before calling (0 = now), or -seconds until a slot may free up when it is further away.

    The UPDATE takes the row's lock (PostgreSQL) or the write lock (SQLite) before it reads the slot,
    so workers in different processes never take the same slot."""
    interval_ms = int(1000 / per_second)
    now_ms = int(time.time() * 1000)
    with session_scope(engine) as session:
        if session.get(RateSlot, org_code) is None:
            session.add(RateSlot(org_code=org_code, next_at_ms=0))
            session.flush()
    with session_scope(engine) as session:
        start = case((RateSlot.next_at_ms > now_ms, RateSlot.next_at_ms), else_=now_ms)
        taken = session.execute(update(RateSlot).where(
            RateSlot.org_code == org_code, RateSlot.next_at_ms <= now_ms + int(max_wait_s * 1000))
            .values(next_at_ms=start + interval_ms)).rowcount
        next_at = session.execute(select(RateSlot.next_at_ms).where(RateSlot.org_code == org_code)).scalar()
    if taken:
        return max(0.0, (next_at - interval_ms - now_ms) / 1000)
    return -max(0.001, (next_at - now_ms) / 1000 - max_wait_s)


def begin_delivery(engine: Engine, task_id: str, name: str) -> tuple[int, int]:
    """Counts one more start of this message; a start found still 'started' died with its worker.
    Returns (starts, starts lost)."""
    now = datetime.now(timezone.utc)
    with session_scope(engine) as session:
        row = session.get(TaskDelivery, task_id)
        if row is None:
            row = TaskDelivery(task_id=task_id, name=name, attempts=0, lost=0, first_started_at=now)
            session.add(row)
        elif row.status == "started":
            row.lost += 1
        row.attempts += 1
        row.status = "started"
        return row.attempts, row.lost


def finish_delivery(engine: Engine, task_id: str, status: str = "done") -> None:
    with session_scope(engine) as session:
        session.execute(update(TaskDelivery).where(TaskDelivery.task_id == task_id).values(
            status=status, finished_at=datetime.now(timezone.utc)))


def dead_letter(engine: Engine, task_id: str, name: str, args: dict, error: str, attempts: int) -> None:
    """Records a task given up on; a second record for the same message changes nothing."""
    with session_scope(engine) as session:
        if session.execute(select(DeadLetter.id).where(DeadLetter.task_id == task_id)).first() is None:
            session.add(DeadLetter(task_id=task_id, name=name, args=json.dumps(args, ensure_ascii=False),
                                   error=error[:2000], attempts=attempts, at=datetime.now(timezone.utc)))
        session.execute(update(TaskDelivery).where(TaskDelivery.task_id == task_id).values(
            status="dead", finished_at=datetime.now(timezone.utc)))
