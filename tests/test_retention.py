"""Conversation retention on Rasa's own SQL tracker table, in SQLite and in the real PostgreSQL."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, text

from bot.korean.calendar import KST
from bot.retention import ROOT, purge_conversations
from tests.mydata.conftest import pg_database  # noqa: F401  (the throwaway PostgreSQL database)

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=KST)
EVENTS = SQLTrackerStore.SQLEvent.__table__

# sender -> ages in days of its events; the newest decides
CONVERSATIONS = {
    "old-quiet": [200, 150, 120],
    "old-then-back": [300, 200, 2],     # came back two days ago: kept whole
    "just-past": [91],
    "just-inside": [89.9],
    "fresh": [0.1],
}


def _rows() -> list[dict]:
    rows = []
    for sender, ages in CONVERSATIONS.items():
        for age in ages:
            stamp = (NOW - timedelta(days=age)).timestamp()
            rows.append({"sender_id": sender, "type_name": "user", "timestamp": stamp, "intent_name": "greet",
                         "action_name": None,
                         "data": json.dumps({"event": "user", "timestamp": stamp, "text": "안녕하세요"})})
    return rows


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tracker(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'tracker.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_database"))
    engine = create_engine(url, future=True)
    EVENTS.drop(engine, checkfirst=True)
    EVENTS.create(engine)
    with engine.begin() as conn:
        conn.execute(EVENTS.insert(), _rows())
    yield url, engine
    EVENTS.drop(engine, checkfirst=True)
    engine.dispose()


def senders(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all())


def test_dry_run_counts_and_deletes_nothing(tracker):
    _, engine = tracker
    before = senders(engine)
    report = purge_conversations(engine, 90, now=NOW)
    assert (report.conversations, report.events, report.deleted) == (2, 4, False)
    assert senders(engine) == before


def test_purge_deletes_only_conversations_idle_past_the_cutoff(tracker):
    _, engine = tracker
    report = purge_conversations(engine, 90, now=NOW, delete=True)
    assert (report.conversations, report.events, report.deleted) == (2, 4, True)
    assert senders(engine) == {"old-then-back": 3, "just-inside": 1, "fresh": 1}
    again = purge_conversations(engine, 90, now=NOW, delete=True)
    assert (again.conversations, again.events) == (0, 0)
    assert purge_conversations(engine, 1, now=NOW, delete=True).conversations == 2
    assert senders(engine) == {"fresh": 1}


def test_bad_arguments_are_refused(tracker):
    _, engine = tracker
    for days in (0, -5):
        with pytest.raises(ValueError, match="at least 1"):
            purge_conversations(engine, days, now=NOW, delete=True)
    with pytest.raises(ValueError, match="timezone-aware"):
        purge_conversations(engine, 90, now=NOW.replace(tzinfo=None), delete=True)
    assert len(senders(engine)) == len(CONVERSATIONS)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.retention", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_command_is_a_dry_run_unless_told_yes(tracker):
    url, engine = tracker
    common = ("purge", "--days", "90", "--url", url, "--now", NOW.isoformat())
    dry = _cli(*common)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: 2 conversations (4 events)" in dry.stdout and "--yes" in dry.stdout
    assert len(senders(engine)) == len(CONVERSATIONS)
    assert "old-quiet" not in dry.stdout  # counts only: sender ids can identify a person
    done = _cli(*common, "--yes")
    assert done.returncode == 0, done.stderr
    assert "deleted 2 conversations (4 events)" in done.stdout
    assert "old-quiet" not in senders(engine)
    refused = _cli("purge", "--days", "0", "--url", url)
    assert refused.returncode == 2 and "at least 1" in refused.stderr
    naive = _cli("purge", "--days", "90", "--url", url, "--now", "2025-06-30T12:00:00")
    assert naive.returncode == 2 and "UTC offset" in naive.stderr
