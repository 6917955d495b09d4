"""Rasa's endpoints file from the environment: SQLite by default, PostgreSQL and Redis to scale out.

- ACTION_ENDPOINT_URL   the action server (default http://127.0.0.1:5055/webhook)
- TRACKER_DATABASE_URL  `postgresql://user:pass@host:port/db` keeps conversations in
                        PostgreSQL; unset, they go to var/tracker.sqlite3 (both through
                        bot.rasa.tracker_store, Rasa's SQL store with pooled SQLite connections)
- REDIS_URL             `redis://host:port/db` adds a Redis lock store, so several Rasa
                        servers can share one tracker store without interleaving a
                        conversation's messages
- ACTION_SERVER_SECRET  sent to the action server in every call as `X-Action-Secret`
                        (Rasa's EndpointConfig adds an endpoint's `headers` to each request)

The file holds secrets, so it is written readable by the owner only (0600).

`python -m scripts.endpoints [OUT]` writes the file (default var/endpoints.yml).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional
from urllib.parse import unquote, urlparse

import yaml

from bot.private_files import write_private

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ACTION_URL = "http://127.0.0.1:5055/webhook"
TRACKER_STORE = "bot.rasa.tracker_store.PooledSQLTrackerStore"
ACTION_SECRET_HEADER = "X-Action-Secret"


def tracker_store(url: Optional[str], sqlite_path: Path) -> Dict:
    if not url:
        return {"type": TRACKER_STORE, "dialect": "sqlite", "db": str(sqlite_path)}
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgresql"):
        raise ValueError(f"TRACKER_DATABASE_URL must be a postgresql:// URL, got {parsed.scheme}://")
    store = {
        "type": TRACKER_STORE,
        "dialect": "postgresql",
        "url": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "db": parsed.path.lstrip("/") or "rasa",
    }
    if parsed.username:
        store["username"] = unquote(parsed.username)
    if parsed.password:
        store["password"] = unquote(parsed.password)
    return store


def lock_store(url: Optional[str]) -> Optional[Dict]:
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme != "redis":
        raise ValueError(f"REDIS_URL must be a redis:// URL, got {parsed.scheme}://")
    store = {
        "type": "redis",
        "url": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int(parsed.path.lstrip("/") or 1),
        "key_prefix": "bank_assistant",
    }
    if parsed.password:
        store["password"] = unquote(parsed.password)
    return store


def render(env: Mapping[str, str], sqlite_path: Path = ROOT / "var" / "tracker.sqlite3") -> str:
    action_endpoint: Dict = {"url": env.get("ACTION_ENDPOINT_URL") or DEFAULT_ACTION_URL}
    if env.get("ACTION_SERVER_SECRET"):
        action_endpoint["headers"] = {ACTION_SECRET_HEADER: env["ACTION_SERVER_SECRET"]}
    endpoints = {
        "action_endpoint": action_endpoint,
        "tracker_store": tracker_store(env.get("TRACKER_DATABASE_URL"), sqlite_path),
    }
    lock = lock_store(env.get("REDIS_URL"))
    if lock:
        endpoints["lock_store"] = lock
    return yaml.safe_dump(endpoints, allow_unicode=True, sort_keys=False)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "var" / "endpoints.yml"
    write_private(out, render(os.environ))
    print(out)


if __name__ == "__main__":
    main()
