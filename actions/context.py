"""Who is asking, and how an answer for them is made and sent.

The customer is the one the channel verified from a signed token
(`bot.auth.identity`), never the sender id or the text; only the Rasa server
can call this action server. Answers come from `bot.assistant` and run off
the event loop.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.assistant import INTENT_HANDLERS, AnswerContext, Query, Reply, answer, is_linked
from bot.assistant.multi import answer_each
from bot.auth.identity import AUTH_ERROR_KEY, CUSTOMER_KEY, identity_of
from bot.korean.calendar import now_kst
from bot.mydata.store.db import get_engine

logger = logging.getLogger(__name__)

REFUSALS = {
    "missing": "utter_login_required",
    "expired": "utter_login_expired",
    "invalid": "utter_login_invalid",
    "no_secret": "utter_service_unavailable",
}


def authenticated_customer(tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[str]:
    """The customer the channel verified (bot.auth.identity), or None after telling them why not."""
    identity = identity_of(tracker.latest_message.get("metadata"))
    if CUSTOMER_KEY in identity:
        return identity[CUSTOMER_KEY]
    reason = identity[AUTH_ERROR_KEY]
    logger.info("refused a personal request: %s", reason)
    dispatcher.utter_message(response=REFUSALS[reason])
    return None


@functools.lru_cache(maxsize=1)
def store():
    return get_engine()


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    kwargs: Dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        kwargs["buttons"] = list(reply.buttons)
    if reply.chart:
        kwargs["json_message"] = {"chart": reply.chart}
    dispatcher.utter_message(**kwargs)


def context_for(customer_id: str) -> AnswerContext:
    return AnswerContext(store(), customer_id, now=now_kst())


async def reply_for(intent: str, customer_id: str, query: Query, page: int = 0) -> Reply:
    return await asyncio.to_thread(answer, intent, context_for(customer_id), query, page=page)


async def reply_for_each(intent: str, customer_id: str, query: Query, name: str, values) -> Reply:
    return await asyncio.to_thread(
        answer_each, INTENT_HANDLERS[intent], intent, context_for(customer_id), query, name, values
    )


async def linked(customer_id: str, institution: str) -> bool:
    return await asyncio.to_thread(is_linked, store(), customer_id, institution, now_kst())
