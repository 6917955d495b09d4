"""Fast inserts of many rows and reusable statements, for the sync's hot path.

A 10,000-customer sync writes millions of rows. Building a SQLAlchemy statement costs a few
hundred microseconds and Core's executemany about 11 us a row; reusing statements and handing
rows straight to the driver (sqlite3 executemany, PostgreSQL COPY) cuts both several times. The
SQL text still comes from the SQLAlchemy table, and values pass through each column's own bind
processing (so aware datetimes become UTC exactly as elsewhere). Rows are handled a column at a
time, so most loops run inside C (`map`, `zip`, `str.join`).
"""
from __future__ import annotations

import functools
import io
import sqlite3
from datetime import date, datetime, timezone
from itertools import chain
from typing import Any, Callable

from sqlalchemy import Boolean, Date, DateTime, Integer, Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from bot.mydata.store.models import UtcDateTime

_cache: dict[tuple, object] = {}
SQLITE_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
SQLITE_MAX_ROWS_PER_INSERT = 512
COPY_MIN_ROWS = 16  # below this one INSERT round trip beats COPY's two
COPY_SPECIALS = ("\\", "\t", "\n", "\r")
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_NULL = "\\N"


def statement(key: tuple, build: Callable[[], object]):
    """A statement built once per key and reused (SQLAlchemy then only looks up its compiled form)."""
    stmt = _cache.get(key)
    if stmt is None:
        stmt = _cache[key] = build()
    return stmt


def _sqlite_utc_processor(general: Callable):
    """UtcDateTime for SQLite without two Python-level conversions per value.

    An aware UTC datetime's ISO form cut before its offset is exactly the text SQLAlchemy's SQLite
    DATETIME stores ('YYYY-MM-DD HH:MM:SS.ffffff'); anything else takes the general path.
    """
    utc = timezone.utc

    def process(value):
        if value is not None and value.tzinfo is utc:
            return value.isoformat(" ", "microseconds")[:26]
        return general(value)

    return process


def _copy_kind(column_type) -> str:
    """Which of COPY's text renderings a column's bound values need."""
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    for kind, types in (("bool", Boolean), ("datetime", DateTime), ("date", Date), ("int", Integer)):
        if isinstance(column_type, types):
            return kind
    return "text"


@functools.lru_cache(maxsize=128)
def _plan(table: Table, dialect_name: str, columns: tuple[str, ...], dialect) -> tuple[str, list, list]:
    processors, kinds = [], []
    for name in columns:
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if dialect_name == "sqlite" and isinstance(column_type, UtcDateTime):
            process = _sqlite_utc_processor(process)
        processors.append(process)
        kinds.append(_copy_kind(column_type))
    names = ", ".join(columns)
    if dialect_name == "postgresql":
        sql = f"INSERT INTO {table.name} ({names}) VALUES %s"
    else:
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    return sql, processors, kinds


def _bound_columns(
    conn: Connection, table: Table, rows: list[dict]
) -> tuple[str, list[list], list[str], tuple]:
    """The rows (dicts with the same keys) as driver-ready columns."""
    names = tuple(rows[0])
    sql, processors, kinds = _plan(table, conn.dialect.name, names, conn.dialect)
    columns = []
    for name, process in zip(names, processors):
        values = [row[name] for row in rows]
        columns.append(values if process is None else list(map(process, values)))
    return sql, columns, kinds, names


def _copy_column(values: list, kind: str) -> list[str]:
    """One column in COPY's text format: NULL as \\N, backslashes, tabs and newlines escaped."""
    if kind == "bool":
        return [COPY_NULL if v is None else ("t" if v else "f") for v in values]
    if kind == "text":
        present = [v for v in values if v is not None]
        joined = "".join(present)
        if any(special in joined for special in COPY_SPECIALS):
            present = [v.translate(COPY_ESCAPES) for v in present]
        if len(present) == len(values):
            return present
        found = iter(present)
        return [COPY_NULL if v is None else next(found) for v in values]
    renderers: dict[str, Callable[[Any], str]] = {"int": str, "datetime": datetime.isoformat,
                                                  "date": date.isoformat}
    render = renderers[kind]
    if None in values:
        return [COPY_NULL if v is None else render(v) for v in values]
    return list(map(render, values))


