"""Conversation retention: deletes tracker-store conversations idle for longer than N days.

    python -m bot.retention purge --days 90          # dry run: what would go
    python -m bot.retention purge --days 90 --yes    # deletes

Works on Rasa's SQL tracker store (table `events`: sender_id, timestamp in epoch seconds,
type_name, data) in SQLite or PostgreSQL. The store is TRACKER_DATABASE_URL (postgresql://...),
else var/tracker.sqlite3, or --url. A conversation goes only when its newest event is older than
the cutoff, checked again inside the deleting statement, so one that speaks up meanwhile stays.
Only counts are printed: sender ids can identify a person.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping, Sequence

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE = ROOT / "var" / "tracker.sqlite3"
MIN_DAYS = 1

_IDLE = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    conversations: int
    events: int
    deleted: bool


def tracker_url(env: Mapping[str, str] | None = None) -> str:
    """The tracker store's SQLAlchemy URL, as scripts/endpoints.py configures Rasa."""
    env = os.environ if env is None else env
    url = env.get("TRACKER_DATABASE_URL")
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


def purge_conversations(engine: Engine, days: int, *, now: datetime | None = None, delete: bool = False
                        ) -> PurgeReport:
    """Counts (and with delete=True deletes, in one transaction) conversations idle for `days` days."""
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS}, got {days}")
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cutoff = now - timedelta(days=days)
    params = {"cutoff": cutoff.timestamp()}
    if not inspect(engine).has_table("events"):
        return PurgeReport(cutoff, 0, 0, delete)
    with engine.begin() as conn:
        conversations = conn.execute(text(f"SELECT count(*) FROM ({_IDLE}) AS idle"), params).scalar()
        events = conn.execute(
            text(f"SELECT count(*) FROM events WHERE sender_id IN ({_IDLE})"), params
        ).scalar()
        if delete and events:
            events = conn.execute(text(f"DELETE FROM events WHERE sender_id IN ({_IDLE})"), params).rowcount
    return PurgeReport(cutoff, conversations, events, delete)


def _aware(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError("--now needs a UTC offset, e.g. 2025-06-30T12:00:00+09:00")
    return when


def _days(value: str) -> int:
    days = int(value)
    if days < MIN_DAYS:
        raise argparse.ArgumentTypeError(f"--days must be at least {MIN_DAYS}")
    return days


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.retention", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    purge = commands.add_parser("purge", help="delete conversations idle for more than --days days")
    purge.add_argument(
        "--days", type=_days, required=True, help="keep conversations active in the last N days"
    )
    purge.add_argument("--yes", action="store_true", help="really delete (without it: a dry run)")
    purge.add_argument(
        "--url", help="tracker store URL (default: TRACKER_DATABASE_URL or var/tracker.sqlite3)"
    )
    purge.add_argument("--now", type=_aware, help="the moment to count back from (default: now)")
    args = parser.parse_args(argv)

    url = args.url or tracker_url()
    if url.startswith("sqlite") and not Path(url.split("///", 1)[-1]).exists():
        print(f"no tracker store at {url}: nothing to purge")
        return 0
    engine = create_engine(url, future=True)
    try:
        report = purge_conversations(engine, args.days, now=args.now, delete=args.yes)
    finally:
        engine.dispose()
    cutoff = report.cutoff.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if report.deleted:
        print(
            f"deleted {report.conversations} conversations ({report.events} events) idle since before "
            f"{cutoff}"
        )
    else:
        print(
            f"dry run: {report.conversations} conversations ({report.events} events) idle since before "
            f"{cutoff} "
            f"would be deleted; add --yes to delete them"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
