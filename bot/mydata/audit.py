"""The record of every read of a customer's data: who asked, for what, when, from which institutions.

Each analytics answer adds one row to `data_access_log` in the caller's own unit of work, so a
read and its record commit together. The row holds names and institution codes only, never
amounts or account and card numbers. Who reads is set by the caller around its reads
(`with reading_as("cli"): ...`); reads nobody attributed count as the assistant's.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from bot.korean.calendar import KST
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import DataAccess

DEFAULT_READER = "assistant"
_reader: ContextVar[str] = ContextVar("mydata_reader", default=DEFAULT_READER)


@dataclass(frozen=True)
class AccessInfo:
    customer_id: str
    reader: str
    purpose: str
    org_codes: tuple[str, ...]
    accessed_at: datetime  # Asia/Seoul


@contextmanager
def reading_as(reader: str) -> Iterator[None]:
    """Attributes the reads made inside the block to `reader` (a service or an operator's name)."""
    token = _reader.set(reader[:40])
    try:
        yield
    finally:
        _reader.reset(token)


def record_read(session: Session, customer_id: str, purpose: str, org_codes: Iterable[str]) -> None:
    """Adds one access row in the session's transaction (committed with the caller's work).

    On PostgreSQL that transaction's commit then does not wait for the WAL to reach the disk (as
    SQLite's synchronous=NORMAL does not): an otherwise read-only answer would pay a disk flush
    for its record, several milliseconds on a busy machine, and a server crash can lose at most
    the last fraction of a second of records, never corrupt them.
    """
    postgres = session.get_bind().dialect.name == "postgresql"

    def build():
        stmt = insert(DataAccess)
        return stmt.returning(func.set_config("synchronous_commit", "off", True)) if postgres else stmt

    session.execute(statement(("record_read", postgres), build), {
        "customer_id": customer_id, "reader": _reader.get(), "purpose": purpose[:40],
        "org_codes": " ".join(org_codes)[:200], "accessed_at": datetime.now(timezone.utc)})


def access_log(session: Session, customer_id: str, limit: int = 100) -> list[AccessInfo]:
    """The latest reads of one customer's data, newest first."""
    query = statement(
        ("access_log",),
        lambda: (
            select(DataAccess)
            .where(DataAccess.customer_id == bindparam("cid"))
            .order_by(DataAccess.accessed_at.desc(), DataAccess.id.desc())
            .limit(bindparam("limit"))
        ),
    )
    return [
        AccessInfo(
            r.customer_id, r.reader, r.purpose, tuple(r.org_codes.split()), r.accessed_at.astimezone(KST)
        )
        for r in session.execute(query, {"cid": customer_id, "limit": limit}).scalars()
    ]
