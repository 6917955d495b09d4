"""Consent on a customer's behalf, as the sandbox's customers would give it: every institution holding
their assets, or all but one for the demo customers. Running either again links nothing twice and
stores nothing twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from bot.mydata.client import MyDataClient
from bot.mydata.consent import active_consents, grant_consents, register_customer
from bot.mydata.store.db import session_scope
from bot.mydata.sync.run import CustomerSyncResult, sync_customers
from sandbox.demo import DEMO_CUSTOMERS


async def link_customer(engine: Engine, client: MyDataClient, portal_url: str, customer_id: str,
                        leave_out: set[str] = frozenset(), now: datetime | None = None) -> list[str]:
    """Registers the customer and consents to every institution holding their assets except `leave_out`
    and those already linked; returns the org codes newly linked."""
    orgs = await register_customer(engine, client, portal_url, customer_id)
    with session_scope(engine) as session:
        linked = {c.org_code for c in active_consents(session, customer_id, now)}
    todo = [org for org in orgs if org not in linked and org not in leave_out]
    if todo:
        await grant_consents(engine, client, customer_id, todo, now=now)
    return todo


def left_unlinked(customer_id: str) -> set[str]:
    """The institution a demo customer keeps unlinked; nothing for a generated customer."""
    demo = DEMO_CUSTOMERS.get(customer_id)
    return {demo.unlinked} if demo else set()


async def setup_demo(engine: Engine, client: MyDataClient, portal_url: str, now: datetime | None = None
                     ) -> list[CustomerSyncResult]:
    """Links every demo customer but for their unlinked institution, then syncs them."""
    for customer_id in DEMO_CUSTOMERS:
        await link_customer(engine, client, portal_url, customer_id, left_unlinked(customer_id), now)
    return await sync_customers(engine, client, list(DEMO_CUSTOMERS), now=now)
