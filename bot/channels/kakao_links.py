"""Kakao user <-> customer links, and the one-time codes that create them.

Plain sqlite3, file from ``KAKAO_LINK_DB`` (default ``var/kakao_links.sqlite3``).
Only an HMAC of each code is stored (keyed with ``ASSISTANT_TOKEN_SECRET``
when set), codes are 6 digits, valid ``CODE_TTL`` and usable once; issuing a
new code for a Kakao user replaces the old one. Neither codes nor tokens are
ever logged. A customer who enters ``MAX_WRONG_CODES`` wrong codes within
``CODE_TTL`` is locked out of linking until the oldest of them is that old, so
guessing a live code (one in a million per try) stays hopeless.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

from bot.auth.tokens import SECRET_ENV

DB_ENV = "KAKAO_LINK_DB"
DEFAULT_DB = "var/kakao_links.sqlite3"
CODE_TTL = dt.timedelta(minutes=10)
CODE_DIGITS = 6
MAX_WRONG_CODES = 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS kakao_link_codes (
    code_hash TEXT PRIMARY KEY,
    kakao_user_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS kakao_link_codes_user ON kakao_link_codes (kakao_user_id);
CREATE TABLE IF NOT EXISTS kakao_link_failures (
    customer_id TEXT NOT NULL,
    failed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS kakao_link_failures_customer ON kakao_link_failures (customer_id, failed_at);
CREATE TABLE IF NOT EXISTS kakao_links (
    kakao_user_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    linked_at REAL NOT NULL
);
"""


class TooManyWrongCodes(Exception):
    """The customer entered too many wrong link codes recently; linking is paused for them."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class LinkStore:
    def __init__(self, path: Optional[str] = None, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.path = Path(path or os.environ.get(DB_ENV) or DEFAULT_DB)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commit or roll back
                yield db
        finally:
            db.close()

    @staticmethod
    def _hash(code: str) -> str:
        key = (os.environ.get(SECRET_ENV, "") + "|kakao-link-code").encode()
        return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()

    def issue_code(self, kakao_user_id: str) -> str:
        """A fresh one-time code for this Kakao user (older codes stop working)."""
        now = self.clock().timestamp()
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM kakao_link_codes WHERE expires_at <= ? OR kakao_user_id = ?",
                       (now, kakao_user_id))
            while True:
                code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
                try:
                    db.execute("INSERT INTO kakao_link_codes VALUES (?, ?, ?)",
                               (self._hash(code), kakao_user_id, now + CODE_TTL.total_seconds()))
                    return code
                except sqlite3.IntegrityError:  # collides with another user's live code
                    continue

    def redeem(self, code: str, customer_id: str) -> Optional[str]:
        """Link the code's Kakao user to the customer; the Kakao user id, or None if the code is wrong/expired.

        Raises TooManyWrongCodes, before looking at the code, while the customer is locked out."""
        now = self.clock().timestamp()
        with self._lock, self._connect() as db:
            window_start = now - CODE_TTL.total_seconds()
            db.execute("DELETE FROM kakao_link_failures WHERE failed_at <= ?", (window_start,))
            (failures,) = db.execute("SELECT COUNT(*) FROM kakao_link_failures WHERE customer_id = ?",
                                     (customer_id,)).fetchone()
            if failures >= MAX_WRONG_CODES:
                raise TooManyWrongCodes(customer_id)
            row = None
            if isinstance(code, str) and code.isdigit() and len(code) == CODE_DIGITS:
                row = db.execute("SELECT kakao_user_id, expires_at FROM kakao_link_codes WHERE code_hash = ?",
                                 (self._hash(code),)).fetchone()
            if row is not None:
                db.execute("DELETE FROM kakao_link_codes WHERE code_hash = ?", (self._hash(code),))
            if row is None or row[1] <= now:
                db.execute("INSERT INTO kakao_link_failures VALUES (?, ?)", (customer_id, now))
                return None
            kakao_user_id = row[0]
            db.execute("INSERT INTO kakao_links VALUES (?, ?, ?) ON CONFLICT(kakao_user_id) "
                       "DO UPDATE SET customer_id = excluded.customer_id, linked_at = excluded.linked_at",
                       (kakao_user_id, customer_id, now))
            return kakao_user_id

    def customer_for(self, kakao_user_id: str) -> Optional[str]:
        with self._connect() as db:
            row = db.execute("SELECT customer_id FROM kakao_links WHERE kakao_user_id = ?",
                             (kakao_user_id,)).fetchone()
        return row[0] if row else None

    def unlink(self, kakao_user_id: str) -> bool:
        """Forget the Kakao user's link; whether there was one."""
        with self._lock, self._connect() as db:
            return db.execute("DELETE FROM kakao_links WHERE kakao_user_id = ?", (kakao_user_id,)).rowcount > 0
