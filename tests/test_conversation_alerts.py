"""The alert inbox and the update cycle over the real stack (REST → Rasa → action server → store):
the detectors' alerts listed most important first with their buttons, then kept as read; another
customer's alerts never shown; no token, no alerts; "매일 업데이트해줘" changes the cycle."""
import sqlite3
import uuid

import pytest

from bot.insights.inbox import run_detectors
from bot.insights.models import ensure_tables
from bot.korean.calendar import now_kst
from bot.mydata.store.db import make_engine, session_scope
from tests.support.bank import sql
from tests.test_conversation_personal import say

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def alerts(bank):
    """The detectors run over the bank's store as a scheduled sync would run them."""
    engine = make_engine(f"sqlite:///{bank.db}")
    ensure_tables(engine)
    with session_scope(engine) as s:
        for customer in ("demo-shop", "demo-salaried", "demo-student", "demo-retiree"):
            run_detectors(s, customer, now_kst())
    engine.dispose()
    return bank


def test_a_new_session_greets_with_the_number_of_new_alerts_and_leaves_them_unread(alerts):
    unread = sql(
        alerts, "SELECT COUNT(*) FROM alerts WHERE customer_id = ? AND read_at IS NULL", "demo-shop"
    )[0][0]
    assert unread >= 1
    text, replies = say(alerts, "안녕하세요~", "demo-shop", sender=f"g-{uuid.uuid4().hex[:10]}")
    assert "무엇을 도와드릴까요" in replies[0]["text"]
    assert f"새 알림 {unread}건이 있어요" in text and "[긴급]" in text and "연체" in text
    assert [b["title"] for b in replies[-1]["buttons"]][0] == "알림 모두 보기"
    assert sql(
        alerts, "SELECT COUNT(*) FROM alerts WHERE customer_id = ? AND read_at IS NULL", "demo-shop"
    ) == [(unread,)]
    text, replies = say(
        alerts, "안녕하세요~", sender=f"g-{uuid.uuid4().hex[:10]}"
    )  # no login: the plain greeting
    assert "새 알림" not in text and len(replies) == 1


def test_show_alerts_most_important_first_then_nothing_new(alerts):
    kinds = [r[0] for r in sql(alerts, "SELECT kind FROM alerts WHERE customer_id = ? ORDER BY severity DESC",
                               "demo-shop")]
    assert "loan_overdue" in kinds
    sender = f"t-{uuid.uuid4().hex[:10]}"
    text, replies = say(alerts, "알림 보여줘", "demo-shop", sender=sender)
    assert f"새 알림 {len(kinds)}건" in text
    assert replies[1]["text"].startswith("[긴급]") and "연체" in replies[1]["text"]
    assert replies[1]["buttons"][0]["payload"].startswith("/loan_status")
    text, _ = say(alerts, "새 알림 있어?", "demo-shop", sender=sender)
    assert "새 알림이 없습니다" in text
    assert sql(
        alerts, "SELECT COUNT(*) FROM alerts WHERE customer_id = ? AND read_at IS NULL", "demo-shop"
    ) == [(0,)]


def test_alerts_need_a_token_and_stay_with_their_customer(alerts):
    text, _ = say(alerts, "알림 보여줘")
    assert "로그인" in text and "새 알림" not in text
    text, _ = say(alerts, "알림 보여줘", "demo-student")
    assert "연체" not in text


def test_daily_updates_in_chat(alerts):
    text, _ = say(alerts, "매일 업데이트해줘", "demo-salaried")
    assert "매일 업데이트할게요" in text
    cycles = sql(
        alerts, "SELECT DISTINCT cycle_days FROM sync_schedules WHERE customer_id = ?", "demo-salaried"
    )
    assert cycles == [(1,)]
    text, replies = say(alerts, "업데이트 주기 바꾸고 싶어", "demo-salaried")
    assert [b["title"] for b in replies[0]["buttons"]] == ["매일", "매주", "매월"]


def test_turning_a_kind_off_in_chat(alerts):
    text, _ = say(alerts, "연체 알림 꺼줘", "demo-retiree")
    assert "대출 연체 알림은 보내지 않을게요" in text
    assert sql(
        alerts, "SELECT kind, enabled FROM alert_preferences WHERE customer_id = ?", "demo-retiree"
    ) == [("loan_overdue", 0)]
    text, replies = say(alerts, "알림 설정 바꾸고 싶어", "demo-retiree")
    assert "어떤 알림" in text and len(replies[0]["buttons"]) == 6


