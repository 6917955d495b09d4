"""A new alert reaches the customer's open web chat at once, across processes: stored in this
process or by a real Celery worker, announced on the machine's RabbitMQ, shown by the demo bank's
Rasa server in that customer's socket.io session only, once per session; and in the page's widget
in headless Chromium."""
from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from datetime import datetime, timezone

import pytest
from kombu import Connection

from bot.auth.tokens import issue_token
from bot.delivery.rounds import deliver_due
from bot.insights.detectors import AlertDraft
from bot.insights.inbox import store_alerts
from bot.insights.models import ensure_tables
from bot.korean.calendar import now_kst
from bot.mydata.store.db import make_engine, session_scope
from bot.tasks.app import app, broker_url, queue_name
from tests.channels.test_web import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.support.bank import SECRET, sql
from tests.support.servers import start
from tests.support.webchat import ChatSocket, page_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page_url(bank, tmp_path_factory):
    with page_server(bank, tmp_path_factory.mktemp("webpage-push"), SECRET) as url:
        yield url


TEST_KEY = "push-test"  # in the dedupe keys of the alerts these tests make up, removed afterwards


@pytest.fixture(scope="module")
def store(bank):
    """The demo bank's store; the made-up alerts leave with the module, so later tests see the
    customers' inboxes as the detectors made them."""
    engine = make_engine(f"sqlite:///{bank.db}")
    ensure_tables(engine)
    yield engine
    engine.dispose()
    with sqlite3.connect(bank.db) as db:
        db.execute("DELETE FROM alert_web_deliveries WHERE alert_id IN "
                   "(SELECT id FROM alerts WHERE dedupe_key LIKE ?)", (f"%{TEST_KEY}%",))
        db.execute("DELETE FROM alerts WHERE dedupe_key LIKE ?", (f"%{TEST_KEY}%",))


def _token(customer_id: str) -> str:
    return issue_token(customer_id, SECRET.encode())


async def _opened(url: str, customer_id: str | None) -> ChatSocket:
    """A socket whose session is bound to the customer as the widget asks for it (no message sent)."""
    socket = ChatSocket()
    await socket.connect(url)
    await socket.request_session(_token(customer_id) if customer_id else None)
    return socket


async def _quiet(socket: ChatSocket, seconds: float) -> list:
    try:
        return await socket.next_events(timeout_s=seconds, quiet_s=0.5)
    except asyncio.TimeoutError:
        return []


def test_an_alert_goes_to_its_customers_open_sessions_only_and_once(bank, store):
    draft = AlertDraft("spending_spike", 2, f"spending_spike:{TEST_KEY}:{time.time_ns()}", {},
                       "이번 달 쇼핑 지출이 평소의 3배예요.", "지출 보기", "/spending_summary")

    async def scenario():
        own, own_again = await _opened(bank.url, "demo-retiree"), await _opened(bank.url, "demo-retiree")
        other, visitor = await _opened(bank.url, "demo-student"), await _opened(bank.url, None)
        try:
            day = now_kst().replace(hour=14)  # outside quiet hours
            with session_scope(store) as s:
                (alert_id,) = store_alerts(s, "demo-retiree", [draft], datetime.now(timezone.utc))
            deliver_due(store, ["demo-retiree"], day)
            first = await own.next_events(timeout_s=30, quiet_s=1.0)
            second = await own_again.next_events(timeout_s=30, quiet_s=1.0)
            deliver_due(store, ["demo-retiree"], day)  # delivered now: nothing is due again
            from bot.delivery.web_push import announce
            announce({"demo-retiree": [alert_id]})  # announced again anyway: a session shows it once
            again = await _quiet(own, 5)
            return alert_id, first, second, again, await _quiet(other, 1), await _quiet(visitor, 1)
        finally:
            for socket in (own, own_again, other, visitor):
                await socket.close()

    alert_id, first, second, again, other, visitor = asyncio.run(scenario())
    for events in (first, second):
        pushed = [data for name, data in events if name == "bot_uttered"]
        assert [p["text"] for p in pushed] == ["\\[새 알림\\] 이번 달 쇼핑 지출이 평소의 3배예요."]
        assert pushed[0]["quick_replies"] == [{"content_type": "text", "title": "지출 보기",
                                               "payload": "/spending_summary"}]
    assert again == [] and other == [] and visitor == []
    shown = sql(bank, "SELECT session_id FROM alert_web_deliveries WHERE alert_id = ?", alert_id)
    assert len(shown) == 2  # two sessions, one row each
    assert sql(
        bank, "SELECT delivered_at IS NOT NULL, read_at IS NULL FROM alerts WHERE id = ?", alert_id
    ) == [(1, 1)]


