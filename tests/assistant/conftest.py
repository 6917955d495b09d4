"""A real MyData store for the assistant's answers: the sandbox over HTTP on a free port, demo and
generated customers linked and synced through the real client, and a small credit model trained
once per session.

The clock is 2025-07-03 12:00 (Seoul): June card bills were issued on July 1 and some are still
unpaid. FRESHNESS_CUSTOMER was synced 3 days earlier; at NOW its securities company was not synced
again (stale) and its card company failed (the sandbox answered 503).
"""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest

import bot.assistant.reply as reply_module
from bot.assistant import AnswerContext
from bot.credit.scorer import CreditScorer
from bot.credit.train import train_production_model
from bot.korean.calendar import KST
from bot.mydata.client import ClientSettings, MyDataClient
from bot.mydata.consent import register_customer
from bot.mydata.store.db import create_schema, make_engine
from bot.mydata.sync.run import sync_customer, sync_customers
from sandbox.app import SandboxClock, SandboxServer, SandboxState
from sandbox.config import SandboxConfig
from sandbox.generator import generate_customer
from sandbox.linking import left_unlinked, link_customer

AS_OF = date(2025, 6, 30)
NOW = datetime(2025, 7, 3, 12, 0, tzinfo=KST)
EARLIER = NOW - timedelta(days=3)
DEMOS = ["demo-salaried", "demo-student", "demo-shop", "demo-retiree"]
GENERATED = "cust-000007"
FRESHNESS_CUSTOMER = "cust-000012"  # banks, a card company and a securities company
CUSTOMERS = DEMOS + [GENERATED, FRESHNESS_CUSTOMER]
REGISTERED_ONLY = "cust-000020"  # known to the store, no consent given
CREDIT_SUBSAMPLE = 2500


def run(coro):
    return asyncio.run(coro)


def client() -> MyDataClient:
    return MyDataClient(ClientSettings(timeout_s=5.0, backoff_base_s=0.02, backoff_max_s=0.2, max_retries=1))


@pytest.fixture(autouse=True)
def raise_unexpected(monkeypatch):
    """A bug must fail the test, not become the apology reply."""
    monkeypatch.setattr(reply_module, "RAISE_UNEXPECTED", True)


@pytest.fixture(scope="session")
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(seed=11, customers=40, as_of=AS_OF)


@pytest.fixture(scope="session")
def books(sandbox_config):
    return {c: generate_customer(sandbox_config, c) for c in CUSTOMERS}


@pytest.fixture(scope="session")
def store(tmp_path_factory, sandbox_config, books):
    """(engine, linked org codes per customer, the freshness customer's stale and failed orgs)."""
    state = SandboxState(sandbox_config, SandboxClock(EARLIER), cache_size=64)
    with SandboxServer(state) as server:
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('assistant') / 'store.sqlite3'}")
        create_schema(engine, server.url)
        orgs = list(books[FRESHNESS_CUSTOMER].institutions)
        stale = next(o for o in orgs if o.startswith("S"))
        failed = next(o for o in orgs if o.startswith("C"))

        async def go():
            async with client() as c:
                linked = {FRESHNESS_CUSTOMER: await link_customer(engine, c, server.url, FRESHNESS_CUSTOMER,
                                                                  set(), EARLIER)}
                first = await sync_customer(engine, c, FRESHNESS_CUSTOMER, now=EARLIER)
                state.clock.fixed = NOW
                for customer in DEMOS + [GENERATED]:
                    linked[customer] = await link_customer(
                        engine, c, server.url, customer, left_unlinked(customer), NOW
                    )
                results = await sync_customers(engine, c, DEMOS + [GENERATED], now=NOW)
                await register_customer(engine, c, server.url, REGISTERED_ONLY)
                fresh = [o for o in linked[FRESHNESS_CUSTOMER] if o not in (stale, failed)]
                again = await sync_customer(engine, c, FRESHNESS_CUSTOMER, now=NOW, orgs=fresh)
                state.set_faults(down={failed})
                broken = await sync_customer(engine, c, FRESHNESS_CUSTOMER, now=NOW, orgs=[failed])
                state.reset_faults()
                return linked, [first, *results, again], broken

        linked, ok, broken = run(go())
    assert all(r.ok for r in ok), [r for r in ok if not r.ok]
    assert not broken.ok
    yield engine, linked, stale, failed
    engine.dispose()


@pytest.fixture(scope="session")
def scorer():
    return CreditScorer(train_production_model(subsample=CREDIT_SUBSAMPLE, log=lambda message: None))


@pytest.fixture(scope="session")
def ctx_for(store, scorer):
    engine = store[0]

    def make(customer_id: str, **overrides) -> AnswerContext:
        return AnswerContext(
            engine,
            customer_id,
            overrides.pop("now", NOW),
            scorer=overrides.pop("scorer", scorer),
            **overrides,
        )

    return make
