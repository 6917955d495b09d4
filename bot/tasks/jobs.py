"""The tasks. `sync_institution` is per customer and institution: the sync it runs is idempotent,
so a message redelivered after a worker died stores nothing twice, and is not run again at all
when the worker died after committing it; failures retry with exponential backoff; what keeps
failing, or keeps killing its worker, ends as a dead letter."""
from __future__ import annotations

import asyncio
import functools
import logging
import os
from datetime import datetime

from sqlalchemy import select

from bot.delivery.rounds import deliver_due, detect_and_deliver
from bot.insights.models import Alert, TaskDelivery, ensure_tables
from bot.korean.calendar import now_kst
from bot.mydata.client import ClientSettings, MyDataClient
from bot.mydata.consent import purge_expired
from bot.mydata.errors import ConsentRequired, UnknownCustomer
from bot.mydata.store.db import database_url, get_engine, require_schema, session_scope
from bot.mydata.store.models import SyncRun
from bot.mydata.sync.run import sync_customer
from bot.tasks import guards, lifecycle, schedule
from bot.tasks.app import app

log = logging.getLogger(__name__)
MAX_RETRIES = 5


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def engine():
    return _checked_engine(database_url())


@functools.lru_cache(maxsize=4)
def _checked_engine(url: str):
    """The store's engine, its schema checked (and upgraded) once per worker process, not per task."""
    eng = require_schema(get_engine(url))
    ensure_tables(eng)
    return eng


class PermanentFailure(Exception):
    """Retrying cannot help (an unknown customer): straight to the dead letters."""


async def _sync(eng, customer_id: str, org_code: str, now: datetime):
    settings = ClientSettings(timeout_s=_env_float("PROACTIVE_HTTP_TIMEOUT_S", 10.0))
    async with MyDataClient(settings) as client:
        return await sync_customer(eng, client, customer_id, orgs=[org_code], api_type="regular", now=now)


@app.task(bind=True, name="bot.tasks.jobs.sync_institution", max_retries=None)
def sync_institution(self, customer_id: str, org_code: str, failures: int = 0) -> str:
    """Periodic transmission of one consent, then the detectors over what came in. `failures`
    counts failed syncs of this message (waits for the institution's rate do not count)."""
    eng = engine()
    task_id = self.request.id or f"local-{customer_id}-{org_code}"
    args = {"customer_id": customer_id, "org_code": org_code}
    starts, lost = guards.begin_delivery(eng, task_id, self.name)
    if lost >= guards.MAX_LOST:
        guards.dead_letter(eng, task_id, self.name, args, f"the worker died {lost} times running it", starts)
        return "dead"
    committed = _committed_before_a_death(eng, task_id, customer_id, org_code) if lost else None
    if committed is not None:  # the worker that died had stored this sync: only what follows is left
        return _after_sync(eng, task_id, customer_id, now_kst(), committed)
    wait = guards.reserve_slot(eng, org_code, _env_float("PROACTIVE_RATE_PER_S", 5.0))
    if wait < 0:
        guards.finish_delivery(eng, task_id, "waiting")
        raise self.retry(countdown=-wait, kwargs={"failures": failures})
    if wait:
        asyncio.run(asyncio.sleep(wait))
    now = now_kst()
    try:
        result = asyncio.run(_sync(eng, customer_id, org_code, now))
    except ConsentRequired:
        guards.finish_delivery(eng, task_id, "no_consent")  # revoked or expired since dispatch: nothing to do
        return "no_consent"
    except UnknownCustomer as exc:
        guards.dead_letter(eng, task_id, self.name, args, f"UnknownCustomer: {exc}", starts)
        return "dead"
    outcome = result.institutions[0] if result.institutions else None
    if outcome is None or not outcome.ok:
        error = outcome.error if outcome else "no active consent"
        if failures >= MAX_RETRIES:
            guards.dead_letter(eng, task_id, self.name, args, error or "failed", failures + 1)
            return "dead"
        guards.finish_delivery(eng, task_id, "retrying")
        base = _env_float("PROACTIVE_RETRY_BASE_S", 30.0)
        raise self.retry(countdown=min(base * 2 ** failures, 3600), kwargs={"failures": failures + 1},
                         exc=RuntimeError(error))
    with session_scope(eng) as session:
        synced_at = session.execute(select(SyncRun.finished_at).where(
            SyncRun.customer_id == customer_id, SyncRun.org_code == org_code, SyncRun.status == "ok")
            .order_by(SyncRun.id.desc()).limit(1)).scalar()
    return _after_sync(eng, task_id, customer_id, now, synced_at)


def _after_sync(eng, task_id: str, customer_id: str, now: datetime, synced_at: datetime | None) -> str:
    """The detectors and delivery once the sync is stored. Their failure does not undo the sync or
    send it again: it is logged (its type only: the error may quote personal data) and the next
    sync of the customer finds the same events."""
    try:
        detect_and_deliver(eng, customer_id, now, synced_at=synced_at)
    except Exception as exc:  # noqa: BLE001
        log.error("detectors after a sync failed: %s", type(exc).__name__)
        guards.finish_delivery(eng, task_id, "no_alerts")
        return "no_alerts"
    guards.finish_delivery(eng, task_id)
    return "ok"


def _committed_before_a_death(eng, task_id: str, customer_id: str, org_code: str) -> datetime | None:
    """When a start of this message that died had already committed its sync: the commit time of a
    successful sync of the pair since the message was first started, else None."""
    with session_scope(eng) as session:
        first = session.execute(
            select(TaskDelivery.first_started_at).where(TaskDelivery.task_id == task_id)
        ).scalar()
        return session.execute(select(SyncRun.finished_at).where(
            SyncRun.customer_id == customer_id, SyncRun.org_code == org_code, SyncRun.status == "ok",
            SyncRun.finished_at >= first).order_by(SyncRun.id.desc()).limit(1)).scalar()


@app.task(name="bot.tasks.jobs.deliver_alerts")
def deliver_alerts() -> int:
    """Beat's hourly round: alerts held back by quiet hours (or a Kakao refusal, or with no chat
    open) go out now, to KakaoTalk and to open web chats; returns how many KakaoTalk took."""
    eng = engine()
    with session_scope(eng) as session:
        waiting = list(
            session.execute(
                select(Alert.customer_id)
                .where(Alert.delivered_at.is_(None), Alert.read_at.is_(None), Alert.dismissed_at.is_(None))
                .distinct()
            ).scalars()
        )
    return deliver_due(eng, sorted(waiting), now_kst())


@app.task(name="bot.tasks.jobs.dispatch_due")
def dispatch_due() -> int:
    """Beat's tick: queue one sync per due consent (claimed, so a second tick does not resend)."""
    eng = engine()
    now = now_kst()
    purge_expired(eng, now)  # an ended consent's data goes before anything is sent for it
    with session_scope(eng) as session:
        schedule.refresh_schedules(session, now)
        session.flush()
        due = schedule.claim_due(session, now)
    for item in due:
        sync_institution.apply_async((item.customer_id, item.org_code), queue=app.conf.task_default_queue)
    return len(due)


@app.task(name="bot.tasks.jobs.apply_mydata_rules")
def apply_mydata_rules() -> dict:
    eng = engine()
    now = now_kst()
    expired = purge_expired(eng, now)
    with session_scope(eng) as session:
        out = lifecycle.apply_rules(session, now)
    return {
        "expired": len(expired),
        "paused": len(out.paused),
        "resumed": len(out.resumed),
        "deleted": len(out.deleted),
        "reminders": len(out.reminders),
    }
