"""MyData benchmark: seed N customers, sync them all through the sandbox over HTTP, time the analytics.

    .venv/bin/python bench/mydata.py --customers 1000
    .venv/bin/python bench/mydata.py --customers 10000 --backends sqlite,postgresql
    .venv/bin/python bench/mydata.py --customers 10000 --backends postgresql --workers 1,2,4 --fault

The sandbox runs as its own process (as a real institution would), on a free port, with a fixed
clock, keeping every customer's data in memory once generated. For each backend the store starts
empty: consents are granted for every customer (timed apart), then one full sync of all customers
is timed, then every analytics query is run for a sample of customers. The machine's load average
(1 minute) before and after the sync goes in the result, since other work shares the cores. Prints
one JSON line on stdout; progress goes to stderr.

With `--workers`, the sync is the scheduled one instead (bench/workers.py): one `sync_institution`
task per consent on the task broker, served by 1, 2, 4... Celery worker processes, each count on a
copy of the same store with every consent granted; customers/s per worker count, the ratio to one
worker, and the store's size. `--fault` adds a run with two workers in which one is killed
(SIGKILL) a third of the way through and replaced: every consent must be synced exactly once and
every row the one-worker run stored must be there.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bot.korean.calendar import KST  # noqa: E402
from bot.mydata.analytics.balances import balances, net_worth  # noqa: E402
from bot.mydata.analytics.cards import card_bills  # noqa: E402
from bot.mydata.analytics.income import income  # noqa: E402
from bot.mydata.analytics.insurance import insurance_summary  # noqa: E402
from bot.mydata.analytics.investments import investment_summary  # noqa: E402
from bot.mydata.analytics.linked import linked_assets  # noqa: E402
from bot.mydata.analytics.loans import loan_summary  # noqa: E402
from bot.mydata.analytics.profile import credit_facts  # noqa: E402
from bot.mydata.analytics.recurring import recurring_payments  # noqa: E402
from bot.mydata.analytics.spending import spending  # noqa: E402
from bot.mydata.analytics.transactions import search_transactions  # noqa: E402
from bot.mydata.audit import reading_as  # noqa: E402
from bot.mydata.client import ClientSettings, MyDataClient  # noqa: E402
from bot.mydata.credentials import use_random_secret_if_unset  # noqa: E402
from bot.mydata.store.db import create_schema, make_engine, session_scope  # noqa: E402
from bot.mydata.store.models import CardApproval, LoanTransaction, Transaction  # noqa: E402
from bot.mydata.sync.run import sync_customers  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402
from sandbox.linking import link_customer  # noqa: E402
from sandbox.manifest import save_config  # noqa: E402

AS_OF = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=KST)
PG_ADMIN = os.environ.get("MYDATA_BENCH_PG_ADMIN", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], 2) if ordered else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sandbox(config: SandboxConfig, workdir: Path) -> tuple[subprocess.Popen, str]:
    manifest = workdir / "sandbox.json"
    save_config(config, manifest)
    port = free_port()
    env = {**os.environ, "MYDATA_SANDBOX_MANIFEST": str(manifest), "PYTHONPATH": str(REPO)}
    # Every customer's book stays in memory (~0.2 MB each), as an institution has its data at hand:
    # generating synthetic data is the sandbox's cost, not the sync's.
    cache = max(2048, len(config.customer_ids()))
    proc = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--port", str(port), "--fixed-clock",
                             NOW.replace(tzinfo=None).isoformat(), "--cache", str(cache)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    if "sandbox on" not in line:
        proc.kill()
        raise RuntimeError(f"sandbox did not start: {line}")
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    return proc, url


def stop_sandbox(proc: subprocess.Popen) -> None:
    """A sandbox holding every book takes a while to let go of them; it is killed if it lingers."""
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


QUERIES = {
    "balances": lambda s, c: balances(s, c, now=NOW),
    "net_worth": lambda s, c: net_worth(s, c, now=NOW),
    "spending": lambda s, c: spending(s, c, date(2025, 5, 1), date(2025, 5, 31), now=NOW),
    "spending_3m": lambda s, c: spending(s, c, date(2025, 4, 1), date(2025, 6, 30), now=NOW),
    "income": lambda s, c: income(s, c, now=NOW),
    "recurring_payments": lambda s, c: recurring_payments(s, c, now=NOW),
    "card_bills": lambda s, c: card_bills(s, c, now=NOW),
    "loan_summary": lambda s, c: loan_summary(s, c, now=NOW),
    "search_transactions": lambda s, c: search_transactions(s, c, merchant="스타벅스", now=NOW),
    "search_amount_range": lambda s, c: search_transactions(
        s, c, start=date(2025, 1, 1), end=date(2025, 6, 30), min_amount=30000, max_amount=100000, now=NOW),
    "insurance_summary": lambda s, c: insurance_summary(s, c, now=NOW),
    "investment_summary": lambda s, c: investment_summary(s, c, now=NOW),
    "linked_assets": lambda s, c: linked_assets(s, c, now=NOW),
    "credit_profile": lambda s, c: credit_facts(s, c, now=NOW),
}


async def grant_all(engine, url: str, customers: list[str], concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)
    bar = tqdm(total=len(customers), desc="consents", unit="cust", file=sys.stderr, mininterval=2)
    async with MyDataClient(ClientSettings(timeout_s=30)) as client:
        async def one(customer_id: str) -> None:
            async with gate:
                await link_customer(engine, client, url, customer_id, now=NOW)
            bar.update()

        await asyncio.gather(*(one(c) for c in customers))
    bar.close()


async def sync_all(engine, customers: list[str], concurrency: int) -> list:
    bar = tqdm(total=len(customers), desc="sync", unit="cust", file=sys.stderr, mininterval=2)
    async with MyDataClient(ClientSettings(timeout_s=30, max_connections=128)) as client:
        results = await sync_customers(engine, client, customers, now=NOW, concurrency=concurrency,
                                       on_done=lambda r: bar.update())
    bar.close()
    return results


def run_backend(name: str, url: str, sandbox_url: str, customers: list[str], args) -> dict:
    engine = make_engine(url)
    create_schema(engine, sandbox_url)
    started = time.perf_counter()
    asyncio.run(grant_all(engine, sandbox_url, customers, args.concurrency))
    consent_s = time.perf_counter() - started
    log(f"[{name}] consents for {len(customers)} customers in {consent_s:.1f}s")
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    results = asyncio.run(sync_all(engine, customers, args.concurrency))
    sync_s = time.perf_counter() - started
    load_after = os.getloadavg()[0]
    failures = sum(1 for r in results for i in r.institutions if not i.ok)
    with engine.connect() as conn:
        stored = sum(conn.execute(select(func.count()).select_from(m)).scalar()
                     for m in (Transaction, CardApproval, LoanTransaction))
    log(f"[{name}] sync {sync_s:.1f}s, {stored} transactions, {failures} institution failures")
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums after inserts too);
        # done here so it does not run in the middle of the timed queries.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    sample = random.Random(7).sample(customers, min(args.queries, len(customers)))
    with reading_as("bench"):
        for query, fn in QUERIES.items():  # compile each statement once before timing
            with session_scope(engine) as session:
                fn(session, customers[0])
    timings: dict[str, list[float]] = {q: [] for q in QUERIES}
    with reading_as("bench"):
        for customer_id in sample:
            for query, fn in QUERIES.items():
                t0 = time.perf_counter()
                with session_scope(engine) as session:
                    fn(session, customer_id)
                timings[query].append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return {"customers": len(customers), "consent_s": round(consent_s, 2), "sync_s": round(sync_s, 2),
            "customers_per_s": round(len(customers) / sync_s, 2), "transactions": stored,
            "transactions_per_s": round(stored / sync_s, 1),
            "sync_p95_ms": p95([r.seconds * 1000 for r in results]), "institution_failures": failures,
            "load_1m_before_after": [round(load_before, 2), round(load_after, 2)],
            "query_p95_ms": {q: p95(v) for q, v in timings.items()}, "queries_sampled": len(sample)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--concurrency", type=int, default=32, help="customers synced at once")
    parser.add_argument("--queries", type=int, default=200, help="customers sampled for query latency")
    parser.add_argument("--workers", help="Celery worker counts to run the scheduled sync with, e.g. 1,2,4")
    parser.add_argument("--fault", action="store_true", help="with --workers: kill a worker mid-run")
    args = parser.parse_args()
    use_random_secret_if_unset()  # the sandbox it starts and its client share it
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    config = SandboxConfig(seed=args.seed, customers=args.customers, as_of=AS_OF)
    customers = config.generated_ids()
    report = {}
    with tempfile.TemporaryDirectory(prefix="mydata-bench-") as tmp:
        workdir = Path(tmp)
        proc, sandbox_url = start_sandbox(config, workdir)
        try:
            if args.workers:
                from bench.workers import run_worker_counts

                report = run_worker_counts(
                    args,
                    customers,
                    sandbox_url,
                    workdir,
                    lambda engine: asyncio.run(grant_all(engine, sandbox_url, customers, args.concurrency)),
                    NOW.isoformat(),
                    proc.pid,
                )
                print(json.dumps(report, ensure_ascii=False))
                return 0
            for backend in args.backends.split(","):
                if backend == "sqlite":
                    report["sqlite"] = run_backend(
                        "sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", sandbox_url, customers, args
                    )
                elif backend == "postgresql":
                    admin = create_engine(PG_ADMIN, future=True, isolation_level="AUTOCOMMIT")
                    db = f"mydata_bench_{uuid.uuid4().hex[:8]}"
                    with admin.connect() as conn:
                        conn.execute(text(f'CREATE DATABASE "{db}"'))
                    try:
                        report["postgresql"] = run_backend(
                            "postgresql", PG_ADMIN.rsplit("/", 1)[0] + f"/{db}", sandbox_url, customers, args
                        )
                    finally:
                        with admin.connect() as conn:
                            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                        admin.dispose()
                else:
                    raise SystemExit(f"unknown backend {backend}")
        finally:
            stop_sandbox(proc)
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
