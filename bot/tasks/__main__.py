"""`python -m bot.tasks check-broker`: exits 1 with a sentence naming the missing broker.
`python -m bot.tasks rules` / `dispatch`: one pass now, in this process (operators, demos)."""
from __future__ import annotations

import argparse
import sys
from urllib.parse import urlsplit

from kombu import Connection

from bot.tasks.app import broker_url

NAMES = {"amqp": "RabbitMQ", "pyamqp": "RabbitMQ", "redis": "Redis"}


def check_broker(url: str) -> str | None:
    """None when the broker answers, else what is missing, in words."""
    parts = urlsplit(url)
    name = NAMES.get(parts.scheme, parts.scheme)
    where = f"{parts.hostname or '127.0.0.1'}:{parts.port or (6379 if name == 'Redis' else 5672)}"
    try:
        with Connection(url, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        return (f"the task queue's broker, {name} at {where}, does not answer ({type(exc).__name__}: {exc}). "
                f"Start {name} there or point CELERY_BROKER_URL at a running RabbitMQ (amqp://) or Redis "
                "(redis://).")
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tasks")
    parser.add_argument("command", choices=["check-broker", "rules", "dispatch"])
    args = parser.parse_args(argv)
    if args.command == "check-broker":
        problem = check_broker(broker_url())
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        return 0
    from bot.tasks import jobs
    print(jobs.apply_mydata_rules() if args.command == "rules" else jobs.dispatch_due())
    return 0


if __name__ == "__main__":
    sys.exit(main())
