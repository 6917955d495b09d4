"""What the chat's actions call when the customer asks to connect, disconnect or refresh.

Rasa actions are async, so these are coroutines. Each opens what it needs (the default engine
from DATABASE_URL, a client to the institutions) unless given one.
"""
from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.kb.lexicon import load_lexicon
from bot.mydata.client import MyDataClient
from bot.mydata.consent import (
    CONSENT_MAX_DAYS,
    ConsentInfo,
    DeletionInfo,
    grant_consent,
    register_customer,
    revoke_consent,
)
from bot.mydata.errors import UnknownInstitution
from bot.mydata.store.db import get_engine
from bot.mydata.sync.run import CustomerSyncResult, sync_customer

DEFAULT_API_BASE_URL = "http://127.0.0.1:8710"


def api_base_url() -> str:
    """Where the institutions (`{base}/{org_code}`) and the integrated-authentication portal answer;
    MYDATA_API_BASE_URL overrides."""
    return os.environ.get("MYDATA_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/")


def _known_org(institution: str) -> str:
    """The org code of the institution named; connecting and disconnecting need one the lexicon knows."""
    org = load_lexicon().org_code_of(institution)
    if org is None:
        raise UnknownInstitution(institution)
    return org


async def connect_institution(customer_id: str, institution: str, *, scopes: list[str] | None = None,
                              days: int = CONSENT_MAX_DAYS, engine: Engine | None = None,
                              client: MyDataClient | None = None, now: datetime | None = None
                              ) -> tuple[ConsentInfo, CustomerSyncResult]:
    """Gives consent for one institution (for `days`, at most a year) and fetches its data right away."""
    engine = engine or get_engine()
    org = _known_org(institution)
    own = client is None
    client = client or MyDataClient()
    try:
        await register_customer(engine, client, api_base_url(), customer_id)
        info = await grant_consent(engine, client, customer_id, org, scopes=scopes, days=days, now=now)
        result = await sync_customer(engine, client, customer_id, orgs=[org], api_type="irregular", now=now)
    finally:
        if own:
            await client.close()
    return info, result


async def disconnect_institution(
    customer_id: str,
    institution: str,
    *,
    engine: Engine | None = None,
    client: MyDataClient | None = None,
    now: datetime | None = None,
) -> DeletionInfo:
    """Revokes consent for one institution; its data and tokens are deleted and the deletion recorded."""
    engine = engine or get_engine()
    own = client is None
    client = client or MyDataClient()
    try:
        return await revoke_consent(engine, client, customer_id, _known_org(institution), now=now)
    finally:
        if own:
            await client.close()


async def refresh_customer(
    customer_id: str,
    *,
    engine: Engine | None = None,
    client: MyDataClient | None = None,
    now: datetime | None = None,
) -> CustomerSyncResult:
    """Syncs every active consent of the customer now (an 'irregular', customer-triggered call)."""
    engine = engine or get_engine()
    own = client is None
    client = client or MyDataClient()
    try:
        return await sync_customer(engine, client, customer_id, api_type="irregular", now=now)
    finally:
        if own:
            await client.close()
