"""Data steps of the store's schema upgrades (db.MIGRATIONS adds the columns first), and rotation.

Version 3 encrypts what earlier versions kept in plain text: institution OAuth tokens and full
account, loan and policy numbers (which also get their keyed hash and masked form); masks the card
numbers institutions sent half-masked; and renames the investment product cursors that carried
an account number. Raw SQL throughout: the rows are read as stored,
not through the model's decrypting types.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.mydata.masking import mask_number
from bot.mydata.store.vault import Vault, is_encrypted, vault

NUMBERED_TABLES = {"accounts": "account", "loans": "account", "insurance_policies": "insu"}  # column prefix
INVEST_CURSOR = "invest.products:"
OLD_UNIQUE = {"accounts": "uq_accounts_key", "loans": "uq_loans_key", "insurance_policies": "uq_insurance_key"}
NEW_UNIQUE = {"accounts": ("uq_accounts_number", "customer_id, org_code, account_key, seqno"),
              "loans": ("uq_loans_number", "customer_id, org_code, account_key"),
              "insurance_policies": ("uq_insurance_number", "customer_id, org_code, insu_key")}


def _number_rows(session: Session, table: str, prefix: str, box: Vault, plain_only: bool) -> list[dict]:
    rows = session.execute(text(f"SELECT id, {prefix}_num FROM {table}")).all()
    out = []
    for row_id, stored in rows:
        if plain_only and is_encrypted(stored):
            continue
        number = box.decrypt(stored) if is_encrypted(stored) else stored
        out.append({"row_id": row_id, "enc": box.encrypt(number), "key": box.number_key(number),
                    "masked": mask_number(number)})
    return out


def _rewrite_numbers(session: Session, box: Vault, plain_only: bool) -> None:
    for table, prefix in NUMBERED_TABLES.items():
        params = _number_rows(session, table, prefix, box, plain_only)
        if params:
            session.execute(text(f"UPDATE {table} SET {prefix}_num = :enc, {prefix}_key = :key, "
                                 f"{prefix}_masked = :masked WHERE id = :row_id"), params)


def _rewrite_tokens(session: Session, box: Vault, plain_only: bool) -> None:
    params = []
    for consent_id, access, refresh in session.execute(
            text("SELECT consent_id, access_token, refresh_token FROM tokens")).all():
        if plain_only and is_encrypted(access) and is_encrypted(refresh):
            continue
        params.append({"cid": consent_id,
                       "access": box.rotate(access) if is_encrypted(access) else box.encrypt(access),
                       "refresh": box.rotate(refresh) if is_encrypted(refresh) else box.encrypt(refresh)})
    if params:
        session.execute(text("UPDATE tokens SET access_token = :access, refresh_token = :refresh "
                             "WHERE consent_id = :cid"), params)


def _v3_encrypt_secrets(session: Session) -> None:
    box = vault()
    postgres = session.get_bind().dialect.name == "postgresql"
    for table, prefix in NUMBERED_TABLES.items():
        if postgres:
            session.execute(text(f"ALTER TABLE {table} ALTER COLUMN {prefix}_num TYPE TEXT"))
            session.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {OLD_UNIQUE[table]}"))
    _rewrite_numbers(session, box, plain_only=True)
    for table, (name, columns) in NEW_UNIQUE.items():
        session.execute(text(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})"))
    _rewrite_tokens(session, box, plain_only=True)
    cards = session.execute(text("SELECT id, card_num FROM cards")).all()
    if cards:
        session.execute(text("UPDATE cards SET card_num = :masked WHERE id = :row_id"),
                        [{"row_id": row_id, "masked": mask_number(number)} for row_id, number in cards])
    cursors = session.execute(text("SELECT customer_id, org_code, resource FROM sync_cursors "
                                   "WHERE resource LIKE :prefix"), {"prefix": INVEST_CURSOR + "%"}).all()
    for customer_id, org_code, resource in cursors:
        number = resource[len(INVEST_CURSOR):]
        session.execute(text("UPDATE sync_cursors SET resource = :new WHERE customer_id = :cid AND org_code = :org "
                             "AND resource = :old"),
                        {"new": INVEST_CURSOR + box.number_key(number), "cid": customer_id, "org": org_code,
                         "old": resource})


DATA_MIGRATIONS: dict[int, Callable[[Session], None]] = {3: _v3_encrypt_secrets}


def reencrypt_store(session: Session) -> None:
    """After a new key was put first: every secret re-encrypted under it and every number's keyed
    hash recomputed (old keys must still be configured behind the new one)."""
    box = vault()
    _rewrite_numbers(session, box, plain_only=False)
    _rewrite_tokens(session, box, plain_only=False)
    # the product cursors are named by the old hash: forgotten, the next sync asks for whole lists
    session.execute(text("DELETE FROM sync_cursors WHERE resource LIKE :prefix"), {"prefix": INVEST_CURSOR + "%"})


def compact(engine: Engine) -> None:
    """Rewrites the database files so no page still holds a value from before the upgrade."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            conn.exec_driver_sql("VACUUM FULL tokens, accounts, loans, insurance_policies, cards, sync_cursors")
