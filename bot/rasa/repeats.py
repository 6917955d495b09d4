"""A message delivered twice is answered once: the client's `message_id` makes a retry safe (issue #15).

A REST client that timed out sends the message again with the same `message_id`. Rasa would run
the turn a second time (a form answered twice, an action called twice) and store a second user
event. Here the repeat is recognised where Rasa is about to record the user message: under the
conversation's lock, on the tracker it has just read from the tracker store. If that tracker
holds a user event with the same id, the turn already happened: nothing is analysed, run or
stored, and the delivery is answered with the replies that turn gave (its bot messages, up to the
`action_listen` that ended it), so the client sees the same answer.

- Across replicas: the tracker store (PostgreSQL) and the lock store (Redis) are shared, so a
  repeat that reaches another replica is recognised the same way; no process keeps anything.
- A repeat of a turn still running waits behind the conversation's lock, then finds the turn
  stored. Rasa bounds that wait by the lock's lifetime (`TICKET_LOCK_LIFETIME`: 60 s, 20 s in the
  scale-out mode): a first delivery still running after that is given up, as for any message
  waiting on the lock, and the repeat runs the turn.
- A turn that failed was not stored (`bot.rasa.tracker_store.fail_loudly`), so its repeat runs.
- The same id with another text or another customer is a client error, not a repeat:
  `MessageIdReused` (the REST channel answers 409). A repeat never shows a turn's answer to
  someone else: the customer comes from the repeat's own verified token.
- Scope: one conversation (sender id), since its session started (what the tracker store reads).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot.auth.identity import CUSTOMER_KEY, identity_of
from bot.redaction import redact

logger = logging.getLogger(__name__)


class MessageIdReused(Exception):
    """The id names a stored message of this conversation with another text or another customer."""


class AlreadyAnswered(Exception):
    """Raised where Rasa would record a repeated user message; carries the stored turn's replies."""

    def __init__(self, replies: List[Dict[str, Any]]) -> None:
        super().__init__("this message_id was answered already")
        self.replies = replies


def customer_of(metadata: Optional[Mapping[str, Any]]) -> Optional[str]:
    return identity_of(metadata).get(CUSTOMER_KEY)


def stored_replies(events: Iterable[Any], message_id: str, text: str,
                   metadata: Optional[Mapping[str, Any]]) -> Optional[List[Dict[str, Any]]]:
    """The replies of the stored turn whose user message has `message_id`, or None when there is none.

    `text` is compared as the tracker store keeps it (token-shaped strings redacted), the customer
    as the channel verified it (`bot.auth.identity`); a difference raises `MessageIdReused`.
    """
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    replies: Optional[List[Dict[str, Any]]] = None
    for event in events:
        if replies is None:
            if isinstance(event, UserUttered) and event.message_id == message_id:
                same_text = redact(event.text or "") == redact(text or "")
                if not same_text or customer_of(event.metadata) != customer_of(metadata):
                    raise MessageIdReused(f"message_id {message_id} was already used in this conversation "
                                          "for another message or customer")
                replies = []
        elif isinstance(event, BotUttered):
            replies.append(event.message())
        elif isinstance(event, UserUttered) or (
                isinstance(event, ActionExecuted) and event.action_name == ACTION_LISTEN_NAME):
            break
    return replies


async def record_unless_repeated(self: Any, message: Any, tracker: Any) -> None:
    """`MessageProcessor._handle_message_with_tracker`, which records the user message, unless it is a
    repeat."""
    replies = stored_replies(tracker.events, message.message_id, message.text, message.metadata)
    if replies is not None:
        raise AlreadyAnswered(replies)
    await _original_record(self, message, tracker)


async def handle_message(self: Any, message: Any) -> Optional[List[Dict[str, Any]]]:
    """`MessageProcessor.handle_message`; a repeat gets the stored turn's replies and changes nothing."""
    from rasa.core.channels.channel import CollectingOutputChannel

    try:
        return await _original_handle(self, message)
    except AlreadyAnswered as answered:
        output = message.output_channel
        collecting = isinstance(output, CollectingOutputChannel)
        if collecting:  # a session start run before the repeat was seen is not stored either
            output.messages.clear()
        for reply in answered.replies:
            await output.send_response(message.sender_id, dict(reply))
        logger.info("message_id %s was answered already: sent its %d replies again", message.message_id,
                    len(answered.replies))
        return output.messages if collecting else None


_original_handle: Any = None
_original_record: Any = None


def install_repeat_answers() -> None:
    global _original_handle, _original_record
    from rasa.core.processor import MessageProcessor

    if _original_handle is None:
        _original_handle = MessageProcessor.handle_message
        _original_record = MessageProcessor._handle_message_with_tracker
        MessageProcessor.handle_message = handle_message
        MessageProcessor._handle_message_with_tracker = record_unless_repeated
