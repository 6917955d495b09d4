"""The Kakao Event API client against a local fake of Kakao's endpoint that records every call:
the documented request shape, linked users only, 100 users per call, quiet hours, failures kept
for later."""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.delivery.kakao_event import KakaoEventClient, KakaoEventConfig, KakaoEventError, deliver_pending
from bot.insights.detectors import AlertDraft
from bot.insights.inbox import inbox, store_alerts
from bot.insights.models import Alert, ensure_tables
from bot.korean.calendar import KST
from bot.mydata.store.db import create_schema, make_engine, session_scope

DAY = datetime(2025, 6, 16, 12, 0, tzinfo=KST)
NIGHT = datetime(2025, 6, 16, 23, 30, tzinfo=KST)


class FakeKakao:
    """Records each request; answers as Kakao does, or with `fail_status`."""

    def __init__(self):
        self.calls: list[dict] = []
        self.fail_status: int | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
                )
                status = fake.fail_status or 200
                answer = {
                    "taskId": f"task-{len(fake.calls)}",
                    "status": "SUCCESS" if status == 200 else "FAIL",
                    "message": "" if status == 200 else "invalid bot",
                }
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kakao():
    fake = FakeKakao()
    yield fake
    fake.close()


@pytest.fixture
def client(kakao):
    c = KakaoEventClient(KakaoEventConfig(kakao.url, "bot-123!", "rest-key", "mydata_alert"))
    yield c
    c.close()


@pytest.fixture
def store(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'mydata.sqlite3'}")
    create_schema(engine)
    ensure_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def links(tmp_path):
    path = tmp_path / "kakao_links.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE kakao_links (kakao_user_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, "
                   "linked_at REAL NOT NULL)")
        db.execute("INSERT INTO kakao_links VALUES ('bot-user-1', 'demo-shop', 0)")
    return str(path)


def _draft(kind: str, severity: int, key: str) -> AlertDraft:
    return AlertDraft(kind, severity, key, {"n": 1}, f"{kind} 알림입니다.", "보기", f"/{kind}")


def test_the_request_has_kakaos_documented_shape(kakao, client):
    assert client.send(["u1", "u2"], {"text": "안녕하세요"}) == ["task-1"]
    call = kakao.calls[0]
    assert call["path"] == "/v2/bots/bot-123!/talk" and call["auth"] == "KakaoAK rest-key"
    assert call["body"] == {"event": {"name": "mydata_alert", "data": {"text": "안녕하세요"}},
                            "user": [{"type": "botUserKey", "id": "u1"}, {"type": "botUserKey", "id": "u2"}]}


def test_more_than_100_users_go_in_several_calls(kakao, client):
    assert len(client.send([f"u{k}" for k in range(230)], {"text": "x"})) == 3
    assert [len(c["body"]["user"]) for c in kakao.calls] == [100, 100, 30]


def test_only_linked_customers_get_alerts_and_once(kakao, client, store, links):
    with session_scope(store) as s:
        store_alerts(s, "demo-shop", [_draft("loan_overdue", 3, "a")], DAY)
        store_alerts(s, "demo-student", [_draft("loan_overdue", 3, "b")], DAY)
    with session_scope(store) as s:
        assert deliver_pending(s, "demo-shop", client, DAY, links) == 1
        assert deliver_pending(s, "demo-student", client, DAY, links) == 0  # not linked: stays in the inbox
    with session_scope(store) as s:
        assert deliver_pending(s, "demo-shop", client, DAY, links) == 0  # delivered once
        assert len(inbox(s, "demo-student")) == 1
    assert [c["body"]["user"] for c in kakao.calls] == [[{"type": "botUserKey", "id": "bot-user-1"}]]
    data = kakao.calls[0]["body"]["event"]["data"]
    assert data["text"] == "loan_overdue 알림입니다." and data["button_utterance"] == "/loan_overdue"


def test_quiet_hours_hold_back_all_but_urgent(kakao, client, store, links):
    with session_scope(store) as s:
        store_alerts(
            s, "demo-shop", [_draft("spending_spike", 1, "s"), _draft("loan_overdue", 3, "o")], NIGHT
        )
    with session_scope(store) as s:
        assert deliver_pending(s, "demo-shop", client, NIGHT, links) == 1
    with session_scope(store) as s:
        assert deliver_pending(s, "demo-shop", client, NIGHT.replace(hour=8, day=17), links) == 1
    assert [c["body"]["event"]["data"]["text"] for c in kakao.calls] == ["loan_overdue 알림입니다.",
                                                                        "spending_spike 알림입니다."]


def test_a_refusal_keeps_the_alert_undelivered(kakao, client, store, links):
    with session_scope(store) as s:
        store_alerts(s, "demo-shop", [_draft("loan_overdue", 3, "o")], DAY)
    kakao.fail_status = 400
    with session_scope(store) as s:
        assert deliver_pending(s, "demo-shop", client, DAY, links) == 0
    with pytest.raises(KakaoEventError):
        client.send(["u1"], {"text": "x"})
    with session_scope(store) as s:
        assert s.query(Alert).filter(Alert.delivered_at.isnot(None)).count() == 0
    kakao.fail_status = None
    with session_scope(store) as s:
        assert deliver_pending(s, "demo-shop", client, DAY, links) == 1


def test_unconfigured_means_no_client(monkeypatch):
    monkeypatch.delenv("KAKAO_BOT_ID", raising=False)
    monkeypatch.delenv("KAKAO_REST_API_KEY", raising=False)
    assert KakaoEventConfig.from_env() is None
    monkeypatch.setenv("KAKAO_BOT_ID", "b")
    monkeypatch.setenv("KAKAO_REST_API_KEY", "k")
    assert KakaoEventConfig.from_env().base_url == "https://bot-api.kakao.com"


def test_the_hourly_round_sends_what_quiet_hours_held_back(kakao, store, links, monkeypatch):
    from bot.tasks import jobs
    with session_scope(store) as s:
        store_alerts(s, "demo-shop", [_draft("spending_spike", 1, "s")], NIGHT)
        store_alerts(s, "demo-student", [_draft("spending_spike", 1, "t")], NIGHT)
    monkeypatch.setattr(jobs, "engine", lambda: store)
    monkeypatch.setenv("KAKAO_LINK_DB", links)
    monkeypatch.setenv("KAKAO_EVENT_API_BASE", kakao.url)
    monkeypatch.setenv("KAKAO_BOT_ID", "bot-123")
    monkeypatch.setenv("KAKAO_REST_API_KEY", "rest-key")
    monkeypatch.setenv("ASSISTANT_CLOCK", NIGHT.isoformat())
    assert jobs.deliver_alerts() == 0  # still night
    monkeypatch.setenv("ASSISTANT_CLOCK", NIGHT.replace(day=17, hour=8, minute=5).isoformat())
    assert jobs.deliver_alerts() == 1  # the linked customer only
    assert jobs.deliver_alerts() == 0
    assert [c["body"]["user"][0]["id"] for c in kakao.calls] == ["bot-user-1"]
