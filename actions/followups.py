"""Follow-ups: a fragment, an answer with nothing asked, or a reference to the last answer."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import authenticated_customer, send
from actions.personal import ANSWERED_ALONE, PersonalAnswerAction
from actions.reading import current_frame, follow_up_change, message_values
from bot.assistant import Query
from bot.assistant.followup import no_context_reply
from bot.conversation.frame import CLARIFY, SLOT, Frame, is_fragment, runner_up
from bot.conversation.message import MessageValues, problem_text


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
            text, entities = message.get("text") or "", message.get("entities") or []
            asked = None if is_fragment(text, entities) else runner_up(message.get("intent_ranking") or [],
                                                                        ANSWERED_ALONE)
            if asked is not None:  # a whole question with nothing to follow: its likeliest own meaning
                return await self.answer_as(dispatcher, tracker, asked, values)
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

    async def answer_as(self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str,
                        values: MessageValues) -> List[Dict[Text, Any]]:
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return []
        if values.problems:
            dispatcher.utter_message(text=problem_text(values.problems))
            return []
        query = Query.from_entities(values.first(), text=tracker.latest_message.get("text") or "")
        return await self.answer(dispatcher, tracker, customer_id, query, values, intent=intent)


def names_only_values_after_answer(tracker: Tracker) -> bool:
    """`아니 지지난달`, `아니 쇼핑만`: only values right after an answer, which a follow-up reads against
    that answer, whatever intent (no, cancel, none) the NLU gave the message."""
    frame, message = current_frame(tracker), tracker.latest_message
    return frame is not None and frame.intent != CLARIFY and is_fragment(
        message.get("text") or "", message.get("entities") or []
    )


class ActionNoWithNothingAsked(ActionFollowUp):
    """A no with nothing asked. Naming only a value after an answer (`아니 지지난달`, `아니 쇼핑만`) it
    corrects that answer, as `correct` does; a bare no (`아니 괜찮아`) is only acknowledged."""

    reply = "utter_anything_else"

    def name(self) -> Text:
        return "action_no_with_nothing_asked"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if names_only_values_after_answer(tracker):
            return await super().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response=self.reply)
        return []


class ActionCancelWithNothingGoingOn(ActionNoWithNothingAsked):
    """`취소` with nothing going on says so; `아니 쇼핑만`, read as a cancel, corrects the last answer."""

    reply = "utter_nothing_to_cancel"

    def name(self) -> Text:
        return "action_cancel_with_nothing_going_on"
