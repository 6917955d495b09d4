"""Running a sync: every active consent of a customer fetched concurrently and written one
institution at a time on store threads; many customers at a bounded concurrency. A failure of one
institution is recorded and never stops the others."""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable

from sqlalchemy.engine import Connection, Engine

from bot.kb.merchants import MerchantMatcher
from bot.mydata.client import MyDataClient
from bot.mydata.consent import purge_expired
from bot.mydata.errors import MyDataError
from bot.mydata.sync.context import ConsentContext, load_contexts, load_matcher
from bot.mydata.sync.fetch import InstitutionFetcher
from bot.mydata.sync.write import record_failure, write_snapshot

log = logging.getLogger(__name__)


@dataclass
class InstitutionResult:
    org_code: str
    ok: bool
    error: str | None = None
    api_calls: int = 0
    new_transactions: int = 0
    new_approvals: int = 0
    seconds: float = 0.0


@dataclass
class CustomerSyncResult:
    customer_id: str
    institutions: list[InstitutionResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.institutions)

    @property
    def new_records(self) -> int:
        return sum(r.new_transactions + r.new_approvals for r in self.institutions)


class StoreWorker:
    """Runs database work off the event loop: one thread for SQLite (one writer at a time), several
    for PostgreSQL (each waits on its own server process, so more of them hide the round trips of a
    batch); `threads=0` runs it inline.

    Each thread keeps one connection for the whole batch: checking a connection out of the pool
    (and pinging it) for every institution costs more than many of the institutions' writes. A
    unit of work that fails gives its connection back, so the next one starts on a fresh one.
    """

    def __init__(self, engine: Engine, threads: int | None = None, batch: bool = False):
        self.engine = engine
        if threads is None:
            threads = 1 if engine.dialect.name == "sqlite" else (8 if batch else 3)
        self._pool = (ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mydata-store")
                      if threads else None)
        self._local = threading.local()
        self._kept: list[Connection] = []
        self._kept_lock = threading.Lock()

    def _on_connection(self, fn, args):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._local.conn = self.engine.connect()
            with self._kept_lock:
                self._kept.append(conn)
        try:
            return fn(conn, *args)
        except BaseException:
            self._local.conn = None
            conn.close()
            raise

    async def run(self, fn, *args):
        """fn(*args) on a store thread."""
        if self._pool is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def on_connection(self, fn, *args):
        """fn(connection, *args) on a store thread, with that thread's kept connection."""
        return await self.run(self._on_connection, fn, args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        with self._kept_lock:
            for conn in self._kept:
                conn.close()
            self._kept.clear()


async def _sync_institution(client: MyDataClient, worker: StoreWorker, ctx: ConsentContext, now: datetime,
                            matcher: MerchantMatcher, api_type: str) -> InstitutionResult:
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    api = client.institution(ctx.base_url, ctx.org_code, ctx.tokens, api_type)
    try:
        snap = await InstitutionFetcher(api, ctx, now, matcher).run()
        new_txns, new_approvals = await worker.on_connection(write_snapshot, snap, now, started, api.calls,
                                                             api.tokens if api.refreshed else None)
    except Exception as exc:  # any failure leaves the institution's last good data in place
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, MyDataError):
            log.exception("sync of %s for %s failed unexpectedly", ctx.org_code, ctx.customer_id)
        else:
            log.warning("sync of %s for %s failed: %s", ctx.org_code, ctx.customer_id, error)
        await worker.on_connection(record_failure, ctx, error, now, started, api.calls,
                                   api.tokens if api.refreshed else None)
        return InstitutionResult(ctx.org_code, False, error, api.calls, seconds=time.perf_counter() - clock)
    return InstitutionResult(ctx.org_code, True, None, api.calls, new_txns, new_approvals,
                             time.perf_counter() - clock)


async def sync_customer(engine: Engine, client: MyDataClient, customer_id: str, *,
                        now: datetime | None = None, orgs: Iterable[str] | None = None,
                        api_type: str = "regular", worker: StoreWorker | None = None,
                        matcher: MerchantMatcher | None = None
                        ) -> CustomerSyncResult:
    """Syncs every active consent of one customer (or only `orgs`); never raises for one institution."""
    now = now or datetime.now(timezone.utc)
    clock = time.perf_counter()
    own_worker = worker is None
    worker = worker or StoreWorker(engine)
    try:
        matcher = matcher or await worker.run(load_matcher, engine)
        contexts = await worker.on_connection(load_contexts, customer_id, now, orgs)
        results = await asyncio.gather(*(_sync_institution(client, worker, ctx, now, matcher, api_type)
                                         for ctx in contexts))
    finally:
        if own_worker:
            worker.close()
    return CustomerSyncResult(customer_id, list(results), time.perf_counter() - clock)


async def sync_customers(engine: Engine, client: MyDataClient, customer_ids: Iterable[str], *,
                         now: datetime | None = None, concurrency: int = 16, store_threads: int | None = None,
                         on_done: Callable[[CustomerSyncResult], None] | None = None
                         ) -> list[CustomerSyncResult]:
    """Syncs many customers, `concurrency` at a time, after purging expired consents."""
    now = now or datetime.now(timezone.utc)
    worker = StoreWorker(engine, store_threads, batch=True)
    try:
        await worker.run(purge_expired, engine, now)
        matcher = await worker.run(load_matcher, engine)
        gate = asyncio.Semaphore(concurrency)

        async def one(customer_id: str) -> CustomerSyncResult:
            async with gate:
                result = await sync_customer(engine, client, customer_id, now=now, worker=worker,
                                             matcher=matcher)
            if on_done is not None:
                on_done(result)
            return result

        return list(await asyncio.gather(*(one(c) for c in customer_ids)))
    finally:
        worker.close()
