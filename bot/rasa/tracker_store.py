"""Rasa's SQL tracker store, with SQLite connections kept open and a write-ahead log.

Rasa 3.6 builds its SQLite engine with SQLAlchemy 1.4's default for files,
which opens and closes a connection for every session: a turn opened four
(retrieve, count, save, commit), and opening, closing and the rollback
journal's syncs were half of the tracker store's time (bench/latency.py).
Here one pooled connection serves the server's event loop, and the database
writes ahead (`journal_mode=WAL`), so a commit is one sync of the log and
readers never wait for a writer. Every commit still reaches the disk before
the reply goes out (`synchronous=FULL`): no conversation is dropped.
PostgreSQL is left as Rasa configures it (already pooled).

Every event is saved through `bot.redaction.scrub`: a `customer_token` key or a
JWT-shaped string never reaches the database, whatever a channel passed on.

Selected in the endpoints file: `tracker_store: {type: bot.rasa.tracker_store.PooledSQLTrackerStore, ...}`.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.pool import QueuePool

from bot.redaction import scrub


def write_ahead(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


class PooledSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose SQLite connections stay open between turns and whose events hold no token."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "postgresql":  # a connection PostgreSQL dropped is replaced, not used
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            return
        if self.engine.dialect.name != "sqlite" or self.engine.url.database in (None, "", ":memory:"):
            return
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=QueuePool, pool_size=2, max_overflow=2,
            connect_args={"check_same_thread": False},
        )
        sa.event.listen(self.engine, "connect", write_ahead)
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """`SQLTrackerStore.save` with each event scrubbed of tokens first."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = scrub(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

async def _retrieve_or_raise(self: FailSafeTrackerStore, sender_id: str) -> Any:
    return await self._tracker_store.retrieve(sender_id)


async def _retrieve_full_or_raise(self: FailSafeTrackerStore, sender_id: str) -> Any:
    return await self._tracker_store.retrieve_full_tracker(sender_id)


async def _save_or_raise(self: FailSafeTrackerStore, tracker: Any) -> None:
    await self._tracker_store.save(tracker)


def fail_loudly() -> None:
    """A tracker store error fails the turn instead of Rasa's silent fallback.

    Rasa wraps every tracker store in `FailSafeTrackerStore`: a failed read gives the turn an
    empty conversation (a form in progress forgotten) and a failed write keeps the turn in this
    process's memory only (lost to the other replicas and to a restart). Here the error reaches
    the channel, the turn is not recorded, and sending the message again answers it.
    """
    FailSafeTrackerStore.retrieve = _retrieve_or_raise
    FailSafeTrackerStore.retrieve_full_tracker = _retrieve_full_or_raise
    FailSafeTrackerStore.save = _save_or_raise
