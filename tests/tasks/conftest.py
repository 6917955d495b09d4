"""Real parts for the task-queue tests: the sandbox over HTTP, a SQLite store on disk, the
machine's RabbitMQ as the broker, and Celery worker / beat processes on a queue of their own."""
from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from bot.insights.models import ensure_tables
from bot.mydata.store.db import create_schema, make_engine
from tests.mydata.conftest import AS_OF, NOW, healthy_sandbox, link, run, sandbox, sandbox_config  # noqa: F401  (fixtures)
from tests.support.servers import Process, start

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture(scope="session")
def broker() -> str:
    try:
        with Connection(BROKER, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:  # a clear failure, not a skip: the broker is part of the product
        pytest.fail(f"no broker at {BROKER} (RabbitMQ 127.0.0.1:5672 is expected on this machine): {exc}")
    return BROKER


@pytest.fixture
def store(tmp_path, sandbox):  # noqa: F811  (the fixture imported above)
    engine = make_engine(f"sqlite:///{tmp_path / 'mydata.sqlite3'}")
    create_schema(engine, sandbox.url)
    ensure_tables(engine)
    yield engine
    engine.dispose()


class Queue:
    """A queue of the test's own on the shared broker, and the processes that serve it."""

    def __init__(self, broker: str, store, tmp_path: Path):
        self.broker, self.store, self.tmp_path = broker, store, tmp_path
        self.name = f"test-proactive-{uuid.uuid4().hex[:10]}"
        self.processes: list[Process] = []
        self.env = {"CELERY_BROKER_URL": broker, "PROACTIVE_QUEUE": self.name,
                    "DATABASE_URL": str(store.url), "ASSISTANT_CLOCK": NOW.isoformat(),
                    "PROACTIVE_DISPATCH_S": "1", "PROACTIVE_RULES_S": "3600", "PROACTIVE_RETRY_BASE_S": "0.2",
                    "PROACTIVE_HTTP_TIMEOUT_S": "3"}

    def worker(self, label: str) -> Process:
        args = [sys.executable, "-m", "celery", "-A", "bot.tasks.app", "worker", "-Q", self.name, "-c", "1",
                "--loglevel", "INFO", "-n", f"{label}-{self.name}@%h", "--without-gossip", "--without-mingle",
                "--without-heartbeat"]
        process = start(f"worker-{label}", args, self.tmp_path, self.env)
        self.processes.append(process)
        return process

    def beat(self) -> Process:
        args = [sys.executable, "-m", "celery", "-A", "bot.tasks.app", "beat", "--loglevel", "INFO",
                "-s", str(self.tmp_path / "beat-schedule")]
        process = start("beat", args, self.tmp_path, self.env)
        self.processes.append(process)
        return process

    def send(self, task: str, *args) -> str:
        from bot.tasks.app import app
        task_id = uuid.uuid4().hex
        with Connection(self.broker) as conn:
            app.send_task(task, args=list(args), queue=self.name, task_id=task_id, connection=conn)
        return task_id

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        with Connection(self.broker) as conn:
            channel = conn.channel()
            try:
                channel.queue_delete(self.name)
            except Exception:
                pass


@pytest.fixture
def queue(broker, store, tmp_path):
    q = Queue(broker, store, tmp_path)
    yield q
    q.close()


def wait_for(check, timeout: float, what: str, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    logs = "\n".join(f"--- {p.name}\n{p.tail(30)}" for p in processes)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")
