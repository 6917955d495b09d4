"""Our REST channel at Rasa's path (`POST /webhooks/rest/webhook`), with every input bounded.

Body: a JSON object `{"sender": str, "message": str, "metadata": {"customer_token": str}, "message_id": str}`.
- not JSON, not an object, `sender` or `message` missing, empty or not a string,
  `metadata` not an object: 400 `{"error": code, "detail": why}`
- body over 64 KB: 413; a message over 1,000 characters: the Korean "too long"
  reply, without running NLU (bot.channels.bounds)
- the metadata Rasa sees is `verified_identity(customer_token)` only: no token and
  no key of the client's reaches the tracker or the actions
- a turn that produced no reply gets a Korean "please say it again", never a silent 200
- a turn that failed gets 503 and a Korean apology, so the client sends it again
- `message_id` (optional, 1-64 of `A-Za-z0-9._:-`) is kept on the stored user event; the same
  id sent again in the conversation gets the first delivery's replies without running the turn
  again (bot.rasa.repeats), or 409 `message_id_reused` when it came with another text or customer
"""
from __future__ import annotations

import json
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.auth.identity import verified_identity
from bot.channels import bounds
from bot.rasa.repeats import MessageIdReused

logger = logging.getLogger(__name__)

TOKEN_KEY = "customer_token"


class BadRequest(Exception):
    def __init__(self, code: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status = code, detail, status


def read_body(raw: bytes) -> Dict[str, Any]:
    """The request body as a dict, or `BadRequest` saying what is wrong with it."""
    if bounds.body_too_large(len(raw)):
        raise BadRequest("body_too_large", f"the body must be at most {bounds.MAX_BODY_BYTES} bytes", 413)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("invalid_json", "the body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("not_an_object", "the body must be a JSON object")
    problem = bounds.sender_problem(body.get("sender"))
    if problem:
        raise BadRequest("bad_sender", problem)
    problem = bounds.message_problem(body.get("message"))
    if problem:
        raise BadRequest("bad_message", problem)
    problem = bounds.message_id_problem(body.get("message_id"))
    if problem:
        raise BadRequest("bad_message_id", problem)
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("bad_metadata", "metadata must be a JSON object")
    return body


def error(bad: BadRequest) -> HTTPResponse:
    return response.json({"error": bad.code, "detail": bad.detail}, status=bad.status)


class RestInput(InputChannel):
    """Replaces Rasa's `rest` channel (same name, so the same URL)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("bounded_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            declared = request.headers.get("content-length")
            if declared and declared.isdigit() and bounds.body_too_large(int(declared)):
                return error(
                    BadRequest(
                        "body_too_large", f"the body must be at most {bounds.MAX_BODY_BYTES} bytes", 413
                    )
                )
            try:
                body = read_body(request.body or b"")
            except BadRequest as bad:
                return error(bad)
            sender: str = body["sender"]
            text = bounds.clean_text(body["message"])
            if bounds.too_long(text):
                return response.json([{"recipient_id": sender, "text": bounds.TOO_LONG_TEXT}])
            metadata = body.get("metadata") or {}
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=self.name(),
                                metadata=verified_identity(metadata.get(TOKEN_KEY)),
                                message_id=body.get("message_id"))
                )
            except MessageIdReused as reused:
                return error(BadRequest("message_id_reused", str(reused), 409))
            except (CancelledError, Exception) as failure:  # noqa: BLE001 - an apology; the log gets the type
                logger.error("a REST message failed: %s", type(failure).__name__)
                # not answered and maybe not recorded: 503 tells the client that sending it again is safe
                return response.json([{"recipient_id": sender, "text": bounds.FAILED_TURN_TEXT}], status=503)
            replies = collector.messages or [{"recipient_id": sender, "text": bounds.NO_REPLY_TEXT}]
            return response.json(replies)

        return webhook
