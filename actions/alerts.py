"""The alert inbox and the sync cycle in chat (bot/insights/chat.py says what)."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import authenticated_customer, store
from bot.auth.identity import CUSTOMER_KEY, identity_of
from bot.insights.chat import (
    Message,
    change_cycle,
    change_preferences,
    cycle_days_from_text,
    greeting_news,
    show_alerts,
)
from bot.korean.calendar import now_kst


def _say(dispatcher: CollectingDispatcher, messages: List[Message]) -> None:
    for message in messages:
        if message.buttons:
            dispatcher.utter_message(text=message.text, buttons=message.buttons)
        else:
            dispatcher.utter_message(text=message.text)


class ActionShowAlerts(Action):
    """"알림 보여줘": unread alerts, most important first, each with its button."""

    def name(self) -> Text:
        return "action_show_alerts"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is not None:
            _say(dispatcher, await asyncio.to_thread(show_alerts, store(), customer_id, now_kst()))
        return []


class ActionSetSyncCycle(Action):
    """"매일 업데이트해줘": the customer's MyData transmission cycle."""

    def name(self) -> Text:
        return "action_set_sync_cycle"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return []
        days = next((e.get("value") for e in tracker.latest_message.get("entities") or []
                     if e.get("entity") == "sync_cycle_days"), None)
        try:
            days = (
                int(days)
                if days is not None
                else cycle_days_from_text(tracker.latest_message.get("text") or "")
            )
        except (TypeError, ValueError):
            days = None
        message = await asyncio.to_thread(change_cycle, store(), customer_id, days, now_kst())
        _say(dispatcher, [message])
        return []


class ActionAlertPreferences(Action):
    """"카드값 알림 꺼줘" / "지출 알림 켜줘": which kinds of alert the customer receives."""

    def name(self) -> Text:
        return "action_alert_preferences"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is not None:
            text = tracker.latest_message.get("text") or ""
            _say(
                dispatcher,
                [await asyncio.to_thread(change_preferences, store(), customer_id, text, now_kst())],
            )
        return []


class ActionGreet(Action):
    """The greeting; a signed-in customer with unread alerts hears "새 알림 N건" right after it."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_greet")
        customer_id = identity_of(tracker.latest_message.get("metadata")).get(CUSTOMER_KEY)
        if customer_id is not None:  # no login refusal in a greeting
            news = await asyncio.to_thread(greeting_news, store(), customer_id)
            if news is not None:
                _say(dispatcher, [news])
        return []


ALERT_ACTIONS: Dict[str, Type[Action]] = {
    "show_alerts": ActionShowAlerts,
    "set_sync_cycle": ActionSetSyncCycle,
    "alert_preferences": ActionAlertPreferences,
}
