"""A sync message redelivered after its worker died runs the sync again only if the dead worker
had not committed it: "every consent synced once" holds even for a kill between commit and ack.
The task runs in this process (Celery's eager apply) on a real store and the sandbox over HTTP."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.insights.models import Alert, TaskDelivery
from bot.mydata.store.db import session_scope
from bot.mydata.store.models import SyncRun
from bot.mydata.sync.run import sync_customer
from bot.tasks import guards, jobs
from tests.mydata.conftest import client
from tests.tasks.conftest import NOW, link, run

CUSTOMER, BANK = "demo-shop", "B0010005"
TASK = "bot.tasks.jobs.sync_institution"


def _ok_runs(store) -> int:
    with session_scope(store) as s:
        return s.execute(select(func.count()).select_from(SyncRun).where(
            SyncRun.customer_id == CUSTOMER, SyncRun.org_code == BANK, SyncRun.status == "ok")).scalar()


def test_a_sync_committed_before_the_worker_died_is_not_run_again(store, sandbox, monkeypatch):
    orgs = run(link(store, sandbox, CUSTOMER))
    assert BANK in orgs
    monkeypatch.setattr(jobs, "engine", lambda: store)
    monkeypatch.setenv("ASSISTANT_CLOCK", NOW.isoformat())
    monkeypatch.delenv("KAKAO_BOT_ID", raising=False)

    async def sync(only):
        async with client() as c:
            return await sync_customer(store, c, CUSTOMER, orgs=only, now=NOW)
    assert run(sync([o for o in orgs if o != BANK])).ok  # the customer's other institutions, earlier

    guards.begin_delivery(store, "died-after-commit", TASK)  # the first start: synced, committed, then killed
    assert run(sync([BANK])).ok
    calls = sandbox.state.calls.get(BANK, 0)
    assert jobs.sync_institution.apply(args=(CUSTOMER, BANK), task_id="died-after-commit").get() == "ok"
    assert _ok_runs(store) == 1 and sandbox.state.calls.get(BANK, 0) == calls  # not fetched again
    with session_scope(store) as s:
        assert (
            s.get(TaskDelivery, "died-after-commit").attempts,
            s.get(TaskDelivery, "died-after-commit").lost,
            s.get(TaskDelivery, "died-after-commit").status,
        ) == (2, 1, "done")
        # what follows the sync still ran: the detectors' alert for the overdue loan
        assert s.execute(select(Alert.kind).where(Alert.customer_id == CUSTOMER)).scalars().all() == [
            "loan_overdue"
        ]

    guards.begin_delivery(store, "died-before-commit", TASK)  # killed mid-fetch: nothing was stored
    assert jobs.sync_institution.apply(args=(CUSTOMER, BANK), task_id="died-before-commit").get() == "ok"
    assert _ok_runs(store) == 2 and sandbox.state.calls.get(BANK, 0) > calls
