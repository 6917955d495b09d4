"""The scale-out path for real: conversations in PostgreSQL, locks in Redis."""
import json
import os
import uuid

import pytest
import redis
import yaml
from sqlalchemy import create_engine, text

from scripts.endpoints import render
from tests.support.servers import rasa_stack

PG_ADMIN_URL = os.environ.get("MYDATA_TEST_PG_ADMIN", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REDIS_DB = 5


def test_default_endpoints_keep_conversations_in_sqlite(tmp_path):
    endpoints = yaml.safe_load(render({}, sqlite_path=tmp_path / "t.sqlite3"))
    assert endpoints["tracker_store"] == {
        "type": "bot.rasa.tracker_store.PooledSQLTrackerStore",
        "dialect": "sqlite",
        "db": str(tmp_path / "t.sqlite3"),
    }
    assert "lock_store" not in endpoints


def test_environment_selects_postgresql_and_redis(tmp_path):
    endpoints = yaml.safe_load(render({
        "TRACKER_DATABASE_URL": "postgresql://bank:s%40cret@db.local:6543/tracker",
        "REDIS_URL": "redis://127.0.0.1:6380/3",
        "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
    }))
    assert endpoints["tracker_store"] == {
        "type": "bot.rasa.tracker_store.PooledSQLTrackerStore",
        "dialect": "postgresql",
        "url": "db.local",
        "port": 6543,
        "db": "tracker",
        "username": "bank",
        "password": "s@cret",
    }
    assert endpoints["lock_store"]["type"] == "redis" and endpoints["lock_store"]["db"] == 3
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:9/webhook"


@pytest.mark.parametrize("env", [{"TRACKER_DATABASE_URL": "mysql://x/y"}, {"REDIS_URL": "http://x"}])
def test_wrong_scheme_is_a_clear_error(env):
    with pytest.raises(ValueError):
        render(env)


@pytest.fixture
def tracker_database():
    admin = create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    name = f"tracker_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_conversations_go_to_postgresql_with_redis_locks(tmp_path, tracker_database):
    locks = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    env = {"TRACKER_DATABASE_URL": tracker_database, "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}"}
    with rasa_stack(tmp_path, extra_env=env) as stack:
        before = locks.info("commandstats").get("cmdstat_set", {}).get("calls", 0)
        sender = f"pg-{uuid.uuid4().hex[:8]}"
        assert stack.say(sender, "안녕하세요")
        assert stack.say(sender, "고마워요")
        after = locks.info("commandstats").get("cmdstat_set", {}).get("calls", 0)
    assert after > before
    engine = create_engine(tracker_database.replace("postgresql://", "postgresql+psycopg2://"), future=True)
    with engine.connect() as conn:
        texts = (
            conn.execute(
                text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                {"s": sender},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert [json.loads(t)["text"] for t in texts] == ["안녕하세요", "고마워요"]
