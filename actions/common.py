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

from bot.assistant import INTENT_HANDLERS, AnswerContext, Query, Reply, answer, is_linked
from bot.assistant.followup import explained, extreme_reply, no_context_reply, not_understood_reply, picked_reply
from bot.assistant.korean import josa
from bot.assistant.multi import answer_each
from bot.assistant.spending import extreme_transaction
from bot.auth.identity import AUTH_ERROR_KEY, CUSTOMER_KEY, identity_of
from bot.conversation.frame import (CLARIFY, EACH, MAX_ITEMS, SLOT, Explain, Frame, Pick, Refine, alive, is_fragment,
                                    points_at_shown, resolve, rewrite_period_words)
from bot.conversation.form_values import loan_change
from bot.conversation.message import MessageValues, problem_text, read_entities
from bot.nlp.period import parse_period
from bot.mydata.db import get_engine
from bot.korean.calendar import now_kst

logger = logging.getLogger(__name__)

REFUSALS = {
    "missing": "utter_login_required",
    "expired": "utter_login_expired",
    "invalid": "utter_login_invalid",
    "no_secret": "utter_service_unavailable",
}


def authenticated_customer(tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[str]:
    """The customer the channel verified (bot.auth.identity), or None after telling them why not."""
    identity = identity_of(tracker.latest_message.get("metadata"))
    if CUSTOMER_KEY in identity:
        return identity[CUSTOMER_KEY]
    reason = identity[AUTH_ERROR_KEY]
    logger.info("refused a personal request: %s", reason)
    dispatcher.utter_message(response=REFUSALS[reason])
    return None


def message_values(message: Dict[Text, Any]) -> MessageValues:
    """Every checked value of each entity in the message (`bot.conversation.message`).

    Button payloads (`/intent{"merchant": "스타벅스", "page": 1}`) arrive as entities too, so the
    same code reads a typed question and a 더 보기 click.
    """
    return read_entities(message.get("entities") or [], message.get("text") or "")


def query_from_message(message: Dict[Text, Any]) -> Query:
    """The first usable value of each entity in the message, as a `Query`."""
    return Query.from_entities(message_values(message).first(), text=message.get("text") or "")


def page_from_message(message: Dict[Text, Any]) -> int:
    return message_values(message).page


def _intent(message: Dict[Text, Any]) -> Optional[str]:
    return (message.get("intent") or {}).get("name")


def current_frame(tracker: Tracker) -> Optional[Frame]:
    """The last personal answer's frame, unless a clearly new topic came up after it."""
    frame = Frame.from_slot(tracker.get_slot(SLOT))
    if frame is None:
        return None
    since: List[str] = []
    current_seen = False
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == SLOT:
            break
        if event.get("event") == "user":
            if current_seen:
                since.append(_intent(event.get("parse_data") or {}) or "")
            current_seen = True
    return alive(frame, since)


def clarified_query(tracker: Tracker, values: MessageValues) -> Optional[Query]:
    """The question that answers "what did you mean?" after a follow-up with no context: a message naming
    nothing of its own (`지출`) gets what that follow-up named (`지난달`)."""
    frame = current_frame(tracker)
    if frame is None or frame.intent != CLARIFY or values.first():
        return None
    return Query.from_entities(frame.entities, text=tracker.latest_message.get("text") or "")


def follow_up_change(values: MessageValues, text: str) -> Dict[str, Any]:
    """The parameters a follow-up names, periods as period_start/period_end."""
    change = dict(values.first())
    period = change.pop("period", None)
    if period is None and "period_start" not in change:
        found = parse_period(rewrite_period_words(text), now_kst().date())
        if found is not None:
            period = {"start": found.start_date.isoformat(), "end": found.end_date.isoformat()}
    if period:
        change["period_start"], change["period_end"] = period["start"], period["end"]
    return change


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


def context_for(customer_id: str) -> AnswerContext:
    return AnswerContext(store(), customer_id, now=now_in_seoul())


async def reply_for(intent: str, customer_id: str, query: Query, page: int = 0) -> Reply:
    return await asyncio.to_thread(answer, intent, context_for(customer_id), query, page=page)


async def reply_for_each(intent: str, customer_id: str, query: Query, name: str, values) -> Reply:
    return await asyncio.to_thread(answer_each, INTENT_HANDLERS[intent], intent, context_for(customer_id), query,
                                   name, values)


def remember(intent: str, query: Query, page: int, reply: Reply, each=None) -> List[Dict[Text, Any]]:
    """The frame a follow-up builds on: this answer's intent, query (with the several values
    named, if any) and the items it showed."""
    entities = {**query.to_entities(), **({"page": page} if page else {}),
                **({EACH: [each[0], list(each[1])]} if each else {})}
    return [SlotSet(SLOT, Frame(intent, entities, tuple(reply.items)).to_slot())]


async def linked(customer_id: str, institution: str) -> bool:
    return await asyncio.to_thread(is_linked, store(), customer_id, institution, now_in_seoul())


class PersonalAnswerAction(Action):
    """Answers one own-finance or consulting intent for the verified customer.

    Asking about an institution that is not linked starts the connect flow and keeps the
    question, which is answered right after the sync. Several values of one entity ("신한이랑
    우리") are answered each. A message that only names parameters ("카페는?") right after a
    personal answer is a follow-up of that answer (`bot.conversation.frame`). Each answer
    leaves its frame in the `conversation_frame` slot.
    """

    intent: Text = ""
    slots_to_clear: tuple = ()
    connects_unlinked: bool = True
    reads_fragments: bool = True  # False where another action already read the fragment

    def name(self) -> Text:
        return f"action_{self.intent}"

    def asked_directly(self, tracker: Tracker) -> bool:
        """The latest message is this intent's question (not a form's last answer)."""
        return _intent(tracker.latest_message) == self.intent

    def values(self, tracker: Tracker) -> MessageValues:
        return message_values(tracker.latest_message) if self.asked_directly(tracker) else MessageValues()

    def query(self, tracker: Tracker) -> Query:
        return Query.from_entities(self.values(tracker).first(), text=tracker.latest_message.get("text") or "")

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        cleared = [SlotSet(slot, None) for slot in self.slots_to_clear]
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return cleared
        values = self.values(tracker)
        if values.problems:
            dispatcher.utter_message(text=problem_text(values.problems))
            return cleared
        message = tracker.latest_message
        text, entities = message.get("text") or "", message.get("entities") or []
        clarified = clarified_query(tracker, values) if self.asked_directly(tracker) else None
        if clarified is not None:
            return await self.answer(dispatcher, tracker, customer_id, clarified, values) + cleared
        if self.reads_fragments and self.asked_directly(tracker) and (
                is_fragment(text, entities) or points_at_shown(text, entities)):
            frame = current_frame(tracker)
            if frame is not None and frame.intent != CLARIFY:
                return await self.follow_up(dispatcher, tracker, customer_id, frame, values) + cleared
        page = values.page if self.asked_directly(tracker) else 0
        return await self.answer(dispatcher, tracker, customer_id, self.query(tracker), values, page=page) + cleared

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str, query: Query,
        values: MessageValues = MessageValues(), *, intent: Optional[str] = None, page: int = 0,
    ) -> List[Dict[Text, Any]]:
        intent = intent or self.intent
        each = values.each()
        if each is not None:
            reply = await reply_for_each(intent, customer_id, query, *each)
        else:
            if self.connects_unlinked and query.institution and not await linked(customer_id, query.institution):
                dispatcher.utter_message(
                    text=f"{josa(query.institution, '은')} 아직 연결되지 않았어요. 먼저 연결하면 바로 답변드릴게요."
                )
                return start_connect_flow(query.institution, {"intent": intent, "query": query.to_entities()})
            reply = await reply_for(intent, customer_id, query, page)
        send(dispatcher, reply)
        return remember(intent, query, page, reply, each)

    async def follow_up(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str, frame: Frame,
        values: MessageValues,
    ) -> List[Dict[Text, Any]]:
        """Answers a message read against the last answer's frame."""
        text = tracker.latest_message.get("text") or ""
        change = follow_up_change(values, text)
        if frame.intent == "loan_eligibility":  # `금액 2천으로`: the loan's own reading of amounts and terms
            change = {**{k: v for k, v in change.items() if k not in ("amount", "period_start", "period_end")},
                      **loan_change(text, tracker.latest_message.get("entities") or [])}
        resolution = resolve(frame, text, change)
        if isinstance(resolution, Refine):
            query = Query.from_entities(resolution.entities)
            each = resolution.entities.get(EACH)
            if values.each() is None and isinstance(each, list) and len(each) == 2 and isinstance(each[1], list):
                values = MessageValues({each[0]: tuple(each[1])})
            return await self.answer(dispatcher, tracker, customer_id, query, values, intent=resolution.intent,
                                     page=resolution.page)
        one_category = frame.intent == "spending_summary" and bool(frame.entities.get("category"))
        if isinstance(resolution, Pick) and resolution.extreme and (frame.intent == "search_transactions"
                                                                   or one_category):
            # the largest of a search, or of one category's spending, is a payment of it, not a line shown
            searched = Frame("search_transactions", frame.entities, () if one_category else frame.items)
            largest = resolution.extreme == "largest"
            item = await asyncio.to_thread(extreme_transaction, context_for(customer_id),
                                           Query.from_entities(searched.entities), largest)
            if item is not None:
                items = searched.items if item in searched.items else (searched.items + (item,))[-MAX_ITEMS:]
                send(dispatcher, extreme_reply(item, largest, resolution.ask))
                focused = Frame(searched.intent, searched.entities, tuple(items), list(items).index(item))
                return [SlotSet(SLOT, focused.to_slot())]
        if isinstance(resolution, Pick):
            picked = frame.items[resolution.index] if 0 <= resolution.index < len(frame.items) else {}
            follow = picked.get("follow")
            if resolution.ask == "detail" and isinstance(follow, dict) and follow.get("intent") in INTENT_HANDLERS:
                query = Query.from_entities(follow.get("entities") or {})
                return await self.answer(dispatcher, tracker, customer_id, query, intent=follow["intent"])
            send(dispatcher, picked_reply(frame, resolution.index, resolution.ask))
            if picked:
                return [SlotSet(SLOT, Frame(frame.intent, frame.entities, frame.items, resolution.index).to_slot())]
            return []
        if isinstance(resolution, Explain):
            reply = await asyncio.to_thread(explained, frame, resolution.kind, context_for(customer_id))
            send(dispatcher, reply or not_understood_reply(frame))
            return []
        send(dispatcher, no_context_reply(change) if resolution.reason == "no_frame" else not_understood_reply(frame))
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
        problems = message_values(tracker.latest_message).problems
        if problems:
            dispatcher.utter_message(text=problem_text(problems))
            return [FollowupAction("action_listen")]
        return [SlotSet(slot, value) for slot, value in self.slots(self.query_of(tracker)).items()]

    def query_of(self, tracker: Tracker) -> Query:
        return query_from_message(tracker.latest_message)


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
