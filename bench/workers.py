"""The scheduled sync through the real task queue, for `bench/mydata.py --workers 1,2,4 [--fault]`.

Consents are granted once per backend into a template store; each run gets a copy of it (a file
copy for SQLite, `CREATE DATABASE ... TEMPLATE` for PostgreSQL), its own queue on the broker
(CELERY_BROKER_URL, RabbitMQ by default) and N Celery worker processes (`-c 1` each, as
`./run.sh` starts them). One `sync_institution` task per consent is sent; the time is from the
first task's start to the last one's end as the workers recorded them (`task_deliveries`), so
worker start-up is not counted. The fault run kills one of two workers with SIGKILL after a third
of the tasks and starts a replacement; it then checks, from the store, that every consent was
synced exactly once (one successful `sync_runs` row), that no task ended a dead letter, and that
every row the first run stored is there (no more, no fewer).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable

from kombu import Connection
from sqlalchemy import create_engine, func, select, text

from bot.insights.models import DeadLetter, TaskDelivery, ensure_tables
from bot.mydata.store.db import create_schema, make_engine, session_scope
from bot.mydata.store.models import CardApproval, Consent, LoanTransaction, SyncRun, Transaction
from bot.tasks.app import app, broker_url

REPO = Path(__file__).resolve().parents[1]
FINISHED = ("done", "dead", "no_consent", "no_alerts")  # task_deliveries statuses that end a message
PG_ADMIN = os.environ.get("MYDATA_BENCH_PG_ADMIN", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Stores:
    """The template store with every consent, and the copies each run syncs into."""

    def __init__(self, backend: str, workdir: Path):
        self.backend, self.workdir = backend, workdir
        self.created: list[str] = []
        self.admin = create_engine(PG_ADMIN, future=True, isolation_level="AUTOCOMMIT") \
            if backend == "postgresql" else None
        self.template = self._new_url("template")

    def _new_url(self, label: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / f'workers-{label}.sqlite3'}"
        name = f"mydata_workers_{label}_{uuid.uuid4().hex[:8]}"
        self.created.append(name)
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"

    def build_template(self, sandbox_url: str, grant: Callable) -> float:
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.created[0]}"'))
        engine = make_engine(self.template)
        create_schema(engine, sandbox_url)
        ensure_tables(engine)
        started = time.perf_counter()
        grant(engine)
        seconds = time.perf_counter() - started
        if self.backend == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        return seconds

    def copy(self, label: str) -> str:
        url = self._new_url(label)
        if self.backend == "sqlite":
            shutil.copyfile(self.template.split("///", 1)[1], url.split("///", 1)[1])
        else:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.created[-1]}" TEMPLATE "{self.created[0]}"'))
        return url

    def size_mb(self, url: str) -> float:
        if self.backend == "sqlite":
            path = Path(url.split("///", 1)[1])
            return round(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20, 1)
        with self.admin.connect() as conn:
            return round(
                conn.execute(text(f"SELECT pg_database_size('{url.rsplit('/', 1)[1]}')")).scalar() / 2**20, 1
            )

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            path = Path(url.split("///", 1)[1])
            for p in path.parent.glob(path.name + "*"):
                p.unlink()
        else:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))

    def close(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                for name in self.created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()


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
        stdout=(logdir / f"{label}-{queue}.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(names: list[str], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answered = {name for reply in app.control.ping(destination=names, timeout=2.0) for name in reply}
        if set(names) <= answered:
            return
    raise RuntimeError(f"workers not ready after {timeout_s}s: {names}")


def cpu_seconds(root: int) -> float:
    """User + system CPU of a process and every live descendant (a Celery worker and its pool child)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents, used = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid], used[pid] = int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks
    total = 0.0
    for pid in used:
        node = pid
        while node not in (0, 1) and node != root:
            node = parents.get(node, 0)
        if node == root:
            total += used[pid]
    return total


def stored_rows(engine) -> dict:
    with session_scope(engine) as s:
        return {m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar()
                for m in (Transaction, CardApproval, LoanTransaction)}


