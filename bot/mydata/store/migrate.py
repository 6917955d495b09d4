"""The store's schema through Alembic: a new store is made by running every migration, an older
one is upgraded by the ones it lacks (`upgrade_store`, idempotent).

The migrations are in `migrations/versions/`, configured by `alembic.ini` beside this module (the
same file the alembic command line takes for writing a new one: bot/mydata/README.md says how).
Stores made before Alembic kept their version in `schema_version` (1, 2 or 3): such a store is
first stamped with the matching revision, then upgraded like any other.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

from bot.mydata.errors import StoreNotReady
from bot.mydata.store.rotation import compact

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
LEGACY_REVISIONS = {1: "0001", 2: "0002", 3: "0003"}  # schema_version before Alembic -> the same schema
UPGRADE_LOCK = 0x6D7964617461  # PostgreSQL advisory lock key ("mydata") held while the schema changes
COMPACT_AFTER = "compact_after"  # a migration rewrote secrets: the files are rewritten after the commit


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, running its migrations on `connection` when one is given."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("prepend_sys_path", "")  # for the command line; here `bot` is importable already
    config.attributes["connection"] = connection
    return config


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration: what every store is brought to."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(
            "the MyData store has no migrations: bot/mydata/store/migrations/versions is empty"
        )
    return head


def store_revision(engine: Engine) -> str | None:
    """The migration the store is at; None for a store without Alembic's version table."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def store_metadata() -> MetaData:
    """Every table of the store: the MyData models and the proactive half's tables, which share
    their Base (bot/insights/models.py). What the migrations must build, and what a new one is
    generated against."""
    import bot.insights.models  # noqa: F401  (registers the proactive tables on the Base)
    from bot.mydata.store.models import Base

    return Base.metadata


def _legacy_version(conn: Connection) -> int | None:
    """The version a store made before Alembic recorded (an empty table: version 3 was being
    created), None when there is no such table."""
    if not inspect(conn).has_table("schema_version"):
        return None
    version = conn.execute(text("SELECT max(version) FROM schema_version")).scalar() or 3
    if version not in LEGACY_REVISIONS:
        raise StoreNotReady(f"the MyData store says schema_version {version}, which no migration knows")
    return version


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """One connection and one transaction for a schema change, one process at a time.

    PostgreSQL: an advisory lock, held to the commit, serializes concurrent upgrades (the second
    finds the store at head). SQLite: foreign keys are off, since a table Alembic rebuilds (copy,
    drop, rename) must not take its children with it, and the transaction is begun explicitly
    with BEGIN IMMEDIATE (the write lock at once; the driver would otherwise run each CREATE or
    ALTER outside any transaction).
    """
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
                yield conn
            return
        driver = conn.connection.dbapi_connection
        isolation = driver.isolation_level
        driver.isolation_level = None  # no implicit BEGIN: the one below spans every statement
        try:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                yield conn
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
            driver.isolation_level = isolation


def upgrade_store(engine: Engine) -> None:
    """Creates the store's tables, or upgrades them to the newest migration, keeping the data."""
    config = alembic_config()
    with migration_connection(engine) as conn:
        config.attributes["connection"] = conn
        if MigrationContext.configure(conn).get_current_revision() is None:
            legacy = _legacy_version(conn)
            if legacy is not None:
                command.stamp(config, LEGACY_REVISIONS[legacy])
        command.upgrade(config, "head")
    if config.attributes.get(COMPACT_AFTER):
        compact(engine)
