"""The demo bank in the scale-out mode, for tests and bench/load.py: fresh PostgreSQL databases
(conversations, MyData, Kakao links), Redis locks, the MyData sandbox with the demo customers linked and
synced, and `scripts.scale_out.Cluster` in front of N replicas."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

from scripts.scale_out import Cluster, ensure_database
from tests.support.bank import SECRET
from tests.support.kakao import SKILL_SECRET
from tests.support.servers import ROOT, free_port, start, wait_until

PG = "postgresql+psycopg2://postgres@127.0.0.1:5432"
PG_ADMIN_URL = os.environ.get("MYDATA_TEST_PG_ADMIN", f"{PG}/postgres")
REDIS_DB = 6


@contextlib.contextmanager
def fresh_databases(*kinds: str) -> Iterator[list]:
    """New PostgreSQL databases, dropped afterwards; their SQLAlchemy URLs."""
    names = [f"scale_{kind}_{uuid.uuid4().hex[:8]}" for kind in kinds]
    for name in names:
        ensure_database(f"{PG}/{name}", PG_ADMIN_URL)
    try:
        yield [f"{PG}/{name}" for name in names]
    finally:
        admin = create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in names:
                conn.execute(
                    text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextlib.contextmanager
def demo_cluster(workdir: Path, replicas: int = 2, rasa_balance: str = "leastconn") -> Iterator[Cluster]:
    """The running cluster, with `tracker_url` and `mydata_url` (SQLAlchemy URLs) set on it."""
    with fresh_databases("tracker", "mydata", "links") as (tracker_url, mydata_url, links_url):
        port = free_port()
        env = {
            "TRACKER_DATABASE_URL": tracker_url.replace("postgresql+psycopg2://", "postgresql://"),
            "DATABASE_URL": mydata_url,
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "MYDATA_SANDBOX_MANIFEST": str(workdir / "sandbox.json"),
            "MYDATA_API_BASE_URL": f"http://127.0.0.1:{port}",
            "ASSISTANT_TOKEN_SECRET": SECRET,
            "KAKAO_LINK_DB": links_url,
            "KAKAO_SKILL_SECRET": SKILL_SECRET,
        }
        full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "sandbox", "seed", "--customers", "20"],
                       cwd=ROOT, env=full_env, check=True, capture_output=True)
        sandbox = start(
            "sandbox", [sys.executable, "-m", "sandbox", "serve", "--port", str(port)], workdir, env
        )
        try:
            wait_until(
                sandbox, f"{env['MYDATA_API_BASE_URL']}/_sandbox/info", lambda r: r.status_code == 200, 60
            )
            subprocess.run([sys.executable, "-m", "sandbox", "demo"], cwd=ROOT, env=full_env, check=True,
                           capture_output=True)
            with Cluster(replicas, workdir / "cluster", env=env, rasa_balance=rasa_balance) as cluster:
                cluster.tracker_url = tracker_url
                cluster.mydata_url = mydata_url
                yield cluster
        finally:
            sandbox.stop()
