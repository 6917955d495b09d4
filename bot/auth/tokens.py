"""Signed customer tokens: who is asking, decided by a verified signature only.

A channel (web page, Kakao link, a test) carries a JWT (HS256) naming the
customer; the action server verifies it with the shared secret and takes
the customer from its `sub` claim, never from the sender id or the text.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Optional

import jwt

SECRET_ENV = "ASSISTANT_TOKEN_SECRET"
ISSUER = "korean-mydata-assistant"
AUDIENCE = "assistant-actions"
DEFAULT_TTL = dt.timedelta(hours=1)
MIN_SECRET_BYTES = 32


class TokenError(Exception):
    """The token is missing, expired or not ours; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Customer:
    customer_id: str
    expires_at: dt.datetime


def secret_from_env(env: Optional[dict] = None) -> bytes:
    value = (env if env is not None else os.environ).get(SECRET_ENV, "")
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise TokenError("no_secret")
    return value.encode()


def issue_token(
    customer_id: str,
    secret: Optional[bytes] = None,
    ttl: dt.timedelta = DEFAULT_TTL,
    now: Optional[dt.datetime] = None,
) -> str:
    issued = now or dt.datetime.now(dt.timezone.utc)
    claims = {
        "sub": customer_id,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    return jwt.encode(claims, secret or secret_from_env(), algorithm="HS256")


def verify_token(token: Optional[str], secret: Optional[bytes] = None) -> Customer:
    if not token or not isinstance(token, str):
        raise TokenError("missing")
    try:
        claims = jwt.decode(
            token,
            secret or secret_from_env(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise TokenError("expired") from error
    except jwt.PyJWTError as error:
        raise TokenError("invalid") from error
    return Customer(
        customer_id=str(claims["sub"]),
        expires_at=dt.datetime.fromtimestamp(claims["exp"], dt.timezone.utc),
    )
