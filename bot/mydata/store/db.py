"""Engines, sessions and the schema: SQLite under var/ by default, PostgreSQL when DATABASE_URL says so.

The tables are made and changed by the migrations (`migrate.py`); this module adds the reference
data (institutions, merchant categories) they are loaded with.
"""
from __future__ import annotations

import functools
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import yaml
from sqlalchemy import create_engine, delete, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot.kb.lexicon import REPO_ROOT, load_lexicon
from bot.kb.merchants import merchant_pattern_rows, squash
from bot.mydata.errors import StoreNotReady
from bot.mydata.store.migrate import head_revision, store_metadata, store_revision, upgrade_store
from bot.mydata.store.models import Institution, MerchantCategory
from bot.private_files import private_sqlite

DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "mydata.sqlite3"
BANK_MEMO_RULES = Path(__file__).with_name("bank_memo_categories.yml")


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """A new engine; SQLite gets WAL, a busy timeout and foreign keys, PostgreSQL batched executemany.

    A full sync of many customers makes a SQLite store of a gigabyte or more: a bigger page cache,
    reads through mmap and checkpoints every 16 MB of WAL (not 4 MB) keep its writer from going
    back to the disk for the same index pages over and over.
    """
    url = url or database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            private_sqlite(path)
        if path != ":memory:":
            kwargs.setdefault("poolclass", QueuePool)
            kwargs.setdefault("pool_size", 8)
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 30},
                               **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA cache_size=-32768")
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.execute("PRAGMA wal_autocheckpoint=4000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, future=True, executemany_mode="values_plus_batch", **kwargs)


@functools.lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One shared engine per URL for the process (the chat actions, the CLI)."""
    return make_engine(url or database_url())


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    with Session(engine or get_engine(), future=True) as session:
        with session.begin():
            yield session


def category_rows() -> list[tuple[str, str, str, str]]:
    """(pattern, merchant, category, source) from lexicons.yml and the bank-memo rules."""
    lexicon = load_lexicon()
    rows = [(squash(p), m, c, "lexicon") for p, m, c in merchant_pattern_rows(lexicon)]
    with open(BANK_MEMO_RULES, encoding="utf-8") as handle:
        for rule in yaml.safe_load(handle):
            if rule["category"] not in lexicon.categories:
                raise ValueError(f"bank memo rule {rule} names an unknown category")
            rows.append((squash(rule["pattern"]), rule["pattern"], rule["category"], "bank_memo"))
    unique: dict[str, tuple[str, str, str, str]] = {}
    for row in rows:
        unique.setdefault(row[0], row)
    return list(unique.values())


def create_schema(engine: Engine, api_base_url: str | None = None) -> None:
    """Creates the store or upgrades it to the newest migration, then loads institutions and
    merchant categories."""
    upgrade_store(engine)
    with session_scope(engine) as session:
        sync_reference_data(session, api_base_url)


def sync_reference_data(session: Session, api_base_url: str | None = None) -> None:
    """Makes the institutions and merchant_categories tables equal to the lexicon files."""
    existing = {i.org_code: i for i in session.execute(select(Institution)).scalars()}
    for inst in load_lexicon().institutions:
        row = existing.get(inst.org_code)
        base = f"{api_base_url.rstrip('/')}/{inst.org_code}" if api_base_url else None
        if row is None:
            session.add(
                Institution(org_code=inst.org_code, name=inst.name, kind=inst.kind, api_base_url=base)
            )
        else:
            row.name, row.kind = inst.name, inst.kind
            if base:
                row.api_base_url = base
    session.execute(delete(MerchantCategory))
    session.flush()
    session.add_all(
        [MerchantCategory(pattern=p, merchant=m, category=c, source=s) for p, m, c, s in category_rows()]
    )


def schema_exists(engine: Engine) -> bool:
    """Whether the database holds a MyData store (at any version, before Alembic too)."""
    found = inspect(engine)
    return found.has_table("alembic_version") or found.has_table("schema_version")


def require_schema(engine: Engine) -> Engine:
    """The engine, once it is known to hold the MyData schema (an older version is upgraded in
    place); StoreNotReady when there is none."""
    if not schema_exists(engine):
        raise StoreNotReady(f"no MyData schema at {engine.url.render_as_string(hide_password=True)}; "
                            "run `python -m bot.mydata init-db` first")
    if store_revision(engine) != head_revision():
        create_schema(engine)
    return engine


def drop_schema(engine: Engine) -> None:
    """Every table of the store, and the record of its version."""
    store_metadata().drop_all(engine)
    with engine.begin() as conn:
        for table in ("alembic_version", "schema_version"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
