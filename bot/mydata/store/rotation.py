"""Re-encrypting the store's secrets: every one under a new key (`rotate-key`), or only the plain
values older schemas kept (migration 0003), and rewriting the files afterwards.

Raw SQL throughout: the rows are read as stored, not through the model's decrypting types. The
statements run on a Session or a Connection alike (`execute(text, params)`).
"""
from __future__ import annotations

from typing import Union

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.mydata.masking import mask_number
from bot.mydata.store.vault import Vault, is_encrypted, vault

NUMBERED_TABLES = {"accounts": "account", "loans": "account", "insurance_policies": "insu"}  # column prefix
INVEST_CURSOR = "invest.products:"

Executor = Union[Session, Connection]


def _number_rows(db: Executor, table: str, prefix: str, box: Vault, plain_only: bool) -> list[dict]:
    rows = db.execute(text(f"SELECT id, {prefix}_num FROM {table}")).all()
    out = []
    for row_id, stored in rows:
        if plain_only and is_encrypted(stored):
            continue
        number = box.decrypt(stored) if is_encrypted(stored) else stored
        out.append({"row_id": row_id, "enc": box.encrypt(number), "key": box.number_key(number),
                    "masked": mask_number(number)})
    return out


def rewrite_numbers(db: Executor, box: Vault, plain_only: bool) -> int:
    """Account, loan and policy numbers encrypted under the first key, with their keyed hash and
    masked form; `plain_only` leaves values already encrypted alone. Returns the rows rewritten."""
    rewritten = 0
    for table, prefix in NUMBERED_TABLES.items():
        params = _number_rows(db, table, prefix, box, plain_only)
        if params:
            db.execute(text(f"UPDATE {table} SET {prefix}_num = :enc, {prefix}_key = :key, "
                            f"{prefix}_masked = :masked WHERE id = :row_id"), params)
        rewritten += len(params)
    return rewritten


def rewrite_tokens(db: Executor, box: Vault, plain_only: bool) -> int:
    """Institution tokens encrypted under the first key (see `rewrite_numbers`)."""
    params = []
    for consent_id, access, refresh in db.execute(
            text("SELECT consent_id, access_token, refresh_token FROM tokens")).all():
        if plain_only and is_encrypted(access) and is_encrypted(refresh):
            continue
        params.append({"cid": consent_id,
                       "access": box.rotate(access) if is_encrypted(access) else box.encrypt(access),
                       "refresh": box.rotate(refresh) if is_encrypted(refresh) else box.encrypt(refresh)})
    if params:
        db.execute(text("UPDATE tokens SET access_token = :access, refresh_token = :refresh "
                        "WHERE consent_id = :cid"), params)
    return len(params)


def reencrypt_store(session: Session) -> None:
    """After a new key was put first: every secret re-encrypted under it and every number's keyed
    hash recomputed (old keys must still be configured behind the new one)."""
    box = vault()
    rewrite_numbers(session, box, plain_only=False)
    rewrite_tokens(session, box, plain_only=False)
    # the product cursors are named by the old hash: forgotten, the next sync asks for whole lists
    session.execute(text("DELETE FROM sync_cursors WHERE resource LIKE :prefix"),
                    {"prefix": INVEST_CURSOR + "%"})


def compact(engine: Engine) -> None:
    """Rewrites the database files so no page still holds a value from before the rewrite."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            conn.exec_driver_sql("VACUUM FULL tokens, accounts, loans, insurance_policies, cards, "
                                 "sync_cursors")
