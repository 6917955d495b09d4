"""A question asked in the middle of a form is answered; the form then goes on."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.alerts import ALERT_ACTIONS
from actions.context import authenticated_customer, reply_for, send
from actions.reading import query_from_message
from bot.assistant import INTENT_HANDLERS

ANSWERED_IN_PLACE = set(INTENT_HANDLERS) - {"loan_eligibility", "search_transactions"}


class ActionAnswerInterruption(Action):
    def name(self) -> Text:
        return "action_answer_interruption"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent in ALERT_ACTIONS:  # "알림 보여줘" in the middle of a form
            return await ALERT_ACTIONS[intent]().run(dispatcher, tracker, domain)
        if intent not in ANSWERED_IN_PLACE:
            return []
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return []
        send(dispatcher, await reply_for(intent, customer_id, query_from_message(tracker.latest_message)))
        return []
