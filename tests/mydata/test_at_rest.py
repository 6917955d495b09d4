"""Customer data at rest: tokens and account numbers encrypted, files private, older stores upgraded."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from bot.mydata.analytics.balances import balances
from bot.mydata.masking import mask_number
from bot.mydata.store import vault
from bot.mydata.store.db import create_schema, drop_schema, make_engine, session_scope
from bot.mydata.store.migrate import head_revision, store_revision
from bot.mydata.store.models import Account, Base, InsurancePolicy, Loan, Token
from bot.mydata.store.rotation import reencrypt_store

from . import schema_v2, schema_v3, truth
from .conftest import NOW, run
from .schema_check import schema_diff
from .test_lifecycle import CUSTOMER, count, link, sync


@pytest.fixture(autouse=True)
def own_key(monkeypatch, tmp_path):
    """Each test gets its own key file (created on first use) and no key in the environment."""
    monkeypatch.delenv(vault.KEY_ENV, raising=False)
    monkeypatch.setenv(vault.KEY_FILE_ENV, str(tmp_path / "keys" / "mydata_token.key"))
    vault.reset_cache()
    yield
    vault.reset_cache()


def full_numbers(sandbox_config) -> list[str]:
    book = truth.book(sandbox_config, CUSTOMER)
    numbers = [a.account_num for ib in book.institutions.values()
               for a in ib.deposits + ib.loans + ib.invest_accounts]
    numbers += [p.insu_num for ib in book.institutions.values() for p in ib.policies]
    numbers += [
        c.card_num for ib in book.institutions.values() for c in ib.cards
    ]  # half-masked by the card issuer
    return numbers + [n.replace("-", "") for n in numbers]


def stored_tokens(engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(Token.access_token, Token.refresh_token)).all()
    return [t for row in rows for t in row]


def sqlite_bytes(engine) -> bytes:
    """The database file and any WAL, as they lie on disk."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    path = Path(engine.url.database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def raw_text(engine) -> str:
    """Every text value in the secret-bearing tables, read past the model's decrypting types."""
    parts = []
    with engine.connect() as conn:
        for table in (
            "tokens",
            "accounts",
            "loans",
            "insurance_policies",
            "cards",
            "sync_cursors",
            "sync_runs",
            "consents",
        ):
            parts += [" ".join(map(str, row)) for row in conn.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(parts)


def test_tokens_and_account_numbers_are_not_in_the_store(engine, sandbox, sandbox_config):
    run(link(engine, sandbox, CUSTOMER))
    assert sync(engine).ok and sync(engine).ok
    tokens = stored_tokens(engine)
    numbers = full_numbers(sandbox_config)
    assert len(tokens) >= 10 and all(t.count(".") == 2 for t in tokens)  # the sandbox's JWTs, decrypted
    stored = raw_text(engine)
    assert not [t for t in tokens if t in stored]
    assert not [n for n in numbers if n in stored]
    if engine.dialect.name == "sqlite":
        on_disk = sqlite_bytes(engine)
        assert not [t for t in tokens if t.encode() in on_disk]
        assert not [n for n in numbers if n.encode() in on_disk]
    with session_scope(engine) as s:
        shown = balances(s, CUSTOMER, now=NOW).accounts
        mine = {a.account_num for ib in truth.book(sandbox_config, CUSTOMER).institutions.values()
                for a in ib.deposits}
        assert {a.account_masked for a in shown} <= {mask_number(n) for n in mine}
        assert all(a.account_masked.startswith("****-") for a in shown)


def test_a_wrong_key_gives_a_clear_error_not_garbage(sqlite_engine, sandbox, monkeypatch):
    run(link(sqlite_engine, sandbox, CUSTOMER))
    monkeypatch.setenv(vault.KEY_ENV, Fernet.generate_key().decode())
    vault.reset_cache()
    with pytest.raises(vault.StoreKeyError, match="cannot be decrypted"):
        stored_tokens(sqlite_engine)
    with pytest.raises(vault.StoreKeyError):
        sync(sqlite_engine)
    monkeypatch.setenv(vault.KEY_ENV, "not a key")
    vault.reset_cache()
    with pytest.raises(vault.StoreKeyError, match="malformed"):
        stored_tokens(sqlite_engine)


def test_a_new_key_in_front_keeps_the_store_readable_and_rotation_reencrypts(
    sqlite_engine, sandbox, monkeypatch
):
    run(link(sqlite_engine, sandbox, CUSTOMER))
    assert sync(sqlite_engine).ok
    tokens = stored_tokens(sqlite_engine)
    accounts = count(sqlite_engine, Account, "B0010001")
    old_key = vault.key_file_path().read_text().strip()
    env = {**os.environ, "DATABASE_URL": str(sqlite_engine.url)}
    rotated = subprocess.run([sys.executable, "-m", "bot.mydata", "rotate-key"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert rotated.returncode == 0, rotated.stderr
    vault.reset_cache()
    assert vault.key_file_path().read_text().splitlines()[1:] == [old_key]
    assert stored_tokens(sqlite_engine) == tokens  # the old key still decrypts too
    with session_scope(sqlite_engine) as s:
        reencrypt_store(s)  # twice is harmless
    only_new = vault.key_file_path().read_text().splitlines()[0]
    monkeypatch.setenv(vault.KEY_ENV, only_new)
    vault.reset_cache()
    assert stored_tokens(sqlite_engine) == tokens  # everything is under the new key now
    assert sync(sqlite_engine).ok
    assert count(sqlite_engine, Account, "B0010001") == accounts  # matched by the new hash, not re-added
    assert only_new != old_key


def test_the_key_file_and_the_store_are_private(tmp_path, sandbox, sandbox_config):
    data_dir = tmp_path / "var"
    engine = make_engine(f"sqlite:///{data_dir / 'mydata.sqlite3'}")
    create_schema(engine, sandbox.url)
    run(link(engine, sandbox, CUSTOMER))
    assert sync(engine).ok
    engine.dispose()
    files = [p for p in data_dir.rglob("*")] + list(vault.key_file_path().parent.rglob("*"))
    assert any(p.name == "mydata.sqlite3" for p in files) and vault.key_file_path() in files
    loose = {
        str(p): oct(p.stat().st_mode & 0o777)
        for p in files
        if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    }
    assert loose == {}
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def older_store(engine, sandbox, sandbox_config, version: int, folder: Path) -> dict:
    """A real store of schema `version` as the code before Alembic left it (1 or 2: plain tokens and
    numbers; 3: encrypted), holding a synced customer copied row by row from a current store;
    returns what it holds as stored, and its row count per table."""
    source = make_engine(f"sqlite:///{folder / 'source.sqlite3'}")
    create_schema(source, sandbox.url)
    run(link(source, sandbox, CUSTOMER))
    assert sync(source).ok
    frozen = schema_v3 if version == 3 else schema_v2
    drop_schema(engine)
    frozen.Base.metadata.create_all(engine)
    counts = {}
    with source.connect() as src, engine.begin() as dst:
        for old in frozen.Base.metadata.sorted_tables:
            if old.name == "schema_version":
                rows = [{"version": version, "applied_at": NOW}]
            else:  # version 3 keeps the ciphertext as stored; older versions get the plain values back
                columns = list(old.columns) if version == 3 else [Base.metadata.tables[old.name].c[c.name]
                                                                  for c in old.columns]
                rows = [dict(r._mapping) for r in src.execute(select(*columns))]
            if old.name == "cards" and version < 3:  # as issuers send them and older versions stored them
                issued = {
                    c.card_id: c.card_num
                    for ib in truth.book(sandbox_config, CUSTOMER).institutions.values()
                    for c in ib.cards
                }
                rows = [{**r, "card_num": issued[r["card_id"]]} for r in rows]
            if rows:
                dst.execute(old.insert(), rows)
            if (
                rows
                and engine.dialect.name == "postgresql"
                and "id" in old.c
                and old.c.id.autoincrement is True
            ):
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{old.name}', 'id'), "
                                 f"(SELECT max(id) FROM {old.name}))"))
            counts[old.name] = len(rows)
        if version == 1:
            for table in ("accounts", "loans", "cards", "insurance_policies"):
                dst.execute(text(f"ALTER TABLE {table} DROP COLUMN closed_at"))
            dst.execute(text("DROP TABLE data_access_log"))
            del counts["data_access_log"]
        plain = {"tokens": [t for row in dst.execute(text("SELECT access_token, refresh_token FROM tokens"))
                            for t in row],
                 "numbers": [r[0] for r in dst.execute(text(
                     "SELECT account_num FROM accounts UNION ALL SELECT account_num FROM loans UNION ALL "
                     "SELECT insu_num FROM insurance_policies"))],
                 "cards": [r[0] for r in dst.execute(text("SELECT card_num FROM cards"))],
                 "accounts": counts["accounts"], "counts": counts}
    source.dispose()
    return plain


def row_counts(engine, tables) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_store_is_upgraded_in_place(engine, sandbox, sandbox_config, version, tmp_path):
    """A version-1 or -2 store (plain tokens and account numbers) gets every later column, its
    secrets encrypted and hashed, and keeps its data; a sync afterwards adds no second copy."""
    if engine.dialect.name == "sqlite" and version == 1:
        import sqlite3
        if sqlite3.sqlite_version_info < (3, 35):
            pytest.skip("making a version-1 store needs SQLite's DROP COLUMN (3.35+)")
    plain = older_store(engine, sandbox, sandbox_config, version, tmp_path / "source")
    assert (
        plain["tokens"]
        and plain["numbers"]
        and all("**-****-" in c for c in plain["cards"])
        and all(not vault.is_encrypted(t) for t in plain["tokens"])
    )
    stored = raw_text(engine)
    assert all(t in stored for t in plain["tokens"]) and all(n in stored for n in plain["numbers"])
    if engine.dialect.name == "sqlite":
        assert all(
            t.encode() in sqlite_bytes(engine) for t in plain["tokens"]
        )  # what the check below looks for

    create_schema(engine, sandbox.url)
    with engine.connect() as conn:
        cursors = [r[0] for r in conn.execute(text("SELECT resource FROM sync_cursors WHERE resource LIKE "
                                                   "'invest.products:%'"))]
    assert store_revision(engine) == head_revision()
    assert schema_diff(engine) == []
    kept = {t: n for t, n in plain["counts"].items() if t != "schema_version"}
    assert row_counts(engine, kept) == kept
    stored = raw_text(engine)
    assert not [t for t in plain["tokens"] if t in stored]
    assert not [n for n in plain["numbers"] + plain["cards"] if n in stored]
    if engine.dialect.name == "sqlite":
        on_disk = sqlite_bytes(engine)
        assert not [n for n in plain["numbers"] if n.encode() in on_disk]
        assert not [t for t in plain["tokens"] if t.encode() in on_disk]
    assert sorted(stored_tokens(engine)) == sorted(plain["tokens"])
    assert cursors and all(len(c) == len("invest.products:") + vault.NUMBER_KEY_CHARS for c in cursors)
    with engine.connect() as conn:
        numbers = [r[0] for r in conn.execute(select(Account.account_num).union_all(
            select(Loan.account_num), select(InsurancePolicy.insu_num)))]
        assert sorted(numbers) == sorted(plain["numbers"])
    assert sync(engine).ok
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar() == plain["accounts"]
    with session_scope(engine) as s:
        assert all(a.account_masked.startswith("****-") for a in balances(s, CUSTOMER, now=NOW).accounts)
