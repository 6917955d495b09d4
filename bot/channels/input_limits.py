"""How much one message or one request may carry on the KakaoTalk, web chat and page channels.

Komoran's time grows faster than the text (32k characters took 6.9 s), so an unbounded message
stalls every conversation; the limits stop it where it enters, before any parsing. Stand-in for
the shared `bot/channels/bounds.py` another change brings: when that lands, import from there.
"""
from __future__ import annotations

MAX_MESSAGE_CHARS = 1000
MAX_BODY_BYTES = 64 * 1024
MAX_TOKEN_CHARS = 4096  # a customer token is about 250; a longer one is not ours
TOO_LONG_TEXT = f"메시지가 너무 길어요. {MAX_MESSAGE_CHARS:,}자 이내로 나누어 보내 주세요."


def too_long(text: str) -> bool:
    return len(text) > MAX_MESSAGE_CHARS
