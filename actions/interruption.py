"""A question asked in the middle of a form is answered; the form then goes on."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.alerts import ALERT_ACTIONS
from actions.context import authenticated_customer, reply_for, send
from actions.reading import query_from_message
from actions.repair import ActionFormRepair, is_guess
from bot.assistant import INTENT_HANDLERS

ANSWERED_IN_PLACE = set(INTENT_HANDLERS) - {"loan_eligibility", "search_transactions"}


class ActionAnswerInterruption(Action):
    """A question of its own or a FAQ in the middle of a form. A reading the NLU
    is unsure of is no question: answering the guess (`오래` read as the dormant
    account FAQ at 0.52, asked how long to consent) would put a wrong answer in
    the middle of the form, so the form's repair takes it like any unusable
    answer, and it counts towards leaving the form."""

    def name(self) -> Text:
        return "action_answer_interruption"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if is_guess(tracker):
            return await ActionFormRepair().run(dispatcher, tracker, domain)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "faq":
            topic = ((tracker.latest_message.get("response_selector") or {}).get("faq") or {}).get(
                "response", {}
            )
            key = topic.get("intent_response_key")
            if key:
                dispatcher.utter_message(response=f"utter_{key}")
            return []
        if intent in ALERT_ACTIONS:  # "알림 보여줘" in the middle of a form
            return await ALERT_ACTIONS[intent]().run(dispatcher, tracker, domain)
        if intent not in ANSWERED_IN_PLACE:
            return []
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return []
        send(dispatcher, await reply_for(intent, customer_id, query_from_message(tracker.latest_message)))
        return []
