"""Transaction search: answered at once when the period is known, asked for when not."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions.followups import ActionFollowUp
from actions.forms import FormStartAction
from actions.personal import PersonalAnswerAction
from actions.reading import clarified_query, current_frame, follow_up_change, message_values
from actions.repair import RepairingFormValidation
from bot.assistant import Query
from bot.assistant.reply import with_two_periods
from bot.conversation.frame import CLARIFY, is_fragment, points_at_shown, refined
from bot.conversation.message import MessageValues
from bot.korean.calendar import DateRange

EACH_KEY = "each"  # several values of one entity ("배민이랑 쿠팡이츠"), kept through the form


class ActionStartTransactionSearch(FormStartAction):
    """Keeps what the question already said, so the form asks only for the rest. A fragment
    right after another answer ("카페는?") keeps that answer's other parameters."""

    action_name = "action_start_transaction_search"

    def slots(self, query: Query) -> Dict[Text, Any]:
        """The period goes to the form's slot (as Rasa carries it), the rest of the question to
        search_query."""
        return {"search_query": replace(query, period=None).to_entities(),
                "search_period": query.period.text if query.period else None}

    def query_of(self, tracker: Tracker) -> Query:
        message = tracker.latest_message
        text = message.get("text") or ""
        values = message_values(message)
        clarified = clarified_query(tracker, values)
        if clarified is not None:
            return clarified
        frame = current_frame(tracker) if is_fragment(text, message.get("entities") or []) else None
        if frame is None or frame.intent == CLARIFY:  # `9월하고 10월 거래내역`: both months
            query = Query.from_entities(values.first(), text=text)
            return with_two_periods(query, "search_transactions", values.values.get("period", ()))
        return Query.from_entities(refined(frame, follow_up_change(values, text), text))

    async def run(self, dispatcher, tracker, domain):
        message = tracker.latest_message
        text, entities = message.get("text") or "", message.get("entities") or []
        if is_fragment(text, entities) or points_at_shown(text, entities):
            frame = current_frame(tracker)
            if frame is not None and (
                frame.intent != "search_transactions" or points_at_shown(text, entities)
            ):
                # "카페는?" after a spending summary asks that summary again, not for a search form;
                # "제일 큰 거" after a search is about that search's result
                return await ActionFollowUp().run(dispatcher, tracker, domain) + [
                    FollowupAction("action_listen")
                ]
        events = await super().run(dispatcher, tracker, domain)
        each = message_values(tracker.latest_message).each()
        if each is None:
            return events
        return [e if e.get("name") != "search_query" else {**e, "value": {**e["value"], EACH_KEY: list(each)}}
                for e in events]


SUBJECT = ("merchant", "category", "institution", "account_type", "amount")


class ValidateTransactionSearchForm(RepairingFormValidation):
    """An answer to "언제 내역을 찾아드릴까요?" that also names what to find (`지난달 쇼핑 내역`, after a
    restart or a change of mind) restates the search: what it names replaces the subject asked before."""

    def name(self) -> Text:
        return "validate_transaction_search_form"

    async def take_turn(self, form, requested, dispatcher, tracker):
        events = await super().take_turn(form, requested, dispatcher, tracker)
        if not any(e.get("name") == "search_period" and e.get("value") for e in events):
            return events
        named = {k: v for k, v in message_values(tracker.latest_message).first().items() if k in SUBJECT}
        if not named:
            return events
        kept = {
            k: v
            for k, v in (tracker.get_slot("search_query") or {}).items()
            if k not in SUBJECT + (EACH_KEY,)
        }
        query = {**kept, **named, "query_text": tracker.latest_message.get("text") or ""}
        return events + [SlotSet("search_query", query)]


class ActionSearchTransactions(PersonalAnswerAction):
    """Transactions by period, merchant, category and amount range."""

    intent = "search_transactions"
    slots_to_clear = ("search_query", "search_period")

    reads_fragments = False  # ActionStartTransactionSearch did

    def values(self, tracker: Tracker) -> MessageValues:
        asked = super().values(tracker)
        each = (tracker.get_slot("search_query") or {}).get(EACH_KEY)
        named = (
            {each[0]: tuple(each[1])}
            if isinstance(each, list) and len(each) == 2 and isinstance(each[1], list)
            else {}
        )
        return MessageValues(named, asked.page, asked.problems)

    def query(self, tracker: Tracker) -> Query:
        asked = Query.from_entities(tracker.get_slot("search_query") or {},
                                    text=tracker.latest_message.get("text") or "")
        return replace(asked, period=DateRange.parse(tracker.get_slot("search_period")))
