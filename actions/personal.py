"""The base of every action that answers a personal question (`bot.assistant`) for the verified customer."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.consent import start_connect_flow
from actions.context import authenticated_customer, context_for, linked, reply_for, reply_for_each, send
from actions.reading import (
    clarified_query,
    current_frame,
    follow_up_change,
    intent_name,
    message_values,
    query_from_message,
)
from bot.assistant import INTENT_HANDLERS, Query, Reply
from bot.assistant.followup import (
    explained,
    extreme_reply,
    no_context_reply,
    not_understood_reply,
    picked_reply,
)
from bot.assistant.reply import not_linked_words, with_two_periods
from bot.assistant.spending import extreme_transaction
from bot.conversation.form_values import loan_change
from bot.conversation.frame import (
    CLARIFY,
    EACH,
    MAX_ITEMS,
    SLOT,
    Explain,
    Frame,
    Pick,
    Refine,
    asks_total,
    is_fragment,
    points_at_shown,
    resolve,
    several_values,
)
from bot.conversation.message import MessageValues, problem_text
from bot.conversation.questions import Question, two_questions

# Answered by one action, not a form: what a question read as a follow-up, or one of two, may be.
ANSWERED_ALONE = frozenset(INTENT_HANDLERS) - {"loan_eligibility", "search_transactions"}


def answered_alone_pair(text: str, entities: List[Dict[Text, Any]]) -> Optional[List[Question]]:
    """The two questions of one message (bot.conversation.questions) when an action answers each alone."""
    both = two_questions(text, entities)
    return both if both is not None and all(q.intent in ANSWERED_ALONE for q in both) else None


def remember(intent: str, query: Query, page: int, reply: Reply, each=None) -> List[Dict[Text, Any]]:
    """The frame a follow-up builds on: this answer's intent, query (with the several values
    named, if any) and the items it showed."""
    entities = {**query.to_entities(), **({"page": page} if page else {}),
                **({EACH: [each[0], list(each[1])]} if each else {})}
    return [SlotSet(SLOT, Frame(intent, entities, tuple(reply.items)).to_slot())]


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
        return intent_name(tracker.latest_message) == self.intent

    def values(self, tracker: Tracker) -> MessageValues:
        return message_values(tracker.latest_message) if self.asked_directly(tracker) else MessageValues()

    def query(self, tracker: Tracker) -> Query:
        values = self.values(tracker)
        query = Query.from_entities(values.first(), text=tracker.latest_message.get("text") or "")
        return with_two_periods(query, self.intent, values.values.get("period", ()))

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
        asked_alone = self.asked_directly(tracker) and values.each() is None
        both = answered_alone_pair(text, entities) if asked_alone else None
        if both is not None:
            return await self.answer_both(dispatcher, customer_id, both) + cleared
        clarified = clarified_query(tracker, values) if self.asked_directly(tracker) else None
        if clarified is not None:
            return await self.answer(dispatcher, tracker, customer_id, clarified, values) + cleared
        if self.reads_fragments and self.asked_directly(tracker):
            frame = current_frame(tracker)
            follows = (is_fragment(text, entities) or points_at_shown(text, entities)
                       or asks_total(frame, text))
            if frame is not None and frame.intent != CLARIFY and follows:
                return await self.follow_up(dispatcher, tracker, customer_id, frame, values) + cleared
        page = values.page if self.asked_directly(tracker) else 0
        return (
            await self.answer(dispatcher, tracker, customer_id, self.query(tracker), values, page=page)
            + cleared
        )

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str, query: Query,
        values: MessageValues = MessageValues(), *, intent: Optional[str] = None, page: int = 0,
    ) -> List[Dict[Text, Any]]:
        intent = intent or self.intent
        each = values.each()
        if each is not None:
            reply = await reply_for_each(intent, customer_id, query, *each)
        else:
            if (
                self.connects_unlinked
                and query.institution
                and not await linked(customer_id, query.institution)
            ):
                dispatcher.utter_message(
                    text=f"{not_linked_words(query.institution)} 먼저 연결하면 바로 답변드릴게요."
                )
                return start_connect_flow(query.institution, {"intent": intent, "query": query.to_entities()})
            reply = await reply_for(intent, customer_id, query, page)
        send(dispatcher, reply)
        return remember(intent, query, page, reply, each)

    async def answer_both(
        self, dispatcher: CollectingDispatcher, customer_id: str, questions: List[Question]
    ) -> List[Dict[Text, Any]]:
        """`잔액이랑 이번 달 지출 알려줘`: each question answered as if asked alone, in the order asked; a
        follow-up then builds on the second."""
        events: List[Dict[Text, Any]] = []
        for question in questions:
            query = query_from_message({"text": question.text, "entities": question.entities})
            reply = await reply_for(question.intent, customer_id, query)
            send(dispatcher, reply)
            events = remember(question.intent, query, 0, reply)
        return events

    async def follow_up(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str, frame: Frame,
        values: MessageValues,
    ) -> List[Dict[Text, Any]]:
        """Answers a message read against the last answer's frame."""
        text = tracker.latest_message.get("text") or ""
        change = follow_up_change(values, text)
        if frame.intent == "loan_eligibility":  # `금액 2천으로`: the loan's own reading of amounts and terms
            change = {
                **{k: v for k, v in change.items() if k not in ("amount", "period_start", "period_end")},
                **loan_change(text, tracker.latest_message.get("entities") or []),
            }
        resolution = resolve(frame, text, change)
        if isinstance(resolution, Refine):
            query = Query.from_entities(resolution.entities)
            several = several_values(resolution.entities)
            if values.each() is None and several is not None:
                values = MessageValues({several[0]: tuple(several[1])})
            return await self.answer(
                dispatcher,
                tracker,
                customer_id,
                query,
                values,
                intent=resolution.intent,
                page=resolution.page,
            )
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
            if (
                resolution.ask == "detail"
                and isinstance(follow, dict)
                and follow.get("intent") in INTENT_HANDLERS
            ):
                query = Query.from_entities(follow.get("entities") or {})
                return await self.answer(dispatcher, tracker, customer_id, query, intent=follow["intent"])
            send(dispatcher, picked_reply(frame, resolution.index, resolution.ask))
            if picked:
                return [
                    SlotSet(
                        SLOT, Frame(frame.intent, frame.entities, frame.items, resolution.index).to_slot()
                    )
                ]
            return []
        if isinstance(resolution, Explain):
            reply = await asyncio.to_thread(explained, frame, resolution.kind, context_for(customer_id))
            send(dispatcher, reply or not_understood_reply(frame))
            return []
        send(
            dispatcher,
            no_context_reply(change) if resolution.reason == "no_frame" else not_understood_reply(frame),
        )
        return []
