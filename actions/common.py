"""What every personal action shares: who is asking, what they asked, how to answer.

The customer is the one the channel verified from a signed token
(`bot.auth.identity`), never the sender id or the text; only the Rasa server
can call this action server. Answers come from `bot.assistant` and run off
the event loop.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.assistant import AnswerContext, Query, Reply, answer, is_linked
from bot.auth.identity import AUTH_ERROR_KEY, CUSTOMER_KEY, identity_of
from bot.mydata.db import get_engine
from bot.korean.calendar import now_kst

logger = logging.getLogger(__name__)

REFUSALS = {
    "missing": "utter_login_required",
    "expired": "utter_login_expired",
    "invalid": "utter_login_invalid",
    "no_secret": "utter_service_unavailable",
}
SINGLE_VALUED = ("institution", "account_type", "merchant", "category", "product_type", "loan_purpose")


def authenticated_customer(tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[str]:
    """The customer the channel verified (bot.auth.identity), or None after telling them why not."""
    identity = identity_of(tracker.latest_message.get("metadata"))
    if CUSTOMER_KEY in identity:
        return identity[CUSTOMER_KEY]
    reason = identity[AUTH_ERROR_KEY]
    logger.info("refused a personal request: %s", reason)
    dispatcher.utter_message(response=REFUSALS[reason])
    return None


def _period(value: Any) -> Optional[Dict[str, str]]:
    if isinstance(value, str) and "/" in value:
        start, end = value.split("/", 1)
        return {"start": start, "end": end}
    if isinstance(value, dict):
        return value
    return None


def query_from_message(message: Dict[Text, Any]) -> Query:
    """The first value of each entity in the message, as a `Query`.

    Button payloads (`/intent{"merchant": "스타벅스", "page": 1}`) arrive as
    entities too, so the same code reads a typed question and a 더 보기 click.
    """
    values: Dict[str, Any] = {}
    for entity in message.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name == "period":
            value = _period(value)
        if name == "loan_term":
            name = "loan_term_months"
        values.setdefault(name, value)
    return Query.from_entities(values, text=message.get("text") or "")


def page_from_message(message: Dict[Text, Any]) -> int:
    for entity in message.get("entities") or []:
        if entity.get("entity") == "page":
            try:
                return max(0, int(entity.get("value")))
            except (TypeError, ValueError):
                return 0
    return 0


def now_in_seoul() -> datetime:
    return now_kst()


@functools.lru_cache(maxsize=1)
def store():
    return get_engine()


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    kwargs: Dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        kwargs["buttons"] = list(reply.buttons)
    if reply.chart:
        kwargs["json_message"] = {"chart": reply.chart}
    dispatcher.utter_message(**kwargs)


async def reply_for(intent: str, customer_id: str, query: Query, page: int = 0) -> Reply:
    context = AnswerContext(store(), customer_id, now=now_in_seoul())
    return await asyncio.to_thread(answer, intent, context, query, page=page)


async def linked(customer_id: str, institution: str) -> bool:
    return await asyncio.to_thread(is_linked, store(), customer_id, institution, now_in_seoul())


class PersonalAnswerAction(Action):
    """Answers one own-finance or consulting intent for the verified customer.

    Asking about an institution that is not linked starts the connect flow
    and keeps the question, which is answered right after the sync.
    """

    intent: Text = ""
    slots_to_clear: tuple = ()
    connects_unlinked: bool = True

    def name(self) -> Text:
        return f"action_{self.intent}"

    def query(self, tracker: Tracker) -> Query:
        return query_from_message(tracker.latest_message)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        cleared = [SlotSet(slot, None) for slot in self.slots_to_clear]
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return cleared
        return await self.answer(dispatcher, tracker, customer_id, self.query(tracker)) + cleared

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str, query: Query
    ) -> List[Dict[Text, Any]]:
        if self.connects_unlinked and query.institution and not await linked(customer_id, query.institution):
            dispatcher.utter_message(
                text=f"{query.institution}은(는) 아직 연결되지 않았어요. 먼저 연결하면 바로 답변드릴게요."
            )
            return start_connect_flow(query.institution, {"intent": self.intent, "query": query.to_entities()})
        send(dispatcher, await reply_for(self.intent, customer_id, query, page_from_message(tracker.latest_message)))
        return []


class FormStartAction(Action):
    """Starts a form with what the question already said, for a verified customer only."""

    form_slots_name: Text = ""

    def name(self) -> Text:
        return self.form_slots_name

    def slots(self, query: Query) -> Dict[Text, Any]:
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if authenticated_customer(tracker, dispatcher) is None:
            return [FollowupAction("action_listen")]
        query = query_from_message(tracker.latest_message)
        return [SlotSet(slot, value) for slot, value in self.slots(query).items()]


class AskAction(Action):
    """Asks for a form slot with text and buttons that depend on what is known so far."""

    slot: Text = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def question(self, tracker: Tracker) -> Dict[Text, Any]:
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(**self.question(tracker))
        return []


def start_connect_flow(institution: Optional[str], pending: Optional[Dict[str, Any]]) -> List[Dict[Text, Any]]:
    return [
        SlotSet("connect_institution", institution),
        SlotSet("connect_scope", None),
        SlotSet("connect_months", None),
        SlotSet("connect_agreed", None),
        SlotSet("pending_question", pending),
        FollowupAction("connect_form"),
    ]
