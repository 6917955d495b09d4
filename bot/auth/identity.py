"""What a channel hands on about who is asking: the verified customer id, never the token.

Every channel (REST, web chat, KakaoTalk) verifies the customer's token where the
message enters and builds the message metadata with `verified_identity` alone, so
the tracker, its store and the logs never hold a token, and a client can put no
key of its own into the metadata. The action server reads the result with
`identity_of`; only the Rasa server can call it (loopback and a shared secret).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Tuple

from bot.auth.tokens import TokenError, verify_token

CUSTOMER_KEY = "customer_id"
AUTH_ERROR_KEY = "auth_error"
AUTH_ERRORS = ("missing", "expired", "invalid", "no_secret")


def verified_identity(token: Any, secret: Optional[bytes] = None) -> Dict[str, str]:
    """The metadata a channel passes on: `{"customer_id": ...}` or `{"auth_error": reason}`."""
    return verified_login(token, secret)[0]


def verified_login(token: Any, secret: Optional[bytes] = None) -> Tuple[Dict[str, str], Optional[datetime]]:
    """`verified_identity`, and until when the login holds (None without a valid token): a channel
    that speaks unasked (an alert pushed into an open chat) stops when the login ends."""
    try:
        customer = verify_token(token, secret)
    except TokenError as error:
        return {AUTH_ERROR_KEY: error.reason}, None
    return {CUSTOMER_KEY: customer.customer_id}, customer.expires_at


def identity_of(metadata: Optional[Mapping[str, Any]]) -> Dict[str, str]:
    """Reads what `verified_identity` wrote; anything else counts as no login."""
    metadata = metadata if isinstance(metadata, Mapping) else {}
    customer_id = metadata.get(CUSTOMER_KEY)
    if isinstance(customer_id, str) and customer_id:
        return {CUSTOMER_KEY: customer_id}
    reason = metadata.get(AUTH_ERROR_KEY)
    return {AUTH_ERROR_KEY: reason if reason in AUTH_ERRORS else "missing"}
