"""The tasks. `sync_institution` is per customer and institution: the sync it runs is idempotent,
so a message redelivered after a worker died stores nothing twice; failures retry with
exponential backoff; what keeps failing, or keeps killing its worker, ends as a dead letter."""
from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timezone

from sqlalchemy import select

from bot.delivery.kakao_event import KakaoEventClient, KakaoEventConfig, deliver_pending
from bot.insights.inbox import run_detectors
from bot.insights.models import Alert, ensure_tables
from bot.korean.calendar import now_kst
from bot.mydata.client import ClientSettings, MyDataClient
from bot.mydata.consent import purge_expired
from bot.mydata.errors import ConsentRequired, UnknownCustomer
from bot.mydata.store.db import get_engine, require_schema, session_scope
from bot.mydata.store.models import SyncRun
from bot.mydata.sync.run import sync_customer
from bot.tasks import guards, lifecycle, schedule
from bot.tasks.app import app

log = logging.getLogger(__name__)
MAX_RETRIES = 5


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def engine():
    eng = require_schema(get_engine())
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
        run_detectors(session, customer_id, now, synced_at=synced_at,
                      stored_at=datetime.now(timezone.utc))
    _deliver(eng, [customer_id], now)
    guards.finish_delivery(eng, task_id)
    return "ok"


def _deliver(eng, customer_ids: list[str], now: datetime) -> int:
    """Kakao delivery of undelivered alerts, when the Event API is configured."""
    kakao = KakaoEventConfig.from_env()
    if kakao is None:
        return 0
    client = KakaoEventClient(kakao)
    sent = 0
    try:
        for customer_id in customer_ids:
            with session_scope(eng) as session:
                sent += deliver_pending(session, customer_id, client, now)
    finally:
        client.close()
    return sent


@app.task(name="bot.tasks.jobs.deliver_alerts")
def deliver_alerts() -> int:
    """Beat's hourly round: alerts held back by quiet hours (or a Kakao refusal) go out now."""
    eng = engine()
    with session_scope(eng) as session:
        waiting = list(
            session.execute(
                select(Alert.customer_id)
                .where(Alert.delivered_at.is_(None), Alert.read_at.is_(None), Alert.dismissed_at.is_(None))
                .distinct()
            ).scalars()
        )
    return _deliver(eng, sorted(waiting), now_kst())


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
