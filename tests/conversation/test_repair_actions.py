"""The repair actions on tracker fixtures: the explicit-yes rule and a clean exit when something fails."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.repair as repair_actions
from actions.consent import ValidateRevokeForm
from actions.repair import ActionFormRepair

ASKED = "우리은행 연결을 끊으면 지금까지 받아온 우리은행 정보가 모두 삭제돼요. 진행할까요?"


def revoke_turn(text, intent, last_bot_text):
    """The tracker the revoke form's validation sees right after the customer answered."""
    events = [
        {"event": "bot", "text": last_bot_text},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
        {"event": "slot", "name": "requested_slot", "value": "revoke_confirmed"},
        {"event": "action", "name": "revoke_form"},
    ]
    slots = {"requested_slot": "revoke_confirmed", "revoke_institution": "우리은행", "revoke_confirmed": None}
    message = {"text": text, "intent": {"name": intent}, "entities": []}
    return Tracker("t", slots, message, events, False, None, {"name": "revoke_form"}, "revoke_form")


def validate(tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateRevokeForm().run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def test_an_explicit_yes_right_after_the_named_question_confirms():
    events, _ = validate(revoke_turn("네", "affirm", ASKED))
    assert {"event": "slot", "timestamp": None, "name": "revoke_confirmed", "value": True} in events


def test_a_yes_after_any_other_question_confirms_nothing():
    events, _ = validate(revoke_turn("네", "affirm", "우리은행 잔액은 1,000원이에요."))
    assert events == []
    events, _ = validate(revoke_turn("네?", "affirm", ASKED))
    assert events == []


def test_a_no_is_taken_as_no():
    events, _ = validate(revoke_turn("아니요", "deny", ASKED))
    assert {"event": "slot", "timestamp": None, "name": "revoke_confirmed", "value": False} in events


def test_a_failure_inside_the_repair_leaves_the_form_cleanly(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(repair_actions, "classify", broken)
    dispatcher = CollectingDispatcher()
    tracker = revoke_turn("음", "inform", ASKED)
    events = asyncio.run(ActionFormRepair().run(dispatcher, tracker, {}))
    assert {"event": "active_loop", "timestamp": None, "name": None} in events
    assert any(e.get("name") == "revoke_institution" and e.get("value") is None for e in events)
    assert "멈췄어요" in dispatcher.messages[0]["text"]
    assert "상담원 연결" in [b["title"] for b in dispatcher.messages[0]["buttons"]]


def test_a_failure_inside_validation_fills_nothing(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(repair_actions, "classify", broken)
    events, messages = validate(revoke_turn("네", "affirm", ASKED))
    assert events == [] and messages == []
