"""The MyData rules and the schedule, on a real store with consents from the sandbox: 6 months
without a conversation pause the sync (recorded), a year deletes the data (recorded like a
revocation), consents ending within 30 days raise one reminder; the customer's cycle; the rate
slots every worker shares."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.insights.inbox import inbox
from bot.insights.models import LifecycleRecord, SyncSchedule
from bot.mydata.consent import deletion_records, list_consents
from bot.mydata.errors import InvalidQuery
from bot.mydata.store.db import session_scope
from bot.mydata.store.models import Account, Consent
from bot.mydata.sync.run import sync_customer
from bot.tasks import guards, schedule
from bot.tasks.lifecycle import apply_rules, record_conversation
from tests.mydata.conftest import client
from tests.tasks.conftest import NOW, link, run

CUSTOMER = "demo-retiree"


def _link_and_sync(store, sandbox) -> list[str]:
    orgs = run(link(store, sandbox, CUSTOMER))

    async def go():
        async with client() as c:
            return await sync_customer(store, c, CUSTOMER, now=NOW)
    assert run(go()).ok
    return orgs


def _records(store, rule: str) -> list[LifecycleRecord]:
    with session_scope(store) as s:
        return [(r.rule, r.org_code) for r in s.execute(select(LifecycleRecord).where(
            LifecycleRecord.customer_id == CUSTOMER, LifecycleRecord.rule == rule)).scalars()]


def test_six_months_without_a_conversation_pause_the_sync_and_talking_resumes_it(store, sandbox):
    _link_and_sync(store, sandbox)
    with session_scope(store) as s:
        record_conversation(s, CUSTOMER, NOW)
    later = NOW + timedelta(days=182)
    with session_scope(store) as s:
        assert apply_rules(s, later).paused == []
    later = NOW + timedelta(days=184)
    with session_scope(store) as s:
        assert apply_rules(s, later).paused == [CUSTOMER]
    with session_scope(store) as s:
        assert apply_rules(s, later + timedelta(days=1)).paused == []  # recorded once
        assert schedule.claim_due(s, later + timedelta(days=30)) == []
        assert all(row.pause_reason == "inactive_6m" for row in s.execute(select(SyncSchedule)).scalars())
    assert _records(store, "sync_paused_inactive") == [("sync_paused_inactive", None)]
    with session_scope(store) as s:
        assert s.execute(
            select(func.count()).select_from(Account).where(Account.customer_id == CUSTOMER)
        ).scalar()
        record_conversation(s, CUSTOMER, later + timedelta(days=2))
    with session_scope(store) as s:
        assert apply_rules(s, later + timedelta(days=3)).resumed == [CUSTOMER]
        assert {d.customer_id for d in schedule.claim_due(s, later + timedelta(days=3))} == {CUSTOMER}


def test_a_year_without_a_conversation_deletes_the_data_as_a_revocation_does(store, sandbox):
    orgs = _link_and_sync(store, sandbox)
    with session_scope(store) as s:
        record_conversation(s, CUSTOMER, NOW)
    year = NOW + timedelta(days=365)
    # the consents (a year long) would expire the same day; move them so the rule, not expiry, acts
    with session_scope(store) as s:
        for c in s.execute(select(Consent).where(Consent.customer_id == CUSTOMER)).scalars():
            c.expires_at = year + timedelta(days=100)
    with session_scope(store) as s:
        out = apply_rules(s, year)
    assert sorted(org for _, org in out.deleted) == sorted(orgs)
    with session_scope(store) as s:
        assert (
            s.execute(
                select(func.count()).select_from(Account).where(Account.customer_id == CUSTOMER)
            ).scalar()
            == 0
        )
        assert list_consents(s, CUSTOMER, year) == []
        deletions = deletion_records(s, CUSTOMER)
        assert sorted(d.org_code for d in deletions) == sorted(orgs)
        assert {d.reason for d in deletions} == {"inactive_1y"}
        assert sum(d.rows_deleted.get("accounts", 0) for d in deletions) > 0
        assert s.execute(select(func.count()).select_from(SyncSchedule)).scalar() == 0
    records = _records(store, "data_deleted_inactive")
    assert sorted(org for _, org in records) == sorted(orgs)


def test_a_consent_ending_within_30_days_raises_one_reminder(store, sandbox):
    orgs = _link_and_sync(store, sandbox)
    ends = NOW + timedelta(days=20)
    with session_scope(store) as s:
        record_conversation(s, CUSTOMER, NOW)
        s.execute(Consent.__table__.update().where(Consent.customer_id == CUSTOMER,
                                                   Consent.org_code == orgs[0]).values(expires_at=ends))
    with session_scope(store) as s:
        assert apply_rules(s, NOW).reminders == [(CUSTOMER, orgs[0])]
    with session_scope(store) as s:
        assert apply_rules(s, NOW + timedelta(days=1)).reminders == []  # one reminder per consent period
        items = inbox(s, CUSTOMER)
    assert [i.kind for i in items] == ["consent_expiring"] and items[0].numbers["days_left"] == 20
    assert items[0].button_payload == "/list_consents"
    assert [org for _, org in _records(store, "consent_reminder")] == [orgs[0]]


def test_the_customers_cycle_moves_every_consent_and_is_bounded(store, sandbox):
    orgs = _link_and_sync(store, sandbox)
    with session_scope(store) as s:
        schedule.refresh_schedules(s, NOW)
    with session_scope(store) as s:
        assert schedule.claim_due(s, NOW + timedelta(days=6)) == []
        assert len(schedule.claim_due(s, NOW + timedelta(days=7))) == len(orgs)
    with session_scope(store) as s:
        assert schedule.set_cycle(s, CUSTOMER, 1, NOW + timedelta(days=7)) == len(orgs)
    with session_scope(store) as s:
        assert len(schedule.claim_due(s, NOW + timedelta(days=8))) == len(orgs)
        assert schedule.cycle_of(s, CUSTOMER) == 1
        for bad in (0, 31, -1):
            try:
                schedule.set_cycle(s, CUSTOMER, bad, NOW)
            except InvalidQuery:
                continue
            raise AssertionError(f"cycle {bad} accepted")


def test_rate_slots_are_shared_and_spaced(store):
    # one call per 100 s, at most 250 s of waiting: slots now, +100 s, +200 s, then none
    waits = [guards.reserve_slot(store, "B0010001", per_second=0.01, max_wait_s=250) for _ in range(5)]
    assert [round(w, -1) for w in waits[:3]] == [0, 100, 200]
    assert all(-60 < w < 0 for w in waits[3:])  # told to come back when a slot is within reach
    assert guards.reserve_slot(store, "C0020001", per_second=0.01, max_wait_s=250) == 0  # per institution


def test_the_rules_task_purges_ended_consents_and_applies_the_rules(store, sandbox, monkeypatch):
    orgs = _link_and_sync(store, sandbox)
    from bot.tasks import jobs
    monkeypatch.setattr(jobs, "engine", lambda: store)
    monkeypatch.setenv("ASSISTANT_CLOCK", (NOW + timedelta(days=400)).isoformat())
    assert jobs.apply_mydata_rules() == {"expired": len(orgs), "paused": 0, "resumed": 0, "deleted": 0,
                                         "reminders": 0}
    with session_scope(store) as s:
        assert {d.reason for d in deletion_records(s, CUSTOMER)} == {"expired"}
        assert (
            s.execute(
                select(func.count()).select_from(Account).where(Account.customer_id == CUSTOMER)
            ).scalar()
            == 0
        )
