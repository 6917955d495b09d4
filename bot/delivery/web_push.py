"""New alerts to the customer's open web chat at once, across processes.

The alert is stored by a Celery worker; the customer's socket lives in a Rasa server process (one
of several with SCALE=N, possibly on other machines). The worker *announces* the alert on the task
broker (CELERY_BROKER_URL: RabbitMQ by default, Redis works too) through a fanout exchange named
after the task queue, `<PROACTIVE_QUEUE>.alerts`; every Rasa server *listens* with a queue of its
own that lives as long as its connection, and shows the alert in the sessions it holds for that
customer (bot/rasa/channels/webchat.py), claiming each (alert, session) pair in the store so that a
session sees an alert once, however many replicas or announcements reach it.

An announcement carries ids only, `{"customer_id": ..., "alert_ids": [...]}`: the text is read
from the store by the replica that shows it. Nothing is kept for a replica that is down or a
customer with no open chat: the alert waits in the inbox (the greeting's "새 알림 N건", KakaoTalk,
the next delivery round).
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from typing import Callable, Mapping, Sequence

from kombu import Connection, Exchange, Queue
from kombu.pools import producers
from sqlalchemy.engine import Engine

from bot.insights.chat import Message, pushed
from bot.insights.inbox import claim_for_sessions
from bot.insights.models import ensure_tables
from bot.mydata.store.db import session_scope
from bot.tasks.app import broker_url, queue_name

log = logging.getLogger(__name__)
ANNOUNCEMENTS_PER_MESSAGE = 500  # customers per broker message
MAX_ALERTS_PER_CUSTOMER = 50


def exchange() -> Exchange:
    return Exchange(f"{queue_name()}.alerts", type="fanout", durable=False, auto_delete=False)


def announce(alerts_by_customer: Mapping[str, Sequence[int]], url: str | None = None) -> int:
    """Tells every listening Rasa server which alerts are new for which customers; returns the
    number of broker messages sent. A broker that cannot be reached loses nothing: the alerts wait
    in the inbox."""
    items = [
        {"customer_id": c, "alert_ids": [int(i) for i in ids]} for c, ids in alerts_by_customer.items() if ids
    ]
    if not items:
        return 0
    target = exchange()
    sent = 0
    try:
        with producers[Connection(url or broker_url())].acquire(block=True, timeout=10) as producer:
            for start in range(0, len(items), ANNOUNCEMENTS_PER_MESSAGE):
                producer.publish({"alerts": items[start:start + ANNOUNCEMENTS_PER_MESSAGE]}, exchange=target,
                                 routing_key="", serializer="json", declare=[target], delivery_mode=1,
                                 retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2})
                sent += 1
    except Exception as exc:  # noqa: BLE001 - the push is a courtesy; the inbox keeps the alert
        log.warning("alert announcement not sent (%s); the alerts wait in the inbox", type(exc).__name__)
    return sent


def read_announcement(body) -> list[tuple[str, list[int]]]:
    """(customer, alert ids) pairs from a message body; anything malformed is left out."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except ValueError:
            return []
    items = body.get("alerts") if isinstance(body, dict) else None
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("customer_id"), str):
            continue
        ids = item.get("alert_ids")
        ids = (
            [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
            if isinstance(ids, list)
            else []
        )
        if item["customer_id"] and ids:
            out.append((item["customer_id"], ids[:MAX_ALERTS_PER_CUSTOMER]))
    return out


def show_in_sessions(engine: Engine, customer_id: str, alert_ids: list[int], session_ids: list[str],
                     now: datetime) -> list[tuple[str, Message]]:
    """What each of the customer's open sessions is to show now: each announced alert of theirs,
    still unread, once per session (claimed in the store, so replicas never both show it); the
    alerts shown are marked delivered."""
    ensure_tables(engine)
    with session_scope(engine) as session:
        claimed = claim_for_sessions(session, customer_id, alert_ids, session_ids, now)
    return [(session_id, pushed(item)) for session_id, item in claimed]


class AnnouncementListener:
    """A daemon thread that hears announcements and hands each (customer, alert ids) to `on_alerts`
    (called in the thread: hand it on to your event loop). Reconnects after a broker failure, with
    a growing pause (at most `max_backoff_s`); `stop()` ends it within a second."""

    def __init__(self, on_alerts: Callable[[str, list[int]], None], url: str | None = None,
                 max_backoff_s: float = 30.0):
        self.on_alerts = on_alerts
        self.url = url or broker_url()
        self.max_backoff_s = max_backoff_s
        self.ready = threading.Event()  # set while the queue is bound and consuming
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-announcements", daemon=True)

    def start(self) -> "AnnouncementListener":
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopping.set()
        self._thread.join(timeout_s)

    def _handle(self, body, message) -> None:
        for customer_id, alert_ids in read_announcement(body):
            try:
                self.on_alerts(customer_id, alert_ids)
            except Exception as exc:  # noqa: BLE001 - one bad hand-off must not stop the listener
                log.warning("alert announcement not handled: %s", type(exc).__name__)

    def _run(self) -> None:
        pause = 0.5
        warned = False
        while not self._stopping.is_set():
            try:
                with Connection(self.url, connect_timeout=5, heartbeat=30) as conn:
                    conn.ensure_connection(max_retries=1)
                    queue = Queue(exchange=exchange(), exclusive=True, auto_delete=True, durable=False)
                    with conn.Consumer(queue, callbacks=[self._handle], no_ack=True, accept=["json"]):
                        self.ready.set()
                        if warned:
                            log.info("alert announcements: listening again")
                        pause, warned = 0.5, False
                        while not self._stopping.is_set():
                            try:
                                conn.drain_events(timeout=1.0)
                            except TimeoutError:
                                conn.heartbeat_check()
            except Exception as exc:  # noqa: BLE001 - the broker went away: wait, then reconnect
                self.ready.clear()
                if not warned:
                    log.warning("alert announcements: broker not reachable (%s); open chats get new alerts "
                                "when it is back", type(exc).__name__)
                    warned = True
                self._stopping.wait(pause)
                pause = min(self.max_backoff_s, pause * 2)
        self.ready.clear()
