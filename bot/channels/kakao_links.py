"""Kakao user <-> customer links, and the one-time codes that create them.

``KAKAO_LINK_DB`` is a SQLite file (default ``var/kakao_links.sqlite3``, mode 0600), which the
replicas of one machine share, or a ``postgresql://`` URL, which replicas on many machines share
(the scale-out mode); writers take SQLite's write lock or a PostgreSQL advisory lock, so
counting is exact across processes.
Only an HMAC of each code is stored (keyed with ``ASSISTANT_TOKEN_SECRET`` when set), codes
are 6 digits, valid ``CODE_TTL`` and usable once; issuing a new code for a Kakao user replaces
the old one. Neither codes nor tokens are ever logged.

Guessing is bounded three ways, all counted in this database so a restart forgets nothing:

* per code: a wrong code cannot tell which live code it aimed at, so every wrong try counts
  against every live code, and a code that has seen ``MAX_WRONG_TRIES_PER_CODE`` of them is
  burnt. The odds of guessing any one code are then at most 5 in a million, however many
  customers the guesser signs in as;
* per Kakao user: at most ``MAX_CODES_PER_USER`` codes per ``CODE_TTL``, so burnt codes cannot
  be replaced endlessly;
* per customer: ``MAX_WRONG_CODES`` wrong codes within ``CODE_TTL`` pause linking for that
  customer (``TooManyWrongCodes``), checked before the code is looked at.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeGuard

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from bot.auth.tokens import SECRET_ENV

DB_ENV = "KAKAO_LINK_DB"
DEFAULT_DB = "var/kakao_links.sqlite3"
CODE_TTL = dt.timedelta(minutes=10)
CODE_DIGITS = 6
MAX_WRONG_CODES = 5
MAX_WRONG_TRIES_PER_CODE = 5
MAX_CODES_PER_USER = 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS kakao_link_codes (
    code_hash TEXT PRIMARY KEY,
    kakao_user_id TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    wrong_tries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS kakao_link_codes_user ON kakao_link_codes (kakao_user_id);
CREATE TABLE IF NOT EXISTS kakao_link_attempts (
    kind TEXT NOT NULL,          -- 'wrong_code' (subject: customer id) or 'code_issued' (Kakao user id)
    subject TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS kakao_link_attempts_subject ON kakao_link_attempts (kind, subject, at);
CREATE TABLE IF NOT EXISTS kakao_links (
    kakao_user_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    linked_at DOUBLE PRECISION NOT NULL
);
"""
WRONG_CODE = "wrong_code"
CODE_ISSUED = "code_issued"
WRITER_LOCK = 0x6B616B61  # PostgreSQL advisory lock key: one link writer at a time, in every replica
POSTGRES_PREFIXES = ("postgresql://", "postgresql+psycopg2://", "postgres://")


class TooManyWrongCodes(Exception):
    """The customer entered too many wrong link codes recently; linking is paused for them."""


