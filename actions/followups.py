"""Follow-ups: a fragment, an answer with nothing asked, or a reference to the last answer."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (PersonalAnswerAction, authenticated_customer, current_frame, follow_up_change,
                            message_values, send)
from bot.assistant.followup import no_context_reply
from bot.conversation.frame import CLARIFY, SLOT, Frame
from bot.conversation.message import problem_text


class ActionFollowUp(PersonalAnswerAction):
    """Reads the message against the last personal answer's frame; with no frame, asks what it
    refers to (with buttons built from what it named), before asking anyone to log in."""

    intent = "follow_up"

    def asked_directly(self, tracker: Tracker) -> bool:
        return True

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message
        values = message_values(message)
        frame = current_frame(tracker)
        if frame is None or frame.intent == CLARIFY:
            change = follow_up_change(values, message.get("text") or "")
            if (not change and (message.get("intent") or {}).get("name") == "inform") or \
                    (message.get("intent") or {}).get("name") == "correct":
                dispatcher.utter_message(response="utter_inform_without_question")
                return []
            send(dispatcher, no_context_reply(change))
            return [SlotSet(SLOT, Frame(CLARIFY, change).to_slot())] if change else []
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return []
        if values.problems:
            dispatcher.utter_message(text=problem_text(values.problems))
            return []
        return await self.follow_up(dispatcher, tracker, customer_id, frame, values)
