"""Quiet hours in words and on a real store: what the customer says sets them, every pushing channel
reads them, urgent alerts ignore them, and "다시 켜줘" switches what was named just before."""
from __future__ import annotations

from datetime import datetime

import pytest

from bot.insights.chat import change_preferences
from bot.insights.detectors import AlertDraft
from bot.insights.inbox import due_alerts, store_alerts
from bot.insights.preferences import disabled_kinds
from bot.insights.quiet_hours import DEFAULT, QuietHours, hour_words, parse_quiet_hours, quiet_hours_of
from bot.korean.calendar import KST
from bot.mydata.store.db import session_scope

NIGHT = datetime(2025, 6, 16, 23, 30, tzinfo=KST)
MORNING = datetime(2025, 6, 17, 7, 30, tzinfo=KST)
DAY = datetime(2025, 6, 17, 12, 0, tzinfo=KST)


@pytest.mark.parametrize("text, quiet, start, end", [
    ("알림 밤에는 보내지 마", True, None, None),
    ("조용한 시간 밤 10시부터 아침 8시", True, 22, 8),
    ("밤 11시부터 아침 7시까지는 알림 보내지 마", True, 23, 7),
    ("10시부터 7시까지 알림 꺼줘", True, 22, 7),  # unmarked: the start in the evening, the end in the morning
    ("밤 11시 이후엔 알림 보내지 마", True, 23, None),
    ("아침 9시 전에는 알림 오지 않게", True, None, 9),
    ("자는 동안에는 알림 울리지 않게 해줘", True, None, None),
    ("방해금지 켜줘", True, None, None),
    ("밤에도 알림 보내줘", False, None, None),
    ("조용한 시간 해제해줘", False, None, None),
    ("조용한 시간 설정 끌래", False, None, None),
    ("밤 알림 다시 켜줘", False, None, None),
    ("조용한 시간", None, None, None),
])
def test_words_to_a_quiet_hours_request(text, quiet, start, end):
    request = parse_quiet_hours(text)
    assert (request.quiet, request.start_hour, request.end_hour) == (quiet, start, end)


@pytest.mark.parametrize("text", ["중복결제 알림 꺼줘", "다시 켜줘", "카드값 알림 켜줘", "알림 보여줘"])
def test_other_settings_are_not_about_quiet_hours(text):
    assert parse_quiet_hours(text) is None


def test_hours_wrap_midnight_and_urgent_goes_through():
    assert DEFAULT.holds(NIGHT) and DEFAULT.holds(MORNING) and not DEFAULT.holds(DAY)
    assert DEFAULT.holds(MORNING.replace(hour=8, minute=0)) is False  # the end hour is free again
    assert not DEFAULT.may_send(1, NIGHT) and DEFAULT.may_send(3, NIGHT)
    afternoon = QuietHours(13, 15)
    assert afternoon.holds(DAY.replace(hour=14)) and not afternoon.holds(NIGHT)
    assert not QuietHours(22, 8, enabled=False).holds(NIGHT)
    assert [hour_words(h) for h in (0, 3, 8, 12, 15, 19, 22)] == [
        "자정", "새벽 3시", "아침 8시", "낮 12시", "오후 3시", "저녁 7시", "밤 10시"]


def _draft(kind: str, severity: int) -> AlertDraft:
    return AlertDraft(kind, severity, f"{kind}:x", {}, f"{kind} 알림", "보기", f"/{kind}")


def test_set_in_chat_and_read_by_delivery(store):
    with session_scope(store) as s:
        store_alerts(s, "demo-shop", [_draft("spending_spike", 1), _draft("loan_overdue", 3)], NIGHT)
        assert quiet_hours_of(s, "demo-shop") == DEFAULT
        assert [a.kind for a in due_alerts(s, "demo-shop", NIGHT)] == ["loan_overdue"]
    answer = change_preferences(store, "demo-shop", "조용한 시간 자정부터 아침 6시", NIGHT)
    assert answer.text.startswith("네, 자정부터 아침 6시까지는 급하지 않은 알림을 보내지 않고 아침 6시에")
    with session_scope(store) as s:
        assert quiet_hours_of(s, "demo-shop") == QuietHours(0, 6)
        assert [a.kind for a in due_alerts(s, "demo-shop", NIGHT)] == ["loan_overdue", "spending_spike"]
    assert change_preferences(store, "demo-shop", "밤에도 알림 보내줘", NIGHT).text.startswith(
        "네, 이제 밤에도"
    )
    with session_scope(store) as s:
        assert quiet_hours_of(s, "demo-shop") == QuietHours(0, 6, enabled=False)
        assert len(due_alerts(s, "demo-shop", MORNING.replace(hour=3))) == 2
    change_preferences(
        store, "demo-shop", "알림 밤에는 보내지 마", NIGHT
    )  # on again, with the hours set before
    with session_scope(store) as s:
        assert quiet_hours_of(s, "demo-shop") == QuietHours(0, 6)
        assert quiet_hours_of(s, "demo-student") == DEFAULT  # nobody else's


def test_one_end_keeps_the_other_and_bad_hours_are_answered(store):
    assert (
        "밤 11시부터 아침 8시까지"
        in change_preferences(store, "demo-shop", "밤 11시 이후엔 알림 보내지 마", NIGHT).text
    )
    assert (
        "아침 7시에" in change_preferences(store, "demo-shop", "아침 7시 전에는 알림 오지 않게", NIGHT).text
    )
    with session_scope(store) as s:
        assert quiet_hours_of(s, "demo-shop") == QuietHours(23, 7)
    assert "없는 시각" in change_preferences(store, "demo-shop", "조용한 시간 25시부터", NIGHT).text
    assert (
        "시작과 끝"
        in change_preferences(store, "demo-shop", "조용한 시간 밤 11시부터 밤 11시까지", NIGHT).text
    )
    asked = change_preferences(store, "demo-shop", "조용한 시간", NIGHT)
    assert asked.text.startswith("밤에는 급하지 않은 알림을") and len(asked.buttons) == 2
    with session_scope(store) as s:
        assert quiet_hours_of(s, "demo-shop") == QuietHours(23, 7)


def test_again_switches_what_the_last_settings_message_named(store):
    change_preferences(store, "demo-shop", "중복결제 알림 꺼줘", DAY)
    with session_scope(store) as s:
        assert disabled_kinds(s, "demo-shop") == {"duplicate_charge"}
    answer = change_preferences(store, "demo-shop", "다시 켜줘", DAY, earlier=["중복결제 알림 꺼줘"])
    assert answer.text == "네, 중복 결제 알림을 다시 보내 드릴게요."
    with session_scope(store) as s:
        assert disabled_kinds(s, "demo-shop") == set()
    # after "no alerts at night", "turn it back on" means alerts at night again
    change_preferences(store, "demo-shop", "알림 밤에는 보내지 마", DAY)
    change_preferences(
        store, "demo-shop", "다시 켜줘", DAY, earlier=["알림 밤에는 보내지 마", "중복결제 알림 꺼줘"]
    )
    with session_scope(store) as s:
        assert quiet_hours_of(s, "demo-shop").enabled is False
        assert disabled_kinds(s, "demo-shop") == set()
    # with nothing before it, it asks which
    assert change_preferences(store, "demo-shop", "다시 켜줘", DAY).text == "어떤 알림을 켤까요?"
