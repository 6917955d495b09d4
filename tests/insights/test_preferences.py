"""Kinds of alert turned off in words stay out of the inbox; on again, they come back."""
from __future__ import annotations

import pytest

from bot.insights.chat import change_preferences
from bot.insights.detectors import KINDS
from bot.insights.inbox import inbox, run_detectors
from bot.insights.preferences import GROUPS, disabled_kinds, parse
from bot.mydata.store.db import session_scope
from bot.mydata.sync.run import sync_customer
from tests.mydata.conftest import client
from tests.tasks.conftest import NOW, link, run


def test_every_kind_belongs_to_a_group():
    assert sorted(k for _, _, kinds in GROUPS.values() for k in kinds) == sorted(KINDS)


@pytest.mark.parametrize(
    "text,groups,enable",
    [
        ("카드값 알림 꺼줘", ("payment_due",), False),
        ("지출 알림 다시 켜줘", ("spending_spike",), True),
        ("구독 알림 받지 않을래", ("recurring",), False),
        ("연체 알림은 계속 보내줘", ("loan_overdue",), True),
        ("알림 전부 꺼줘", tuple(GROUPS), False),
        ("알림 설정 바꾸고 싶어", (), None),
        ("지출 알림", ("spending_spike",), None),
    ],
)
def test_words_to_a_request(text, groups, enable):
    request = parse(text)
    assert (request.groups, request.enable) == (groups, enable)


def test_asks_when_it_is_not_said_which_or_whether(store):
    assert (
        change_preferences(store, "demo-shop", "알림 설정 바꾸고 싶어", NOW).text == "어떤 알림을 바꿀까요?"
    )
    answer = change_preferences(store, "demo-shop", "지출 알림", NOW)
    assert answer.text == "지출 급증 알림을 끌까요, 켤까요?" and len(answer.buttons) == 2
    with session_scope(store) as s:
        assert disabled_kinds(s, "demo-shop") == set()


def test_a_kind_turned_off_is_not_stored_and_comes_back_when_on(store, sandbox):
    run(link(store, sandbox, "demo-shop"))

    async def go():
        async with client() as c:
            return await sync_customer(store, c, "demo-shop", now=NOW)
    assert run(go()).ok
    assert change_preferences(store, "demo-shop", "연체 알림 꺼줘", NOW).text.startswith(
        "네, 이제 대출 연체 알림은"
    )
    with session_scope(store) as s:
        run_detectors(s, "demo-shop", NOW)
        assert "loan_overdue" not in {i.kind for i in inbox(s, "demo-shop")}
    assert (
        change_preferences(store, "demo-shop", "연체 알림 다시 켜줘", NOW).text
        == "네, 대출 연체 알림을 다시 보내 드릴게요."
    )
    with session_scope(store) as s:
        run_detectors(s, "demo-shop", NOW)
        assert "loan_overdue" in {i.kind for i in inbox(s, "demo-shop")}
