"""The bases of the actions around a form: starting it with what the question said, and asking for a slot."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import authenticated_customer
from actions.reading import message_values, query_from_message
from bot.assistant import Query
from bot.conversation.message import problem_text


class FormStartAction(Action):
    """Starts a form with what the question already said, for a verified customer only."""

    action_name: Text = ""

    def name(self) -> Text:
        return self.action_name

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
