"""The alert inbox, alert settings, the sync cycle and "새로고침" in chat (bot/insights/chat.py
says what)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text, Type

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import authenticated_customer, store
from bot.auth.identity import CUSTOMER_KEY, identity_of
from bot.delivery.rounds import detect_and_deliver
from bot.insights.chat import (
    Message,
    after_refresh,
    change_cycle,
    change_preferences,
    cycle_days_from_text,
    greeting_news,
    show_alerts,
)
from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import now_kst
from bot.mydata import service
from bot.mydata.errors import MyDataError

logger = logging.getLogger(__name__)
SETTINGS_LOOKBACK = 5  # user messages back that "다시 켜줘" may refer to


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


def earlier_settings(tracker: Tracker) -> List[str]:
    """The customer's alert-settings messages among the few before this one in the session, newest
    first: what a bare "다시 켜줘" refers to."""
    texts: List[str] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started" or users > SETTINGS_LOOKBACK:
            break
        if event.get("event") != "user":
            continue
        users += 1
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if users > 1 and intent == "alert_preferences" and isinstance(event.get("text"), str):
            texts.append(event["text"])
    return texts


class ActionAlertPreferences(Action):
    """"카드값 알림 꺼줘" / "지출 알림 켜줘" / "알림 밤에는 보내지 마" / "다시 켜줘": which kinds of
    alert the customer receives, and when."""

    def name(self) -> Text:
        return "action_alert_preferences"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is not None:
            text = tracker.latest_message.get("text") or ""
            _say(
                dispatcher,
                [
                    await asyncio.to_thread(
                        change_preferences, store(), customer_id, text, now_kst(), earlier_settings(tracker)
                    )
                ],
            )
        return []


async def watch_after_sync(customer_id: str, now) -> List[int]:
    """The detectors and delivery after a sync the customer started in chat; their failure is
    logged and leaves the answer about the sync itself standing."""
    try:
        return await asyncio.to_thread(detect_and_deliver, store(), customer_id, now)
    except Exception as error:  # noqa: BLE001 - the sync itself succeeded; the alerts come next round
        logger.warning("detectors after a chat sync failed: %s", type(error).__name__)
        return []


class ActionRefreshData(Action):
    """"새로고침": every linked institution synced now, then the detectors and delivery, as after a
    scheduled sync."""

    def name(self) -> Text:
        return "action_refresh_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        customer_id = authenticated_customer(tracker, dispatcher)
        if customer_id is None:
            return []
        now = now_kst()
        try:
            result = await service.refresh_customer(customer_id, now=now)
        except MyDataError as error:
            logger.warning("refresh failed: %s", type(error).__name__)
            dispatcher.utter_message(text="지금은 정보를 새로 받아올 수 없어요. 잠시 후 다시 시도해 주세요.")
            return []
        new = await watch_after_sync(customer_id, now)
        names = load_lexicon().by_org
        named = [
            (names[r.org_code].name if r.org_code in names else r.org_code, r.ok) for r in result.institutions
        ]
        _say(
            dispatcher,
            [after_refresh([n for n, ok in named if ok], [n for n, ok in named if not ok], len(new))],
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
    "refresh_data": ActionRefreshData,
}
