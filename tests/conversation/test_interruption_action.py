"""A question or FAQ in the middle of a form, on tracker fixtures: answered when the NLU is sure,
taken by the form's repair (a miss) when it only guessed."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.interruption import ActionAnswerInterruption

ASKED = "얼마 동안 정보 제공에 동의하시겠어요? (최대 1년, 언제든 철회할 수 있어요)"


def connect_turn(text, topic, confidence, misses=None):
    """The connect form asked how long to consent; the NLU read the answer as the FAQ `topic`."""
    parse = {
        "intent": {"name": "faq", "confidence": confidence},
        "response_selector": {
            "faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 0.9}}
        },
        "entities": [],
    }
    events = [
        {"event": "bot", "text": ASKED},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": parse},
    ]
    slots = {
        "requested_slot": "connect_months",
        "connect_institution": "삼성화재",
        "connect_scope": "전체 정보",
        "connect_months": None,
        "connect_agreed": None,
        "form_misses": misses,
    }
    message = {"text": text, **parse}
    return Tracker("t", slots, message, events, False, None, {"name": "connect_form"}, "action_listen")


def interrupt(tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerInterruption().run(dispatcher, tracker, {}))
    return events, dispatcher.messages


def test_a_faq_the_nlu_is_sure_of_is_answered_with_its_topic():
    events, messages = interrupt(connect_turn("휴면계좌 어떻게 찾아요?", "dormant_account", 0.93))
    assert [m["response"] for m in messages] == ["utter_faq/dormant_account"]
    assert events == []


def test_a_guessed_faq_is_no_answer_and_counts_as_a_miss():
    events, messages = interrupt(connect_turn("오래", "dormant_account", 0.52))
    assert all(m.get("response") != "utter_faq/dormant_account" for m in messages)
    assert "동의 기간" in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "form_misses",
            "value": {"slot": "connect_months", "count": 1}} in events


def test_the_third_guess_in_a_row_leaves_the_form():
    events, messages = interrupt(connect_turn("오래", "dormant_account", 0.52,
                                              misses={"slot": "connect_months", "count": 2}))
    assert {"event": "active_loop", "timestamp": None, "name": None} in events
    assert "상담원 연결" in [b["title"] for b in messages[-1]["buttons"]]
