"""A REST message sent again with the same `message_id` is answered with the first delivery's replies and
is not run or stored again (bot.rasa.repeats): the stored turn alone, then the real servers over HTTP,
one after the other and at the same time."""
import asyncio
import uuid

import httpx
import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.auth.tokens import issue_token
from bot.rasa.repeats import MessageIdReused, stored_replies
from tests.support.bank import SECRET

SALARIED = {"customer_id": "demo-salaried"}


def turn(message_id, text, replies, metadata=SALARIED):
    return [UserUttered(text, {"name": "inform"}, message_id=message_id, metadata=dict(metadata)),
            SlotSet("loan_term", 36), ActionExecuted("loan_form"),
            *[BotUttered(reply, {"buttons": [{"title": "예", "payload": "/affirm"}]} if i == 0 else {})
              for i, reply in enumerate(replies)],
            ActionExecuted("action_listen")]


EVENTS = [ActionExecuted("action_listen"), *turn("m-1", "천만 원 대출", ["기간은요?"]),
          *turn("m-2", "3년", ["용도는요?", "생활자금, 주택 ..."]), *turn("m-3", "생활자금", ["가능해요"])]


def test_the_replies_of_the_stored_turn_are_those_before_its_action_listen():
    replies = stored_replies(EVENTS, "m-2", "3년", SALARIED)
    assert [r["text"] for r in replies] == ["용도는요?", "생활자금, 주택 ..."]
    assert replies[0]["buttons"] == [{"title": "예", "payload": "/affirm"}]
    assert [r["text"] for r in stored_replies(EVENTS, "m-3", "생활자금", SALARIED)] == ["가능해요"]


def test_an_id_not_stored_is_not_a_repeat():
    assert stored_replies(EVENTS, "m-4", "3년", SALARIED) is None
    assert stored_replies([], "m-1", "천만 원 대출", SALARIED) is None


def test_a_stored_turn_without_replies_is_a_repeat_with_no_replies():
    events = [UserUttered("음", message_id="quiet", metadata={}), ActionExecuted("action_listen"),
              *turn("m-9", "생활자금", ["가능해요"])]
    assert stored_replies(events, "quiet", "음", {"auth_error": "missing"}) == []


@pytest.mark.parametrize("text, metadata", [
    ("5년", SALARIED),                                    # another message under the same id
    ("3년", {"customer_id": "demo-student"}),             # another customer
    ("3년", {"auth_error": "missing"}),                   # no customer: never shown a customer's answer
])
def test_the_same_id_with_another_text_or_customer_is_refused(text, metadata):
    with pytest.raises(MessageIdReused):
        stored_replies(EVENTS, "m-2", text, metadata)


def test_without_a_customer_the_reason_does_not_matter_and_text_compares_as_stored():
    token_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    events = turn(
        "m-5", "토큰 [redacted] 이에요", ["그 말씀은 저장하지 않았어요"], metadata={"auth_error": "missing"}
    )
    replies = stored_replies(events, "m-5", f"토큰 {token_like} 이에요", {"auth_error": "expired"})
    assert [r["text"] for r in replies] == ["그 말씀은 저장하지 않았어요"]


def post(stack, sender, message, message_id, customer="demo-salaried"):
    body = {"sender": sender, "message": message, "message_id": message_id}
    if customer:
        body["metadata"] = {"customer_token": issue_token(customer, SECRET.encode())}
    return httpx.post(f"{stack.url}/webhooks/rest/webhook", json=body, timeout=60.0)


def texts(response):
    return "\n".join(r.get("text", "") for r in response.json())


def user_events(stack, sender):
    events = stack.tracker(sender)["events"]
    return [(e["text"], e["message_id"]) for e in events if e["event"] == "user"], len(events)


@pytest.mark.slow
def test_a_repeated_form_answer_gets_the_first_reply_and_the_form_goes_on(bank):
    """Run again, "3년" would answer the form's next question (the purpose); the repeat must not."""
    sender = f"rep-{uuid.uuid4().hex[:8]}"
    assert "갚" in texts(post(bank, sender, "천만 원 대출 받을 수 있을까?", "turn-1"))
    first = post(bank, sender, "3년", "turn-2")
    assert first.status_code == 200 and "용도" in texts(first)
    stored, count = user_events(bank, sender)

    again = post(bank, sender, "3년", "turn-2")
    assert again.status_code == 200 and again.json() == first.json()
    assert user_events(bank, sender) == (stored, count)

    verdict = post(bank, sender, "생활자금", "turn-3")
    assert "%" in texts(verdict)
    said, _ = user_events(bank, sender)
    assert said == [("천만 원 대출 받을 수 있을까?", "turn-1"), ("3년", "turn-2"), ("생활자금", "turn-3")]


@pytest.mark.slow
def test_the_same_id_for_another_message_or_customer_is_a_409_and_changes_nothing(bank):
    sender = f"rep-{uuid.uuid4().hex[:8]}"
    assert post(bank, sender, "내 잔액 알려줘", "balance-1").status_code == 200
    stored = user_events(bank, sender)
    for message, customer in [
        ("지난달 어디에 제일 많이 썼어?", "demo-salaried"),
        ("내 잔액 알려줘", "demo-student"),
        ("내 잔액 알려줘", None),
    ]:
        refused = post(bank, sender, message, "balance-1", customer)
        assert refused.status_code == 409 and refused.json()["error"] == "message_id_reused"
        assert set(refused.json()) == {"error", "detail"}  # no reply of the stored turn
    assert user_events(bank, sender) == stored
    assert post(bank, sender, "내 잔액 알려줘", "balance-2").status_code == 200  # a new id is a new turn


async def deliver_at_once(url, body, times):
    async with httpx.AsyncClient(timeout=60.0) as client:
        return await asyncio.gather(
            *[client.post(f"{url}/webhooks/rest/webhook", json=body) for _ in range(times)]
        )


@pytest.mark.slow
def test_deliveries_at_the_same_time_run_the_turn_once_and_all_get_its_answer(bank):
    sender = f"rep-{uuid.uuid4().hex[:8]}"
    body = {"sender": sender, "message": "내 잔액 알려줘", "message_id": "at-once",
            "metadata": {"customer_token": issue_token("demo-salaried", SECRET.encode())}}
    responses = asyncio.run(deliver_at_once(bank.url, body, 3))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "총" in texts(responses[0])
    assert responses[1].json() == responses[0].json() == responses[2].json()
    said, _ = user_events(bank, sender)
    assert said == [("내 잔액 알려줘", "at-once")]
