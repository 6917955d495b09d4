"""Scheduled-sync throughput through the real task queue: N customers' consents synced by 1, 2, ...
Celery workers (one process each) on the machine's RabbitMQ; customers/s per worker count and the
ratio to one worker. `--kill` also kills one worker mid-run (SIGKILL), starts a replacement, and
checks that every consent was synced and that a repeat (the killed task had committed before
dying, so it ran again) stored nothing twice.

    .venv/bin/python bench/sync_workers.py --customers 200 --workers 1,2 --kill

The sandbox runs in this process (its own thread), the store is a fresh SQLite file per worker
count. Prints one JSON line; progress on stderr. Other work shares the cores: the machine's load
average goes in the result.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kombu import Connection  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.insights.models import TaskDelivery, ensure_tables  # noqa: E402
from bot.korean.calendar import KST  # noqa: E402
from bot.mydata.client import ClientSettings, MyDataClient  # noqa: E402
from bot.mydata.consent import grant_consents, register_customer  # noqa: E402
from bot.mydata.store.db import create_schema, make_engine, session_scope  # noqa: E402
from bot.mydata.store.models import Consent, SyncRun  # noqa: E402
from bot.tasks.app import app, broker_url  # noqa: E402
from sandbox.app import SandboxClock, SandboxServer, SandboxState  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


async def link_all(engine, url, ids, now):
    gate = asyncio.Semaphore(16)
    async with MyDataClient(ClientSettings(timeout_s=30)) as client:
        async def one(cid):
            async with gate:
                orgs = await register_customer(engine, client, url, cid)
                await grant_consents(engine, client, cid, orgs, now=now)
        await asyncio.gather(*(one(c) for c in ids))


def start_worker(env: dict, queue: str, label: str, logdir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bot.tasks.app",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "--loglevel",
            "WARNING",
            "-n",
            f"{label}-{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO,
        env=env,
        stdout=(logdir / f"{label}.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_once(server, ids, now, workers: int, kill: bool, tmp: Path) -> dict:
    db = tmp / f"store-{workers}-{int(kill)}.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine, server.url)
    ensure_tables(engine)
    asyncio.run(link_all(engine, server.url, ids, now))
    with session_scope(engine) as s:
        pairs = s.execute(select(Consent.customer_id, Consent.org_code)).all()
    queue = f"bench-sync-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": f"sqlite:///{db}", "PROACTIVE_QUEUE": queue,
           "ASSISTANT_CLOCK": now.isoformat(), "PROACTIVE_RATE_PER_S": "1000"}
    procs = [start_worker(env, queue, f"w{k}", tmp) for k in range(workers)]
    time.sleep(8)  # workers up before the clock starts
    started = time.perf_counter()
    with Connection(broker_url()) as conn:
        for cid, org in pairs:
            app.send_task("bot.tasks.jobs.sync_institution", args=[cid, org], queue=queue, connection=conn)
    killed = False

    def done() -> int:
        with session_scope(engine) as s:
            return s.execute(
                select(func.count()).select_from(TaskDelivery).where(TaskDelivery.status == "done")
            ).scalar()

    while (finished := done()) < len(pairs):
        if kill and not killed and finished >= len(pairs) // 3:
            os.killpg(procs[0].pid, signal.SIGKILL)
            procs[0].wait()
            procs[0] = start_worker(env, queue, "replacement", tmp)
            killed = True
            log(f"killed a worker after {finished} of {len(pairs)} tasks")
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=30)
    with Connection(broker_url()) as conn:
        conn.channel().queue_delete(queue)
    runs: dict[tuple[str, str], list[int]] = {}
    with session_scope(engine) as s:
        for cid, org, new in s.execute(select(SyncRun.customer_id, SyncRun.org_code,
                                              SyncRun.new_transactions + SyncRun.new_approvals)
                                       .where(SyncRun.status == "ok").order_by(SyncRun.id)):
            runs.setdefault((cid, org), []).append(new)
        redelivered = s.execute(
            select(func.count()).select_from(TaskDelivery).where(TaskDelivery.lost > 0)
        ).scalar()
    engine.dispose()
    return {"workers": workers, "consents": len(pairs), "seconds": round(seconds, 1),
            "customers_per_s": round(len(ids) / seconds, 2),
            "consents_synced": sum(1 for p in pairs if p in runs),
            "consents_synced_twice": sum(1 for p in pairs if len(runs.get(p, [])) > 1),
            "rows_stored_by_a_repeat": sum(sum(r[1:]) for r in runs.values()),
            "tasks_lost_and_redelivered": redelivered, **({"killed_one_worker": True} if kill else {})}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--kill", action="store_true")
    args = parser.parse_args()
    as_of = date(2025, 6, 30)
    now = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=KST)
    config = SandboxConfig(seed=7, customers=args.customers, as_of=as_of)
    ids = config.generated_ids()
    state = SandboxState(config, SandboxClock(now), cache_size=args.customers + 8)
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(state) as server:
        for workers in [int(w) for w in args.workers.split(",")]:
            results.append(run_once(server, ids, now, workers, False, Path(tmp)))
            log(results[-1])
        if args.kill:
            results.append(run_once(server, ids, now, max(2, results[-1]["workers"]), True, Path(tmp)))
            log(results[-1])
    base = results[0]["customers_per_s"]
    print(json.dumps({"customers": len(ids), "runs": results,
                      "ratio_to_one_worker": {str(r["workers"]) + ("k" if r.get("killed_one_worker") else ""):
                                              round(r["customers_per_s"] / base, 2) for r in results},
                      "load_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)]}))


if __name__ == "__main__":
    main()
