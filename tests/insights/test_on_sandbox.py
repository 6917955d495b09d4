"""Detectors on real synced data: the four demo personas' ordinary months raise nothing but what the
generator's own books make true (payments due, the shop's overdue loan), on days across the year;
events seeded into known customers are all found, and nothing else is."""
from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest

from bot.insights.detectors import detect
from bot.insights.facts import load_facts
from bot.insights.models import ensure_tables
from bot.korean.calendar import KST
from bot.mydata.consent import grant_consents, register_customer
from bot.mydata.store.db import create_schema, make_engine, session_scope
from bot.mydata.sync.run import sync_customers
from sandbox.app import SandboxServer
from sandbox.config import SandboxConfig
from sandbox.demo import DEMO_CUSTOMERS
from sandbox.seeded_events import (
    CONSENT_DAYS_SEEDED,
    SEEDED_KINDS,
    SeededSandboxState,
    natural_truth,
    plan_events,
)
from tests.mydata.conftest import client


def _synced(tmp_path, config: SandboxConfig, now: datetime, plan: dict[str, str]):
    state = SeededSandboxState(config, now, plan)
    found = {}
    with SandboxServer(state) as server:
        engine = make_engine(f"sqlite:///{tmp_path / 'mydata.sqlite3'}")
        create_schema(engine, server.url)
        ensure_tables(engine)

        async def go():
            async with client() as c:
                for cid in config.customer_ids():
                    orgs = await register_customer(engine, c, server.url, cid)
                    days = CONSENT_DAYS_SEEDED if plan.get(cid) == "consent_expiring" else 365
                    await grant_consents(engine, c, cid, orgs, days=days, now=now)
                results = await sync_customers(engine, c, config.customer_ids(), now=now)
                assert all(r.ok for r in results)
        asyncio.run(go())
        with session_scope(engine) as s:
            for cid in config.customer_ids():
                found[cid] = detect(load_facts(s, cid, now))
        engine.dispose()
    return state, found


@pytest.mark.parametrize("day", [date(2025, 1, 14), date(2025, 5, 6), date(2025, 8, 22), date(2025, 12, 10)])
def test_demo_personas_ordinary_months_raise_no_false_alarm(tmp_path, day):
    now = datetime(day.year, day.month, day.day, 8, 0, tzinfo=KST)
    config = SandboxConfig(seed=20240601, customers=0, as_of=day)
    state, found = _synced(tmp_path, config, now, {})
    for cid in DEMO_CUSTOMERS:
        kinds = {a.kind for a in found[cid]}
        assert kinds == natural_truth(state.book(cid), now), (cid, [a.text for a in found[cid]])
    assert any(a.kind == "loan_overdue" for a in found["demo-shop"])  # the shop's loan is overdue all year


def test_seeded_events_are_found_and_nothing_else(tmp_path):
    day = date(2025, 6, 10)
    now = datetime(day.year, day.month, day.day, 8, 0, tzinfo=KST)
    config = SandboxConfig(seed=7, customers=60, as_of=day)
    plan = plan_events(config.generated_ids(), 0.1)
    state, found = _synced(tmp_path, config, now, plan)
    seeded = {e.kind for e in state.events.values()}
    assert seeded == set(SEEDED_KINDS) - {"consent_expiring"}  # every kind has a customer it fits
    for cid in config.customer_ids():
        truth = natural_truth(state.book(cid), now)
        if cid in state.events or plan.get(cid) == "consent_expiring":
            truth.add(plan[cid])
        assert {a.kind for a in found[cid]} == truth, (cid, plan.get(cid), [a.text for a in found[cid]])