def run_once(url: str, customers: int, workers: int, kill: bool, workdir: Path, now_iso: str,
             sandbox_pid: int) -> dict:
    engine = make_engine(url)
    with session_scope(engine) as s:
        pairs = s.execute(
            select(Consent.customer_id, Consent.org_code).where(Consent.revoked_at.is_(None))
        ).all()
    queue = f"bench-workers-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": url, "PROACTIVE_QUEUE": queue,
           "ASSISTANT_CLOCK": now_iso, "PROACTIVE_RATE_PER_S": "1000", "PROACTIVE_HTTP_TIMEOUT_S": "30"}
    env.pop("KAKAO_BOT_ID", None)
    labels = [f"w{k}" for k in range(workers)]
    procs = [start_worker(env, queue, label, workdir) for label in labels]
    wait_ready([f"{label}-{queue}@{os.uname().nodename}" for label in labels])
    load_before = os.getloadavg()[0]
    cpu_before = sum(cpu_seconds(p.pid) for p in procs), cpu_seconds(sandbox_pid)
    sent_at = time.perf_counter()
    with Connection(broker_url()) as conn:
        for cid, org in pairs:
            app.send_task("bot.tasks.jobs.sync_institution", args=[cid, org], queue=queue, connection=conn)
    log(f"  {workers} worker(s): {len(pairs)} tasks sent in {time.perf_counter() - sent_at:.1f}s")

    def done() -> int:
        with session_scope(engine) as s:
            return s.execute(select(func.count()).select_from(TaskDelivery).where(
                TaskDelivery.status.in_(FINISHED))).scalar()

    killed, last_report = None, time.monotonic()
    while (finished := done()) < len(pairs):
        if kill and killed is None and finished >= len(pairs) // 3:
            os.killpg(procs[0].pid, signal.SIGKILL)
            procs[0].wait()
            killed = finished
            procs[0] = start_worker(env, queue, "replacement", workdir)
            log(f"  killed a worker (SIGKILL) after {finished} of {len(pairs)} tasks; a replacement started")
        if time.monotonic() - last_report > 60:
            log(f"  {finished}/{len(pairs)} tasks done")
            last_report = time.monotonic()
        time.sleep(0.5)
    wall_s = time.perf_counter() - sent_at
    load_after = os.getloadavg()[0]
    # a killed worker takes its CPU count with it: no worker figure for the fault run
    worker_cpu = None if kill else sum(cpu_seconds(p.pid) for p in procs) - cpu_before[0]
    sandbox_cpu = cpu_seconds(sandbox_pid) - cpu_before[1]
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=60)
    with Connection(broker_url()) as conn:
        conn.channel().queue_delete(queue)
    with session_scope(engine) as s:
        first, last = s.execute(select(func.min(TaskDelivery.first_started_at),
                                       func.max(TaskDelivery.finished_at))).one()
        ok_runs = dict(
            s.execute(
                select(SyncRun.customer_id + "/" + SyncRun.org_code, func.count())
                .where(SyncRun.status == "ok")
                .group_by(SyncRun.customer_id, SyncRun.org_code)
            ).all()
        )
        redelivered = s.execute(
            select(func.count()).select_from(TaskDelivery).where(TaskDelivery.lost > 0)
        ).scalar()
        dead = s.execute(select(func.count()).select_from(DeadLetter)).scalar()
    rows = stored_rows(engine)
    engine.dispose()
    seconds = (last - first).total_seconds()
    result = {
        "workers": workers,
        "consents": len(pairs),
        "seconds": round(seconds, 1),
        "wall_s": round(wall_s, 1),
        "customers_per_s": round(customers / seconds, 2),
        "consents_per_s": round(len(pairs) / seconds, 1),
        "consents_synced": sum(1 for cid, org in pairs if ok_runs.get(f"{cid}/{org}")),
        "consents_synced_twice": sum(1 for n in ok_runs.values() if n > 1),
        "dead_letters": dead,
        "tasks_lost_and_redelivered": redelivered,
        "rows": rows,
        "cpu_ms_per_consent": {
            "workers": None if worker_cpu is None else round(worker_cpu * 1000 / len(pairs), 1),
            "sandbox": round(sandbox_cpu * 1000 / len(pairs), 1),
        },
        "load_1m_before_after": [round(load_before, 2), round(load_after, 2)],
    }
    if kill:
        result["killed_one_worker_after_tasks"] = killed
    return result


def run_worker_counts(args, customers: list[str], sandbox_url: str, workdir: Path, grant: Callable,
                      now_iso: str, sandbox_pid: int) -> dict:
    """`bench/mydata.py --workers`: every backend, every worker count, then the fault run."""
    counts = [int(w) for w in args.workers.split(",")]
    report: dict = {"mode": "celery_workers", "customers": len(customers), "cores": os.cpu_count()}
    for backend in args.backends.split(","):
        stores = Stores(backend, workdir)
        try:
            consent_s = stores.build_template(sandbox_url, grant)
            log(f"[{backend}] consents for {len(customers)} customers in {consent_s:.1f}s")
            runs = []
            for workers in counts:
                url = stores.copy(f"w{workers}")
                runs.append(run_once(url, len(customers), workers, False, workdir, now_iso, sandbox_pid))
                runs[-1]["store_mb"] = stores.size_mb(url)
                log(f"[{backend}] {runs[-1]}")
                stores.drop(url)
            base = runs[0]
            out = {
                "consent_s": round(consent_s, 1),
                "runs": runs,
                "ratio_to_first": {
                    str(r["workers"]): round(r["customers_per_s"] / base["customers_per_s"], 2) for r in runs
                },
            }
            if args.fault:
                url = stores.copy("fault")
                fault = run_once(url, len(customers), 2, True, workdir, now_iso, sandbox_pid)
                fault["rows_missing"] = {t: base["rows"][t] - fault["rows"][t] for t in base["rows"]}
                fault["every_consent_synced_once"] = (fault["consents_synced"] == fault["consents"]
                                                      and fault["consents_synced_twice"] == 0
                                                      and fault["dead_letters"] == 0)
                fault["nothing_lost"] = all(v == 0 for v in fault["rows_missing"].values())
                log(f"[{backend}] fault run: {fault}")
                out["fault"] = fault
                stores.drop(url)
            report[backend] = out
        finally:
            stores.close()
    return report
