"""What follows a sync, whoever started it (the scheduler's worker, or the customer in chat:
connecting an institution, "새로고침"), and the delivery round for what waited.

After a sync the detectors run over what came in; the new alerts that may go out now (urgent, or
outside the customer's quiet hours) are announced to the customer's open web chats, and
KakaoTalk gets whatever is undelivered when its Event API is configured. Kakao is sent first and
the web announcement carries the list taken before it, so an alert reaches both channels, on any
timing. The hourly round (`deliver_due`) does the same for every alert that waited.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.engine import Engine

from bot.delivery.kakao_event import KakaoEventClient, KakaoEventConfig, deliver_pending
from bot.delivery.web_push import announce
from bot.insights.inbox import due_alerts, run_detectors
from bot.insights.models import ensure_tables
from bot.mydata.store.db import session_scope


def detect_and_deliver(engine: Engine, customer_id: str, now: datetime,
                       synced_at: datetime | None = None) -> list[int]:
    """Runs the detectors for the customer as of `now` and sends the new alerts on their way;
    returns the new alerts' ids. `synced_at` is the commit that revealed them (for the timing)."""
    ensure_tables(engine)
    with session_scope(engine) as session:
        new = run_detectors(
            session, customer_id, now, synced_at=synced_at, stored_at=datetime.now(timezone.utc)
        )
        due = [a.id for a in due_alerts(session, customer_id, now) if a.id in set(new)]
    _to_kakao(engine, [customer_id], now)
    if due:
        announce({customer_id: due})
    return new


def deliver_due(engine: Engine, customer_ids: list[str], now: datetime) -> int:
    """Every alert of these customers that waited and may go out now, to KakaoTalk and to open web
    chats (a session that already showed one does not show it again); returns how many Kakao took."""
    ensure_tables(engine)
    with session_scope(engine) as session:
        due = {c: [a.id for a in due_alerts(session, c, now)] for c in customer_ids}
    sent = _to_kakao(engine, [c for c, ids in due.items() if ids], now)
    announce(due)
    return sent


def _to_kakao(engine: Engine, customer_ids: list[str], now: datetime) -> int:
    """Kakao delivery of undelivered alerts, when the Event API is configured."""
    kakao = KakaoEventConfig.from_env()
    if kakao is None or not customer_ids:
        return 0
    client = KakaoEventClient(kakao)
    sent = 0
    try:
        for customer_id in customer_ids:
            with session_scope(engine) as session:
                sent += deliver_pending(session, customer_id, client, now)
    finally:
        client.close()
    return sent
