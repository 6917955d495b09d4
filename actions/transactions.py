"""Transaction search: answered at once when the period is known, asked for when not."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker

from actions.common import FormStartAction, PersonalAnswerAction
from actions.repair import RepairingFormValidation
from bot.assistant import Query


class ActionStartTransactionSearch(FormStartAction):
    """Keeps what the question already said, so the form asks only for the rest."""

    form_slots_name = "action_start_transaction_search"

    def slots(self, query: Query) -> Dict[Text, Any]:
        period = f"{query.period[0].isoformat()}/{query.period[1].isoformat()}" if query.period else None
        return {"search_query": query.to_entities(), "search_period": period}


class ValidateTransactionSearchForm(RepairingFormValidation):
    def name(self) -> Text:
        return "validate_transaction_search_form"


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
