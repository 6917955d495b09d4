"""A whole question the NLU read as a follow-up, with no answer before it, is answered as its
likeliest own question; a bare fragment with nothing to follow still asks what it refers to."""
import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.followups import ActionFollowUp


def turn(text, entities, ranking):
    message = {"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": entities,
               "metadata": {"customer_id": "demo-shop"}}
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message},
    ]
    return Tracker("t", {}, message, events, False, None, {}, "action_listen")


def run(tracker, monkeypatch):
    answered = []

    async def answer(self, dispatcher, tracker, customer_id, query, values=None, *, intent=None, page=0):
        answered.append((customer_id, intent, query.institution))
        return []

    monkeypatch.setattr(ActionFollowUp, "answer", answer)
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionFollowUp().run(dispatcher, tracker, {}))
    return answered, dispatcher.messages


RANKING = [{"name": "follow_up", "confidence": 0.35}, {"name": "spending_summary", "confidence": 0.3},
           {"name": "loan_eligibility", "confidence": 0.2}]


def test_a_whole_question_with_nothing_to_follow_is_answered_as_its_runner_up(monkeypatch):
    text = "삼성카드로 지난주에 얼마나 결제했는지 궁금해요"
    entities = [{"entity": "institution", "value": "삼성카드", "start": 0, "end": 4}]
    answered, messages = run(turn(text, entities, RANKING), monkeypatch)
    assert answered == [("demo-shop", "spending_summary", "삼성카드")] and messages == []


def test_a_fragment_with_nothing_to_follow_still_asks_what_it_refers_to(monkeypatch):
    entities = [{"entity": "institution", "value": "삼성카드", "start": 0, "end": 4}]
    answered, messages = run(turn("삼성카드는?", entities, RANKING), monkeypatch)
    assert answered == [] and "어떤 내용" in messages[0]["text"]


def test_a_form_question_is_not_answered_in_one_turn(monkeypatch):
    ranking = [{"name": "follow_up", "confidence": 0.5}, {"name": "loan_eligibility", "confidence": 0.4}]
    answered, messages = run(turn("이 정도면 돈 빌릴 수 있나 궁금해서요", [], ranking), monkeypatch)
    assert answered == [] and messages
