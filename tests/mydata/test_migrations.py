"""The store's schema through Alembic: a new store is made by the migrations and matches the models,
upgrading is idempotent, a store the code before Alembic made at version 3 is taken over with its
data, and the `upgrade` command runs it all."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, inspect, text

from bot.insights.models import ensure_tables
from bot.mydata.errors import StoreNotReady
from bot.mydata.store.db import create_schema, make_engine, schema_exists
from bot.mydata.store.migrate import head_revision, store_metadata, store_revision
from bot.mydata.store.models import Account

from .schema_check import schema_diff
from .test_at_rest import older_store, row_counts
from .test_lifecycle import count, sync

REPO = Path(__file__).resolve().parents[2]


def layout(engine) -> dict:
    """Every table's columns, indexes and unique constraints as the database reports them."""
    found = inspect(engine)
    return {t: ([(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(t)],
                found.get_indexes(t), found.get_unique_constraints(t))
            for t in sorted(found.get_table_names())}


def test_a_new_store_is_made_by_the_migrations_and_matches_the_models(engine):
    assert store_revision(engine) == head_revision()
    assert not inspect(engine).has_table("schema_version")
    assert schema_diff(engine) == []
    # the comparison has teeth: a column the migrations do not make is reported
    changed = MetaData()
    for table in store_metadata().sorted_tables:
        table.to_metadata(changed)
    changed.tables["accounts"].append_column(Column("nickname", Integer))
    assert [d[0] for d in schema_diff(engine, changed)] == ["add_column"]


def test_upgrading_a_store_at_the_newest_migration_changes_nothing(sqlite_engine, sandbox):
    before = layout(sqlite_engine)
    counts = row_counts(sqlite_engine, before)
    create_schema(sqlite_engine, sandbox.url)
    assert layout(sqlite_engine) == before
    assert row_counts(sqlite_engine, before) == counts
    assert store_revision(sqlite_engine) == head_revision()


def test_a_version_3_store_from_before_alembic_is_taken_over_with_its_data(engine, sandbox, sandbox_config,
                                                                            tmp_path):
    stored = older_store(engine, sandbox, sandbox_config, 3, tmp_path / "source")
    assert schema_exists(engine) and store_revision(engine) is None
    create_schema(engine, sandbox.url)
    assert store_revision(engine) == head_revision()
    assert schema_diff(engine) == []
    kept = {t: n for t, n in stored["counts"].items() if t != "schema_version"}
    assert row_counts(engine, kept) == kept
    with engine.connect() as conn:
        numbers = [r[0] for r in conn.execute(text(
            "SELECT account_num FROM accounts UNION ALL SELECT account_num FROM loans UNION ALL "
            "SELECT insu_num FROM insurance_policies"))]
    assert sorted(numbers) == sorted(stored["numbers"])  # the ciphertext as it was: nothing rewritten
    assert sync(engine).ok
    assert count(engine, Account, "B0010001") > 0
    assert row_counts(engine, ["accounts"]) == {"accounts": stored["accounts"]}


def test_the_proactive_tables_come_only_from_the_migrations(engine, sandbox, sandbox_config, tmp_path):
    bare = make_engine(f"sqlite:///{tmp_path / 'bare.sqlite3'}")
    with pytest.raises(StoreNotReady):
        ensure_tables(bare)
    assert inspect(bare).get_table_names() == []
    older_store(engine, sandbox, sandbox_config, 3, tmp_path / "source")
    ensure_tables(engine)
    assert store_revision(engine) == head_revision()
    assert {"sync_schedules", "alerts", "alert_web_deliveries"} <= set(inspect(engine).get_table_names())
    assert schema_diff(engine) == []


def test_the_upgrade_command_creates_then_keeps_the_store(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'mydata.sqlite3'}",
           "MYDATA_TOKEN_KEY_FILE": str(tmp_path / "var" / "mydata_token.key")}
    command = [sys.executable, "-m", "bot.mydata", "upgrade"]
    first = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert f"new store -> {head_revision()}" in first.stdout
    again = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f": {head_revision()} -> {head_revision()}" in again.stdout
    engine = make_engine(env["DATABASE_URL"])
    try:
        assert schema_diff(engine) == []
        assert row_counts(engine, ["institutions"])["institutions"] > 0
    finally:
        engine.dispose()
