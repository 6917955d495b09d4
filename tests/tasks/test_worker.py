"""The scheduler and workers for real: RabbitMQ on this machine, Celery processes, the sandbox
institutions over HTTP, a SQLite store. A schedule fires; a worker killed mid-task has its
message redelivered once and nothing is stored twice; a task that keeps failing ends as a dead
letter."""
from __future__ import annotations

import os
import signal
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.insights.detectors import detect
from bot.insights.facts import load_facts
from bot.insights.models import Alert, DeadLetter, SyncSchedule, TaskDelivery
from bot.mydata.store.db import session_scope
from bot.mydata.store.models import Consent, SyncRun, Transaction
from bot.tasks import schedule
from tests.tasks.conftest import NOW, link, run, wait_for

CUSTOMER = "demo-salaried"
BANK = "B0010001"  # KB국민은행: the salary account, many transactions


def _runs(store, org: str, status: str = "ok") -> int:
    with session_scope(store) as s:
        return s.execute(select(func.count()).select_from(SyncRun).where(
            SyncRun.customer_id == CUSTOMER, SyncRun.org_code == org, SyncRun.status == status)).scalar()


def _delivery(store, task_id: str):
    with session_scope(store) as s:
        row = s.get(TaskDelivery, task_id)
        return None if row is None else (row.attempts, row.lost, row.status)


def test_a_due_schedule_fires_and_moves_a_cycle_ahead(queue, store, sandbox):
    linked = run(link(store, sandbox, CUSTOMER))
    assert BANK in linked
    with session_scope(store) as s:
        schedule.refresh_schedules(s, NOW)
        s.flush()
        s.execute(
            update(SyncSchedule)
            .where(SyncSchedule.customer_id == CUSTOMER, SyncSchedule.org_code == BANK)
            .values(next_due_at=NOW - timedelta(minutes=1))
        )
    worker, beat = queue.worker("w1"), queue.beat()
    wait_for(lambda: _runs(store, BANK) == 1, 180, "the scheduled sync of the due consent", [worker, beat])
    wait_for(lambda: _deliveries(store) == [(1, "done")], 60, "the task to finish its detectors", [worker])
    with session_scope(store) as s:
        due = dict(s.execute(select(SyncSchedule.org_code, SyncSchedule.next_due_at).where(
            SyncSchedule.customer_id == CUSTOMER)).all())
        stored = set(s.execute(select(Alert.dedupe_key).where(Alert.customer_id == CUSTOMER)).scalars())
        expected = {a.key for a in detect(load_facts(s, CUSTOMER, NOW))}
    assert due[BANK] == NOW + timedelta(days=7)
    assert all(_runs(store, org) == 0 for org in linked if org != BANK)  # not due: not synced
    assert stored == expected


def _deliveries(store) -> list[tuple[int, str]]:
    with session_scope(store) as s:
        return [(d.attempts, d.status) for d in s.execute(select(TaskDelivery)).scalars()]


def test_a_worker_killed_mid_sync_has_its_task_redelivered_once(queue, store, sandbox):
    run(link(store, sandbox, CUSTOMER))
    sandbox.state.faults.latency_ms = 700  # every API call is slow: the sync is in flight for seconds
    first = queue.worker("doomed")
    task_id = queue.send("bot.tasks.jobs.sync_institution", CUSTOMER, BANK)
    calls_before = sandbox.state.calls.get(BANK, 0)
    wait_for(lambda: _delivery(store, task_id) == (1, 0, "started")
             and sandbox.state.calls.get(BANK, 0) > calls_before, 120, "the task to start fetching", [first])
    os.killpg(first.popen.pid, signal.SIGKILL)  # the whole worker, as a lost machine
    first.popen.wait(timeout=20)
    assert _runs(store, BANK) == 0 and _runs(store, BANK, "failed") == 0
    sandbox.state.faults.latency_ms = 0
    second = queue.worker("heir")
    wait_for(
        lambda: _delivery(store, task_id) == (2, 1, "done"), 180, "the redelivered task to finish", [second]
    )
    assert _runs(store, BANK) == 1 and _runs(store, BANK, "failed") == 0
    with session_scope(store) as s:
        stored = s.execute(select(func.count()).select_from(Transaction).where(
            Transaction.customer_id == CUSTOMER, Transaction.org_code == BANK)).scalar()
        assert s.execute(select(func.count()).select_from(DeadLetter)).scalar() == 0
    # the same message again (a duplicate delivery) stores nothing twice
    again = queue.send("bot.tasks.jobs.sync_institution", CUSTOMER, BANK)
    wait_for(lambda: _delivery(store, again) == (1, 0, "done"), 120, "a repeated sync", [second])
    with session_scope(store) as s:
        assert s.execute(select(func.count()).select_from(Transaction).where(
            Transaction.customer_id == CUSTOMER, Transaction.org_code == BANK)).scalar() == stored


def test_a_task_that_keeps_failing_ends_as_one_dead_letter(queue, store, sandbox):
    run(link(store, sandbox, CUSTOMER))
    sandbox.state.faults.down.add(BANK)
    worker = queue.worker("w1")
    task_id = queue.send("bot.tasks.jobs.sync_institution", CUSTOMER, BANK)
    wait_for(lambda: (_delivery(store, task_id) or (0, 0, ""))[2] == "dead", 240, "the dead letter", [worker])
    with session_scope(store) as s:
        letters = [(d.task_id, d.attempts, d.error) for d in s.execute(select(DeadLetter)).scalars()]
        last_error = s.execute(select(Consent.last_error).where(Consent.customer_id == CUSTOMER,
                                                                Consent.org_code == BANK)).scalar_one()
    assert [(t, n) for t, n, _ in letters] == [(task_id, 6)]
    assert last_error and letters[0][2] in last_error
    assert _runs(store, BANK, "failed") == 6 and _runs(store, BANK) == 0


def test_a_message_that_kills_its_worker_every_time_ends_as_a_dead_letter(queue, store, sandbox):
    run(link(store, sandbox, CUSTOMER))
    sandbox.state.faults.latency_ms = 700
    task_id = queue.send("bot.tasks.jobs.sync_institution", CUSTOMER, BANK)
    for death in range(3):
        worker = queue.worker(f"victim{death}")
        calls = sandbox.state.calls.get(BANK, 0)
        wait_for(lambda: _delivery(store, task_id) == (death + 1, death, "started")
                 and sandbox.state.calls.get(BANK, 0) > calls, 120, f"start {death + 1}", [worker])
        os.killpg(worker.popen.pid, signal.SIGKILL)
        worker.popen.wait(timeout=20)
    last = queue.worker("survivor")
    wait_for(
        lambda: _delivery(store, task_id) == (4, 3, "dead"), 120, "the poison message's dead letter", [last]
    )
    with session_scope(store) as s:
        letters = [(d.task_id, d.error) for d in s.execute(select(DeadLetter)).scalars()]
    assert letters == [(task_id, "the worker died 3 times running it")]
    assert _runs(store, BANK) == 0
