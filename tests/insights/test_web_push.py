"""New alerts to open web chats, the parts apart: announcements over the machine's real brokers
(RabbitMQ, and Redis), the claim that shows an alert once per session and only to its customer,
the sessions a Rasa process holds, and what a sync announces."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.delivery import web_push
from bot.delivery.rounds import deliver_due, detect_and_deliver
from bot.delivery.web_push import AnnouncementListener, announce, read_announcement, show_in_sessions
from bot.insights.detectors import AlertDraft
from bot.insights.inbox import mark_read, store_alerts
from bot.insights.models import Alert, WebDelivery
from bot.mydata.store.db import session_scope
from bot.mydata.sync.run import sync_customer
from bot.rasa.channels.webchat import OpenSessions
from tests.mydata.conftest import client
from tests.tasks.conftest import NOW, link, run

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"
REDIS = "redis://127.0.0.1:6379/15"


def _draft(kind: str, severity: int, key: str = "x") -> AlertDraft:
    return AlertDraft(kind, severity, f"{kind}:{key}", {}, f"{kind} 알림입니다.", "자세히", f"/{kind}")


class Heard:
    def __init__(self, url: str):
        self.items: list[tuple[str, list[int]]] = []
        self.listener = AnnouncementListener(lambda c, ids: self.items.append((c, ids)), url=url).start()
        assert self.listener.ready.wait(20), "the listener did not reach the broker"

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.items) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.items


@pytest.mark.parametrize("url", [RABBITMQ, REDIS])
def test_an_announcement_reaches_every_listening_process(url, monkeypatch):
    monkeypatch.setenv("PROACTIVE_QUEUE", f"test-push-{time.monotonic_ns()}")
    first, second = Heard(url), Heard(url)
    try:
        time.sleep(0.5)  # Redis subscribes when the consumer first waits for a message
        assert announce({"demo-shop": [7, 9], "demo-student": []}, url=url) == 1
        assert first.wait_for(1) == [("demo-shop", [7, 9])]
        assert second.wait_for(1) == [("demo-shop", [7, 9])]
    finally:
        first.listener.stop()
        second.listener.stop()


def test_many_customers_go_in_few_messages_and_a_dead_broker_loses_nothing_it_had(monkeypatch):
    monkeypatch.setenv("PROACTIVE_QUEUE", f"test-push-{time.monotonic_ns()}")
    heard = Heard(RABBITMQ)
    try:
        many = {f"customer-{k:06d}": [k] for k in range(1200)}
        assert announce(many, url=RABBITMQ) == 3
        assert dict(heard.wait_for(1200)) == many
    finally:
        heard.listener.stop()
    assert announce({"demo-shop": [1]}, url="amqp://guest:guest@127.0.0.1:1//") == 0  # logged, not raised
    assert announce({}, url=RABBITMQ) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        {"alerts": "x"},
        {"alerts": [{"customer_id": 5, "alert_ids": [1]}]},
        {"alerts": [{"customer_id": "c", "alert_ids": ["1", True, None]}]},
        [],
        None,
    ],
)
def test_a_malformed_announcement_is_ignored(body):
    assert read_announcement(body) == []


def test_an_announcement_is_bounded_per_customer():
    body = {"alerts": [{"customer_id": "c", "alert_ids": list(range(500))}]}
    assert read_announcement(body) == [("c", list(range(web_push.MAX_ALERTS_PER_CUSTOMER)))]


def test_each_session_shows_an_alert_once_and_only_its_customers(store):
    with session_scope(store) as s:
        shop = store_alerts(s, "demo-shop", [_draft("loan_overdue", 3), _draft("spending_spike", 1)], NOW)
        student = store_alerts(s, "demo-student", [_draft("payment_due", 2)], NOW)
        mark_read(s, "demo-shop", [shop[1]], NOW)  # read already: nothing to push
    shown = show_in_sessions(store, "demo-shop", shop + student, ["tab-a", "tab-b"], NOW)
    assert [(sid, m.text) for sid, m in shown] == [("tab-a", "[새 알림] [긴급] loan_overdue 알림입니다."),
                                                   ("tab-b", "[새 알림] [긴급] loan_overdue 알림입니다.")]
    assert shown[0][1].buttons == [{"title": "자세히", "payload": "/loan_overdue"}]
    assert show_in_sessions(store, "demo-shop", shop, ["tab-a", "tab-b"], NOW) == []  # a repeat shows nothing
    assert [sid for sid, _ in show_in_sessions(store, "demo-shop", shop, ["tab-a", "tab-c"], NOW)] == [
        "tab-c"
    ]
    with session_scope(store) as s:
        delivered = dict(s.execute(select(Alert.id, Alert.delivered_at)).all())
        pairs = s.execute(select(WebDelivery.alert_id, WebDelivery.session_id)).all()
    assert delivered[shop[0]] == NOW and delivered[shop[1]] is None and delivered[student[0]] is None
    assert sorted(pairs) == [(shop[0], "tab-a"), (shop[0], "tab-b"), (shop[0], "tab-c")]


def test_a_process_knows_whose_sessions_it_holds_while_their_login_holds():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    sessions = OpenSessions()
    sessions.opened("sock-1", "session-a", "demo-shop", now + timedelta(minutes=30))
    sessions.opened("sock-2", "session-a", "demo-shop", now + timedelta(minutes=30))  # a second tab
    sessions.opened("sock-3", "session-b", "demo-shop", now - timedelta(seconds=1))  # login ended
    sessions.opened("sock-4", "session-c", "", now + timedelta(minutes=30))  # a visitor
    sessions.opened("sock-5", "session-d", "demo-student", now + timedelta(minutes=30))
    assert sessions.of("demo-shop", now) == ["session-a"]
    assert sessions.of("", now) == [] and sessions.of("demo-student", now) == ["session-d"]
    sessions.closed("sock-1")
    assert sessions.of("demo-shop", now) == ["session-a"]
    sessions.closed("sock-2")
    assert sessions.of("demo-shop", now) == []


def test_a_sync_announces_its_new_alerts(store, sandbox, monkeypatch):
    monkeypatch.setenv("PROACTIVE_QUEUE", f"test-push-{time.monotonic_ns()}")
    monkeypatch.delenv("KAKAO_BOT_ID", raising=False)
    run(link(store, sandbox, "demo-shop"))

    async def go():
        async with client() as c:
            return await sync_customer(store, c, "demo-shop", now=NOW)
    assert run(go()).ok
    heard = Heard(RABBITMQ)
    try:
        night = NOW.replace(hour=23)
        new = detect_and_deliver(store, "demo-shop", night)
        with session_scope(store) as s:
            stored = s.execute(select(Alert.id, Alert.kind).where(Alert.customer_id == "demo-shop")).all()
        assert [k for _, k in stored] == ["loan_overdue"] and new == [stored[0][0]]
        assert heard.wait_for(1) == [("demo-shop", new)]  # urgent: at night too
        assert detect_and_deliver(store, "demo-shop", night) == []  # nothing new, nothing announced
        time.sleep(1)
        assert len(heard.items) == 1
    finally:
        heard.listener.stop()


def test_the_delivery_round_announces_what_quiet_hours_held_back(store, monkeypatch):
    monkeypatch.setenv("PROACTIVE_QUEUE", f"test-push-{time.monotonic_ns()}")
    monkeypatch.delenv("KAKAO_BOT_ID", raising=False)
    night, morning = NOW.replace(hour=23), (NOW + timedelta(days=1)).replace(hour=8, minute=5)
    with session_scope(store) as s:
        (spike,) = store_alerts(s, "demo-shop", [_draft("spending_spike", 1)], night)
    heard = Heard(RABBITMQ)
    try:
        deliver_due(store, ["demo-shop", "demo-student"], night)
        deliver_due(store, ["demo-shop", "demo-student"], morning)
        assert heard.wait_for(1) == [("demo-shop", [spike])]
        time.sleep(1)
        assert len(heard.items) == 1
    finally:
        heard.listener.stop()
