"""Real parts for the MyData tests: the sandbox over HTTP on a free port, real SQLite files and a
throwaway PostgreSQL database for the session (dropped afterwards)."""
from __future__ import annotations

import asyncio
import os
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, text

from bot.korean.calendar import KST
from bot.mydata.client import ClientSettings, MyDataClient
from bot.mydata.store.db import create_schema, drop_schema, make_engine
from sandbox.app import SandboxClock, SandboxServer, SandboxState
from sandbox.config import SandboxConfig
from sandbox.linking import link_customer

AS_OF = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 12, 0, tzinfo=KST)
PG_ADMIN_URL = os.environ.get("MYDATA_TEST_PG_ADMIN", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def run(coro):
    return asyncio.run(coro)


@pytest.fixture(scope="session")
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(seed=11, customers=40, as_of=AS_OF)


@pytest.fixture(scope="session")
def sandbox(sandbox_config):
    state = SandboxState(sandbox_config, SandboxClock(NOW), cache_size=64)
    with SandboxServer(state) as server:
        yield server


@pytest.fixture(autouse=True)
def healthy_sandbox(request):
    """Every test starts with no faults, nothing closed and the clock at NOW."""
    yield
    if "sandbox" in request.fixturenames:
        server = request.getfixturevalue("sandbox")
        server.state.reset_faults()
        server.state.closures.clear()
        server.state.clock.fixed = NOW
        server.state.clock.offset = NOW - NOW


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database for the whole session, dropped at the end."""
    admin = create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    name = f"mydata_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _sqlite_engine(tmp_path, sandbox):
    engine = make_engine(f"sqlite:///{tmp_path / 'mydata.sqlite3'}")
    create_schema(engine, sandbox.url)
    return engine


def _pg_engine(pg_database, sandbox):
    engine = make_engine(pg_database, pool_size=4)
    drop_schema(engine)
    create_schema(engine, sandbox.url)
    return engine


@pytest.fixture
def sqlite_engine(tmp_path, sandbox):
    engine = _sqlite_engine(tmp_path, sandbox)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path, sandbox):
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        eng = _sqlite_engine(tmp_path, sandbox)
    else:
        eng = _pg_engine(request.getfixturevalue("pg_database"), sandbox)
    yield eng
    eng.dispose()


def client(**overrides) -> MyDataClient:
    settings = ClientSettings(timeout_s=overrides.pop("timeout_s", 5.0), backoff_base_s=0.02,
                              backoff_max_s=0.2, **overrides)
    return MyDataClient(settings)


async def link(engine, server, customer_id: str, leave_out=frozenset(), **client_overrides) -> list[str]:
    async with client(**client_overrides) as c:
        return await link_customer(engine, c, server.url, customer_id, set(leave_out), NOW)
