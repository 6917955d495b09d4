"""Alert benchmark: known events seeded into known customers on a known date; how many of them the
detectors find (recall) and how many alerts are right (precision), per kind; and how long from a
sync's commit to its alerts being stored.

    .venv/bin/python bench/alerts.py --customers 200

The sandbox (in this process, its clock fixed) serves generated customers; a share of them get one
seeded event each (sandbox/seeded_events.py); the truth also holds what the generator's own data
makes true (payments due within 5 days, overdue loans). Every customer is linked and synced, the
detectors run right after each customer's sync, as the worker does. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from bot.insights.detectors import KINDS  # noqa: E402
from bot.insights.inbox import run_detectors  # noqa: E402
from bot.insights.models import Alert, ensure_tables  # noqa: E402
from bot.korean.calendar import KST  # noqa: E402
from bot.mydata.client import ClientSettings, MyDataClient  # noqa: E402
from bot.mydata.consent import grant_consents, register_customer  # noqa: E402
from bot.mydata.credentials import use_random_secret_if_unset  # noqa: E402
from bot.mydata.store.db import create_schema, make_engine, session_scope  # noqa: E402
from bot.mydata.store.models import SyncRun  # noqa: E402
from bot.mydata.sync.run import sync_customer  # noqa: E402
from sandbox.app import SandboxServer  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.seeded_events import CONSENT_DAYS_SEEDED, SeededSandboxState, natural_truth, plan_events  # noqa: E402


async def link_all(engine, client, url, ids, plan, now):
    gate = asyncio.Semaphore(16)

    async def one(cid):
        async with gate:
            orgs = await register_customer(engine, client, url, cid)
            days = CONSENT_DAYS_SEEDED if plan.get(cid) == "consent_expiring" else 365
            await grant_consents(engine, client, cid, orgs, days=days, now=now)
    await asyncio.gather(*(one(c) for c in ids))


async def sync_and_detect(engine, client, ids, now) -> list[float]:
    """Each customer synced, then its detectors run at once; seconds from the last commit to storing."""
    latencies = []
    for cid in ids:
        await sync_customer(engine, client, cid, now=now)
        with session_scope(engine) as s:
            committed = s.execute(select(func.max(SyncRun.finished_at)).where(
                SyncRun.customer_id == cid, SyncRun.status == "ok")).scalar()
            run_detectors(s, cid, now, synced_at=committed, stored_at=datetime.now(timezone.utc))
        with session_scope(engine) as s:
            stored = s.execute(select(func.max(Alert.created_at), func.max(Alert.data_synced_at)).where(
                Alert.customer_id == cid)).first()
        if stored[0] is not None and stored[1] is not None:
            latencies.append((stored[0] - stored[1]).total_seconds())
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--share", type=float, default=0.06, help="share of customers seeded per kind")
    parser.add_argument("--as-of", default="2025-06-10")
    parser.add_argument("--explain", action="store_true", help="list misses and false alarms on stderr")
    args = parser.parse_args()
    use_random_secret_if_unset()  # the sandbox it starts and its client share it
    as_of = date.fromisoformat(args.as_of)
    now = datetime(as_of.year, as_of.month, as_of.day, 8, 0, tzinfo=KST)  # before the day's debits
    config = SandboxConfig(seed=7, customers=args.customers, as_of=as_of)
    ids = config.customer_ids()
    plan = plan_events(config.generated_ids(), args.share)
    state = SeededSandboxState(config, now, plan)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(state) as server:
        engine = make_engine(f"sqlite:///{tmp}/mydata.sqlite3")
        create_schema(engine, server.url)
        ensure_tables(engine)

        async def go():
            async with MyDataClient(ClientSettings(timeout_s=30)) as client:
                await link_all(engine, client, server.url, ids, plan, now)
                return await sync_and_detect(engine, client, ids, now)
        latencies = asyncio.run(go())
        with session_scope(engine) as s:
            found = {(cid, kind) for cid, kind in s.execute(select(Alert.customer_id, Alert.kind).distinct())}
        truth = set()
        for cid in ids:
            truth |= {(cid, k) for k in natural_truth(state.book(cid), now)}
            kind = plan.get(cid)
            if kind == "consent_expiring" or cid in state.events:
                truth.add((cid, kind))
        engine.dispose()
    kinds = {}
    for kind in KINDS:
        t = {c for c, k in truth if k == kind}
        f = {c for c, k in found if k == kind}
        tp = len(t & f)
        kinds[kind] = {
            "precision": round(tp / len(f), 3) if f else None,
            "recall": round(tp / len(t), 3) if t else None,
            "true": len(t),
            "found": len(f),
        }
        if args.explain and (t ^ f):
            print(f"{kind}: missed {sorted(t - f)} false {sorted(f - t)}", file=sys.stderr)
    latencies.sort()
    seeded = defaultdict(int)
    for event in state.events.values():
        seeded[event.kind] += 1
    print(
        json.dumps(
            {
                "customers": len(ids),
                "as_of": as_of.isoformat(),
                "seeded": dict(sorted(seeded.items())),
                "kinds": kinds,
                "commit_to_alert_ms": {
                    "p50": round(1000 * statistics.median(latencies), 1) if latencies else None,
                    "p95": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1)
                    if latencies
                    else None,
                    "n": len(latencies),
                },
                "seconds": round(time.perf_counter() - started, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
