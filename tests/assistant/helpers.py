"""Reading replies the way the chat would: following 더 보기 buttons, parsing payloads."""
from __future__ import annotations

import json

from bot.assistant import INTENT_HANDLERS, Query
from bot.assistant.reply import MORE_TITLE


def parse_payload(payload: str) -> tuple[str, dict]:
    """"/intent{json}" → (intent, entities)."""
    assert payload.startswith("/"), payload
    brace = payload.find("{")
    if brace < 0:
        return payload[1:], {}
    return payload[1:brace], json.loads(payload[brace:])


def more_payload(reply) -> str | None:
    return next((b["payload"] for b in reply.buttons if b["title"] == MORE_TITLE), None)


def all_pages(function, ctx, query: Query = Query(), limit: int = 60) -> list:
    """The first reply and every page reached through its 더 보기 buttons, as the chat would ask."""
    replies = [function(ctx, query)]
    while (payload := more_payload(replies[-1])) is not None:
        intent, entities = parse_payload(payload)
        assert INTENT_HANDLERS[intent] is function
        replies.append(function(ctx, Query.from_entities(entities), page=entities["page"]))
        assert len(replies) < limit
    return replies


def lines(replies, prefix: str = "· ") -> list[str]:
    return [line for r in replies for line in r.text.splitlines() if line.startswith(prefix)]