def test_alerts_asked_for_in_the_middle_of_a_form_are_shown_and_the_form_goes_on(alerts):
    from tests.test_conversation_repair import Chat

    chat = Chat(alerts, "demo-retiree")
    chat("대출 받을 수 있을까요?")
    assert chat.active_form() == "loan_form"
    text = chat("알림 보여줘")
    assert "새 알림" in text and "빌리" in text, text  # the inbox, then the form's question again
    assert chat.active_form() == "loan_form"


def test_quiet_hours_and_switches_in_chat(alerts):
    from tests.test_conversation_repair import Chat

    chat = Chat(alerts, "demo-student")
    quiet = "SELECT start_hour, end_hour, enabled FROM alert_quiet_hours WHERE customer_id = ?"
    assert "밤 10시부터 아침 8시까지는 급하지 않은 알림을 보내지 않고" in chat("알림 밤에는 보내지 마")
    assert sql(alerts, quiet, "demo-student") == [(22, 8, 1)]
    assert "밤 11시부터 아침 7시까지는" in chat("조용한 시간 밤 11시부터 아침 7시")
    assert sql(alerts, quiet, "demo-student") == [(23, 7, 1)]
    assert "중복 결제 알림은 보내지 않을게요" in chat("중복결제 알림 꺼줘")
    off = "SELECT kind FROM alert_preferences WHERE customer_id = ? AND enabled = 0"
    assert sql(alerts, off, "demo-student") == [("duplicate_charge",)]
    assert chat("다시 켜줘") == "네, 중복 결제 알림을 다시 보내 드릴게요."
    assert sql(alerts, off, "demo-student") == []
    assert "밤에도 알림을 바로 보내" in chat("밤에도 알림 보내줘")
    assert sql(alerts, quiet, "demo-student") == [(23, 7, 0)]
    assert sql(alerts, quiet, "demo-salaried") == []  # nobody else's


def test_a_refresh_in_chat_syncs_and_runs_the_detectors(alerts):
    """The shop owner's overdue-loan alert is taken out of the store; "새로고침" syncs every linked
    institution and the detectors find the event again, as after a scheduled sync. The answer
    names what came in and what did not, as the store recorded it.

    Here a second sync of an account can fail (the sandbox runs on the wall clock, the assistant on
    the suite's fixed earlier date, so stored transactions can be dated after the assistant's
    "today"); the consents' last attempt and error are put back afterwards, so later tests see the
    institutions as the demo left them."""
    overdue = "SELECT COUNT(*) FROM alerts WHERE customer_id = ? AND kind = 'loan_overdue'"
    assert sql(alerts, overdue, "demo-shop") == [(1,)]
    consents = sql(
        alerts, "SELECT id, last_attempt_at, last_error FROM consents WHERE customer_id = ?", "demo-shop"
    )
    with sqlite3.connect(alerts.db) as db:
        db.execute("DELETE FROM alerts WHERE customer_id = 'demo-shop' AND kind = 'loan_overdue'")
    last_run = sql(alerts, "SELECT MAX(id) FROM sync_runs")[0][0]
    linked = sql(alerts, "SELECT COUNT(*) FROM consents WHERE customer_id = ? AND revoked_at IS NULL",
                 "demo-shop")[0][0]
    try:
        text, replies = say(alerts, "새로고침", "demo-shop")
    finally:
        with sqlite3.connect(alerts.db) as db:
            db.executemany("UPDATE consents SET last_attempt_at = ?, last_error = ? WHERE id = ?",
                           [(attempt, error, cid) for cid, attempt, error in consents])
    runs = dict(
        sql(
            alerts,
            "SELECT status, COUNT(*) FROM sync_runs WHERE customer_id = ? AND id > ? GROUP BY status",
            "demo-shop",
            last_run,
        )
    )
    assert sum(runs.values()) == linked and runs.get("ok")
    assert f"연결된 금융사 {runs['ok']}곳의 정보를 새로 받아왔어요" in text
    assert ("받아오지 못해" in text) == bool(runs.get("failed"))
    assert "새 알림 1건이 생겼어요" in text
    assert replies[-1]["buttons"] == [{"title": "알림 보기", "payload": "/show_alerts"}]
    assert sql(alerts, overdue, "demo-shop") == [(1,)]
    text, _ = say(alerts, "새로고침")
    assert "로그인" in text