class TooManyCodes(Exception):
    """The Kakao user asked for too many codes recently; no new code until the window passes."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def is_code(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and len(value) == CODE_DIGITS and value.isascii() and value.isdigit()


def link_engine(location: str) -> Engine:
    """The engine for a SQLite path (created 0600) or a PostgreSQL URL."""
    if location.startswith(POSTGRES_PREFIXES):
        url = "postgresql+psycopg2://" + location.split("://", 1)[1]
        return create_engine(url, future=True, pool_pre_ping=True, pool_size=2, max_overflow=4)
    path = Path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    return create_engine(f"sqlite:///{path}", future=True, poolclass=NullPool, connect_args={"timeout": 10})


class LinkStore:
    def __init__(self, path: Optional[str] = None, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.location = str(path or os.environ.get(DB_ENV) or DEFAULT_DB)
        self.engine = link_engine(self.location)
        self.clock = clock
        self._lock = threading.Lock()
        with self._connect(writer=True) as db:  # replicas starting together create the tables once
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(text(statement))
            if self.engine.dialect.name == "sqlite":
                columns = {row[1] for row in db.execute(text("PRAGMA table_info(kakao_link_codes)"))}
                if "wrong_tries" not in columns:  # a database from before the per-code count
                    db.execute(
                        text("ALTER TABLE kakao_link_codes ADD COLUMN wrong_tries INTEGER NOT NULL DEFAULT 0")
                    )
        if self.engine.dialect.name == "sqlite":
            os.chmod(self.location, 0o600)

    @contextmanager
    def _connect(self, writer: bool = False) -> Iterator[Connection]:
        """One transaction; a writer's holds the write lock from its first statement to commit."""
        with self.engine.begin() as db:
            if writer and self.engine.dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
            yield db

    @staticmethod
    def _hash(code: str) -> str:
        key = (os.environ.get(SECRET_ENV, "") + "|kakao-link-code").encode()
        return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()

    def _forget_old(self, db: Connection, now: float) -> None:
        db.execute(text("DELETE FROM kakao_link_codes WHERE expires_at <= :now"), {"now": now})
        db.execute(
            text("DELETE FROM kakao_link_attempts WHERE at <= :t"), {"t": now - CODE_TTL.total_seconds()}
        )

    @staticmethod
    def _count(db: Connection, kind: str, subject: str) -> int:
        return db.execute(
            text("SELECT COUNT(*) FROM kakao_link_attempts WHERE kind = :kind AND subject = :subject"),
            {"kind": kind, "subject": subject},
        ).scalar_one()

    @staticmethod
    def _attempt(db: Connection, kind: str, subject: str, now: float) -> None:
        db.execute(text("INSERT INTO kakao_link_attempts VALUES (:kind, :subject, :at)"),
                   {"kind": kind, "subject": subject, "at": now})

    def issue_code(self, kakao_user_id: str) -> str:
        """A fresh one-time code for this Kakao user (older codes stop working).

        Raises TooManyCodes when the user already had `MAX_CODES_PER_USER` within `CODE_TTL`."""
        now = self.clock().timestamp()
        with self._lock, self._connect(writer=True) as db:
            self._forget_old(db, now)
            if self._count(db, CODE_ISSUED, kakao_user_id) >= MAX_CODES_PER_USER:
                raise TooManyCodes(kakao_user_id)
            db.execute(text("DELETE FROM kakao_link_codes WHERE kakao_user_id = :u"), {"u": kakao_user_id})
            self._attempt(db, CODE_ISSUED, kakao_user_id, now)
            while True:
                code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
                if db.execute(text("SELECT 1 FROM kakao_link_codes WHERE code_hash = :h"),
                              {"h": self._hash(code)}).first():
                    continue  # another user's live code
                db.execute(
                    text("INSERT INTO kakao_link_codes VALUES (:h, :u, :expires, 0)"),
                    {"h": self._hash(code), "u": kakao_user_id, "expires": now + CODE_TTL.total_seconds()},
                )
                return code

    def redeem(self, code: str, customer_id: str) -> Optional[str]:
        """Link the code's Kakao user to the customer; the Kakao user id, or None if the code is wrong,
        expired or burnt.

        Raises TooManyWrongCodes, before looking at the code, while the customer is locked out."""
        now = self.clock().timestamp()
        with self._lock, self._connect(writer=True) as db:
            self._forget_old(db, now)
            if self._count(db, WRONG_CODE, customer_id) >= MAX_WRONG_CODES:
                raise TooManyWrongCodes(customer_id)
            row = None
            if is_code(code):
                row = db.execute(text("SELECT kakao_user_id FROM kakao_link_codes WHERE code_hash = :h"),
                                 {"h": self._hash(code)}).first()
            if row is None:
                self._attempt(db, WRONG_CODE, customer_id, now)
                if is_code(code):  # a guess at some code; a malformed one cannot match any
                    db.execute(text("UPDATE kakao_link_codes SET wrong_tries = wrong_tries + 1"))
                    db.execute(text("DELETE FROM kakao_link_codes WHERE wrong_tries >= :n"),
                               {"n": MAX_WRONG_TRIES_PER_CODE})
                return None
            db.execute(text("DELETE FROM kakao_link_codes WHERE code_hash = :h"), {"h": self._hash(code)})
            kakao_user_id = row[0]
            db.execute(
                text(
                    "INSERT INTO kakao_links VALUES (:u, :c, :at) ON CONFLICT(kakao_user_id) "
                    "DO UPDATE SET customer_id = excluded.customer_id, linked_at = excluded.linked_at"
                ),
                {"u": kakao_user_id, "c": customer_id, "at": now},
            )
            return kakao_user_id

    def customer_for(self, kakao_user_id: str) -> Optional[str]:
        with self._connect() as db:
            row = db.execute(text("SELECT customer_id FROM kakao_links WHERE kakao_user_id = :u"),
                             {"u": kakao_user_id}).first()
        return row[0] if row else None

    def unlink(self, kakao_user_id: str) -> bool:
        """Forget the Kakao user's link; whether there was one."""
        with self._lock, self._connect(writer=True) as db:
            return (
                db.execute(
                    text("DELETE FROM kakao_links WHERE kakao_user_id = :u"), {"u": kakao_user_id}
                ).rowcount
                > 0
            )
