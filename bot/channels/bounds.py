"""Input bounds every channel shares: how much a client may send and what it hears when it sends too much.

A message longer than `MAX_MESSAGE_CHARS` is answered with `TOO_LONG_TEXT` at
the channel, before any analysis, so one message cannot hold the server; a
request body over `MAX_BODY_BYTES` is refused (413) before it is parsed.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional

MAX_MESSAGE_CHARS = 1000
MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128
MAX_TOKEN_CHARS = 4096  # a customer token is about 250 characters; a longer one is not ours

TOO_LONG_TEXT = f"메시지가 너무 길어요. {MAX_MESSAGE_CHARS:,}자 이내로 나누어 보내 주세요."
TOO_LARGE_TEXT = "요청이 너무 커요. 메시지를 줄여서 다시 보내 주세요."
FAILED_TURN_TEXT = "죄송해요, 일시적인 문제로 답을 드리지 못했어요. 잠시 후 같은 말씀을 다시 보내 주세요."
NO_REPLY_TEXT = "죄송해요, 이번 말씀에는 답을 드리지 못했어요. 다르게 한 번 더 말씀해 주시겠어요?"

_KEPT_CONTROLS = {"\n", "\t"}


def body_too_large(size: int) -> bool:
    return size > MAX_BODY_BYTES


def too_long(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS


def clean_text(text: str) -> str:
    """The text without control characters (except newline and tab) or lone surrogates, which
    no customer types and which break the analyzers and the stores downstream."""
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs") and ch not in _KEPT_CONTROLS else ch
        for ch in text
    )


def sender_problem(value: Any) -> Optional[str]:
    """Why `value` is not a usable conversation id, or None when it is."""
    if not isinstance(value, str):
        return "sender must be a string"
    if not value.strip():
        return "sender must not be empty"
    if len(value) > MAX_SENDER_CHARS:
        return f"sender must be at most {MAX_SENDER_CHARS} characters"
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in value):
        return "sender must not contain control characters"
    return None


MESSAGE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def message_id_problem(value: Any) -> Optional[str]:
    """Why `value` is not a usable client message id, or None (optional; bot.rasa.repeats answers a repeat
    once)."""
    if value is None or (isinstance(value, str) and MESSAGE_ID.fullmatch(value)):
        return None
    return "message_id must be 1-64 letters, digits or ._:-"


def message_problem(value: Any) -> Optional[str]:
    """Why `value` is not a message to answer, or None when it is (length is checked apart)."""
    if not isinstance(value, str):
        return "message must be a string"
    if not clean_text(value).strip():
        return "message must not be empty"
    return None