def _copy(cursor, table: Table, names: tuple[str, ...], columns: list[list], kinds: list[str]) -> None:
    """PostgreSQL COPY FROM STDIN: the cheapest way in for many rows, on both sides of the socket."""
    formatted = [_copy_column(values, kind) for values, kind in zip(columns, kinds)]
    text = "\n".join(map("\t".join, zip(*formatted))) + "\n"
    cursor.copy_expert(f"COPY {table.name} ({', '.join(names)}) FROM STDIN", io.StringIO(text))


@functools.lru_cache(maxsize=512)
def _sqlite_multirow_sql(table_name: str, names: tuple[str, ...], count: int) -> str:
    one = f"({', '.join('?' for _ in names)})"
    return f"INSERT INTO {table_name} ({', '.join(names)}) VALUES {', '.join([one] * count)}"


def _sqlite_insert(cursor, table: Table, names: tuple[str, ...], values: list[tuple]) -> None:
    """Many rows per INSERT, in power-of-two batches (few statement shapes, all in sqlite3's cache).

    sqlite3's executemany releases and retakes the GIL around every row, which a busy event loop in
    another thread turns into a wait per row; one statement per batch waits once.
    """
    start = 0
    batch = max(1, min(SQLITE_MAX_ROWS_PER_INSERT, SQLITE_MAX_VARIABLES // len(names)))
    while start < len(values):
        while batch > len(values) - start:
            batch //= 2
        chunk = values[start:start + batch]
        cursor.execute(_sqlite_multirow_sql(table.name, names, batch), list(chain.from_iterable(chunk)))
        start += batch


def bulk_insert(conn: Connection, table: Table, rows: list[dict]) -> int:
    """Inserts rows (dicts with the same keys) in the connection's current transaction."""
    if not rows:
        return 0
    dialect = conn.dialect
    if dialect.name not in ("sqlite", "postgresql"):
        conn.execute(insert(table), rows)
        return len(rows)
    sql, columns, kinds, names = _bound_columns(conn, table, rows)
    cursor = conn.connection.cursor()
    try:
        if dialect.name == "sqlite":
            _sqlite_insert(cursor, table, names, list(zip(*columns)))
        elif len(rows) >= COPY_MIN_ROWS:
            _copy(cursor, table, names, columns, kinds)
        else:
            from psycopg2.extras import execute_values

            execute_values(cursor, sql, list(zip(*columns)), page_size=1000)
    finally:
        cursor.close()
    return len(rows)


def insert_returning_ids(conn: Connection, table: Table, rows: list[dict], key_columns: tuple[str, ...]
                         ) -> dict[tuple, int]:
    """Inserts rows like bulk_insert and answers natural key -> new id, so new parents' ids come
    back without a second query (RETURNING on PostgreSQL, lastrowid on SQLite)."""
    if not rows:
        return {}
    dialect = conn.dialect
    keys = [tuple(row[c] for c in key_columns) for row in rows]
    if dialect.name not in ("sqlite", "postgresql"):
        return {key: conn.execute(insert(table), row).inserted_primary_key[0] for key, row in zip(keys, rows)}
    sql, columns, _, _ = _bound_columns(conn, table, rows)
    cursor = conn.connection.cursor()
    try:
        if dialect.name == "postgresql":
            from psycopg2.extras import execute_values

            returned = execute_values(
                cursor,
                f"{sql} RETURNING id, {', '.join(key_columns)}",
                list(zip(*columns)),
                page_size=1000,
                fetch=True,
            )
            return {tuple(r[1:]): r[0] for r in returned}
        ids = {}
        for key, value in zip(keys, zip(*columns)):
            cursor.execute(sql, value)
            ids[key] = cursor.lastrowid
        return ids
    finally:
        cursor.close()
