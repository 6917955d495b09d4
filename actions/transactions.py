"""Transaction search: answered at once when the period is known, asked for when not."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import FormStartAction, PersonalAnswerAction
from bot.assistant import Query


class ActionStartTransactionSearch(FormStartAction):
    """Keeps what the question already said, so the form asks only for the rest."""

    form_slots_name = "action_start_transaction_search"

    def slots(self, query: Query) -> Dict[Text, Any]:
        period = f"{query.period[0].isoformat()}/{query.period[1].isoformat()}" if query.period else None
        return {"search_query": query.to_entities(), "search_period": period}


class ValidateTransactionSearchForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_transaction_search_form"

    def validate_search_period(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> Dict[Text, Any]:
        if isinstance(value, str) and "/" in value:
            return {"search_period": value}
        dispatcher.utter_message(text="기간을 이해하지 못했어요. '지난달', '최근 3개월', '3월'처럼 말씀해 주세요.")
        return {"search_period": None}


class ActionSearchTransactions(PersonalAnswerAction):
    """Transactions by period, merchant, category and amount range."""

    intent = "search_transactions"
    slots_to_clear = ("search_query", "search_period")

    def query(self, tracker: Tracker) -> Query:
        entities = dict(tracker.get_slot("search_query") or {})
        period = tracker.get_slot("search_period")
        if period:
            entities["period_start"], entities["period_end"] = period.split("/", 1)
        return Query.from_entities(entities, text=tracker.latest_message.get("text") or "")
