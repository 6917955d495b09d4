"""Web chat session ids the server issues, each bound to one customer (or to nobody).

A session id is ``<nonce>-<mac>``: 128 random bits and an HMAC of the nonce and the owner's
customer id ("" for a visitor who is not signed in), keyed from ``ASSISTANT_TOKEN_SECRET``.
Nothing is stored: whoever sends a message on a session proves with their verified token that
the mac was made for them, so a session id copied from another customer's browser or guessed
is useless, and ids survive a server restart.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from typing import Any, Optional, TypeGuard

from bot.auth.tokens import SECRET_ENV

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"[0-9a-f]{32}-[0-9a-f]{32}")
ANONYMOUS = ""


class SessionIds:
    def __init__(self, secret: Optional[bytes] = None) -> None:
        secret = secret or os.environ.get(SECRET_ENV, "").encode()
        if not secret:
            logger.warning("webchat: %s is not set; session ids will not survive a restart", SECRET_ENV)
            secret = secrets.token_bytes(32)
        self._key = hmac.new(secret, b"webchat-session", hashlib.sha256).digest()

    def _mac(self, owner: str, nonce: str) -> str:
        return hmac.new(self._key, f"{owner}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, owner: str = ANONYMOUS) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}-{self._mac(owner, nonce)}"

    def owned_by(self, session_id: Any, owner: str) -> bool:
        if not well_formed(session_id):
            return False
        nonce, mac = session_id.split("-")
        return hmac.compare_digest(mac, self._mac(owner, nonce))


def well_formed(session_id: Any) -> TypeGuard[str]:
    return isinstance(session_id, str) and SESSION_ID.fullmatch(session_id) is not None