def test_a_session_whose_login_ended_gets_no_alert(bank, store):
    from datetime import timedelta

    async def scenario():
        socket = ChatSocket()
        await socket.connect(bank.url)
        expired = issue_token("demo-salaried", SECRET.encode(), ttl=timedelta(seconds=2))
        await socket.request_session(expired)
        try:
            await asyncio.sleep(3)
            with session_scope(store) as s:
                store_alerts(
                    s,
                    "demo-salaried",
                    [
                        AlertDraft(
                            "loan_overdue",
                            3,
                            f"x:{TEST_KEY}:{time.time_ns()}",
                            {},
                            "연체 알림",
                            "보기",
                            "/loan_status",
                        )
                    ],
                    now_kst(),
                )
            deliver_due(store, ["demo-salaried"], now_kst())
            return await _quiet(socket, 5)
        finally:
            await socket.close()

    assert asyncio.run(scenario()) == []


def test_an_alert_the_worker_stores_appears_in_the_open_widget(bank, page_url, store):
    """The page in Chromium, a real Celery worker syncing the shop owner's institution: the overdue
    loan's alert (taken out of the store first, so the detectors find it new) shows in the widget
    with its button, without the customer typing anything."""
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: ./test.sh installs it (scripts/bootstrap.sh)")
    with sqlite3.connect(bank.db) as db:
        db.execute("DELETE FROM alerts WHERE customer_id = 'demo-shop' AND kind = 'loan_overdue'")
    org = sql(bank, "SELECT org_code FROM consents WHERE customer_id = 'demo-shop' AND revoked_at IS NULL "
                    "ORDER BY org_code LIMIT 1")[0][0]
    worker = start(
        "push-worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bot.tasks.app",
            "worker",
            "-Q",
            queue_name(),
            "-c",
            "1",
            "--loglevel",
            "INFO",
            "-n",
            f"push-{queue_name()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        bank.db.parent,
        {**bank.extra_env, "PROACTIVE_QUEUE": queue_name()},
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="ko-KR")
                page.goto(page_url)
                page.locator("input[value=demo-shop]").check()
                page.get_by_role("button", name="이 고객으로 대화 시작").click()
                expect(page.locator(".rw-response").first).to_contain_text("안녕하세요", timeout=60_000)
                with Connection(broker_url()) as conn:
                    app.send_task(
                        "bot.tasks.jobs.sync_institution",
                        args=["demo-shop", org],
                        queue=queue_name(),
                        connection=conn,
                    )
                deadline = time.monotonic() + 120
                while not sql(bank, "SELECT text, button_title FROM alerts WHERE customer_id = 'demo-shop' "
                                    "AND kind = 'loan_overdue'") and time.monotonic() < deadline:
                    time.sleep(0.5)
                stored = sql(bank, "SELECT text, button_title FROM alerts WHERE customer_id = 'demo-shop' "
                                   "AND kind = 'loan_overdue'")
                assert stored, f"the worker stored no alert:\n{worker.tail()}"
                text, button = stored[0]
                pushed = page.locator(".rw-response", has_text=text[:30])
                expect(pushed).to_contain_text("[새 알림] [긴급]", timeout=30_000)
                expect(page.locator(".rw-reply", has_text=button)).to_be_visible()
                page.screenshot(path=str(ARTIFACTS / "webchat-push.png"), full_page=True)
            finally:
                browser.close()
    finally:
        worker.stop()
        with Connection(broker_url()) as conn:
            conn.channel().queue_delete(queue_name())
    assert sql(bank, "SELECT COUNT(*) FROM alert_web_deliveries d JOIN alerts a ON a.id = d.alert_id "
                     "WHERE a.customer_id = 'demo-shop' AND a.kind = 'loan_overdue'") == [(1,)]
