"""What the latest message asks: its checked values, and what it adds to the last answer's frame."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker

from bot.assistant import Query
from bot.assistant.reply import period_entities
from bot.conversation.frame import CLARIFY, SLOT, Frame, alive, rewrite_period_words
from bot.conversation.message import MessageValues, read_entities
from bot.korean.calendar import now_kst
from bot.nlp.period import parse_period


def message_values(message: Dict[Text, Any]) -> MessageValues:
    """Every checked value of each entity in the message (`bot.conversation.message`).

    Button payloads (`/intent{"merchant": "스타벅스", "page": 1}`) arrive as entities too, so the
    same code reads a typed question and a 더 보기 click.
    """
    return read_entities(message.get("entities") or [], message.get("text") or "")


def query_from_message(message: Dict[Text, Any]) -> Query:
    """The first usable value of each entity in the message, as a `Query`."""
    return Query.from_entities(message_values(message).first(), text=message.get("text") or "")


def intent_name(message: Dict[Text, Any]) -> Optional[str]:
    return (message.get("intent") or {}).get("name")


def current_frame(tracker: Tracker) -> Optional[Frame]:
    """The last personal answer's frame, unless a clearly new topic came up after it."""
    frame = Frame.from_slot(tracker.get_slot(SLOT))
    if frame is None:
        return None
    since: List[str] = []
    current_seen = False
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == SLOT:
            break
        if event.get("event") == "user":
            if current_seen:
                since.append(intent_name(event.get("parse_data") or {}) or "")
            current_seen = True
    return alive(frame, since)


def clarified_query(tracker: Tracker, values: MessageValues) -> Optional[Query]:
    """The question that answers "what did you mean?" after a follow-up with no context: a message naming
    nothing of its own (`지출`) gets what that follow-up named (`지난달`)."""
    frame = current_frame(tracker)
    if frame is None or frame.intent != CLARIFY or values.first():
        return None
    return Query.from_entities(frame.entities, text=tracker.latest_message.get("text") or "")


def follow_up_change(values: MessageValues, text: str) -> Dict[str, Any]:
    """The parameters a follow-up names, as the frame's entities write them (JSON)."""
    change = dict(values.first())
    period = change.pop("period", None)
    if period is None:
        found = parse_period(rewrite_period_words(text), now_kst().date())
        period = found.dates if found is not None else None
    if period is not None:
        change.update(period_entities(period))
    return change
