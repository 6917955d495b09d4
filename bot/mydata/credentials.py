"""The aggregator's client credentials with the institutions (client_id, client_secret).

They are issued to the aggregator when it registers with each institution and come from the
environment, never from the code: ``MYDATA_CLIENT_SECRET`` (required) and ``MYDATA_CLIENT_ID``.
``./run.sh`` keeps a development secret in ``var/mydata_client_secret`` and gives it to both
sides it starts, the sandbox institutions and the aggregator; tests and benchmarks that start a
sandbox of their own draw a random one per run (:func:`use_random_secret_if_unset`).
"""
from __future__ import annotations

import os
import secrets

from bot.mydata.errors import MissingClientSecret

CLIENT_ID_ENV = "MYDATA_CLIENT_ID"
CLIENT_SECRET_ENV = "MYDATA_CLIENT_SECRET"
DEFAULT_CLIENT_ID = "bankbot-aggregator"
MIN_SECRET_LENGTH = 16


def client_id() -> str:
    return os.environ.get(CLIENT_ID_ENV) or DEFAULT_CLIENT_ID


def client_secret() -> str:
    secret = os.environ.get(CLIENT_SECRET_ENV, "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise MissingClientSecret(CLIENT_SECRET_ENV, MIN_SECRET_LENGTH)
    return secret


def use_random_secret_if_unset() -> None:
    """For a process that starts its own sandbox (tests, benchmarks): both sides get the same
    random secret through the environment, which the processes it starts inherit."""
    os.environ.setdefault(CLIENT_SECRET_ENV, secrets.token_urlsafe(32))
