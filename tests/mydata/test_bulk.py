"""The driver-level insert paths write exactly what SQLAlchemy's own insert would: same stored
datetime text on SQLite, same values through PostgreSQL's COPY (escapes, NULLs, booleans)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select
from sqlalchemy.dialects import sqlite

from bot.korean.calendar import KST
from bot.mydata.store.bulk import COPY_MIN_ROWS, _sqlite_utc_processor, bulk_insert, insert_returning_ids
from bot.mydata.store.models import DeletionRecord, SyncRun, UtcDateTime

AWKWARD = ["tab\there", "new\nline", "back\\slash", "carriage\rreturn", "\\N", "", "한글 메모 ☕", None]


def test_sqlite_fast_datetime_text_is_sqlalchemys():
    dialect = sqlite.dialect()
    general = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    fast = _sqlite_utc_processor(general)
    for value in (datetime(2025, 6, 30, 3, 4, 5, tzinfo=timezone.utc),
                  datetime(2025, 1, 1, 0, 0, 0, 7, tzinfo=timezone.utc),
                  datetime(2025, 6, 30, 9, 0, tzinfo=KST), None):
        assert fast(value) == general(value)


def _records(count: int) -> list[dict]:
    start = datetime(2025, 6, 30, 12, 0, tzinfo=KST)
    return [{"customer_id": f"c{n}", "org_code": "B0010001", "consent_id": n, "reason": "revoked",
             "deleted_at": start + timedelta(seconds=n), "rows_deleted": AWKWARD[n % len(AWKWARD)] or "",
             "remote_revoked": n % 2 == 0} for n in range(count)]


def test_bulk_insert_matches_core_insert(engine):
    for count in (3, COPY_MIN_ROWS + 5):
        rows = _records(count)
        with engine.begin() as conn:
            conn.execute(DeletionRecord.__table__.delete())
            bulk_insert(conn, DeletionRecord.__table__, [dict(r) for r in rows])
            fast = conn.execute(select(DeletionRecord.customer_id, DeletionRecord.deleted_at,
                                       DeletionRecord.rows_deleted, DeletionRecord.remote_revoked)
                                .order_by(DeletionRecord.consent_id)).all()
            conn.execute(DeletionRecord.__table__.delete())
            conn.execute(insert(DeletionRecord), rows)
            core = conn.execute(select(DeletionRecord.customer_id, DeletionRecord.deleted_at,
                                       DeletionRecord.rows_deleted, DeletionRecord.remote_revoked)
                                .order_by(DeletionRecord.consent_id)).all()
        assert fast == core and len(fast) == count


def test_nulls_and_text_survive_copy(engine):
    rows = [
        {
            "customer_id": "c",
            "org_code": "B0010001",
            "consent_id": None,
            "started_at": datetime.now(timezone.utc),
            "finished_at": None,
            "status": "failed",
            "error": AWKWARD[n % len(AWKWARD)],
            "api_calls": n,
            "new_transactions": 0,
            "new_approvals": 0,
        }
        for n in range(COPY_MIN_ROWS * 2)
    ]
    with engine.begin() as conn:
        bulk_insert(conn, SyncRun.__table__, [dict(r) for r in rows])
        stored = conn.execute(select(SyncRun.error, SyncRun.consent_id, SyncRun.finished_at)
                              .where(SyncRun.customer_id == "c").order_by(SyncRun.api_calls)).all()
    assert [r.error for r in stored] == [r["error"] for r in rows]
    assert all(r.consent_id is None and r.finished_at is None for r in stored)


def test_new_ids_come_back_by_natural_key(engine):
    rows = _records(4)
    with engine.begin() as conn:
        ids = insert_returning_ids(conn, DeletionRecord.__table__, [dict(r) for r in rows], ("customer_id",))
        stored = dict(conn.execute(select(DeletionRecord.customer_id, DeletionRecord.id)).all())
    assert ids == {(cid,): row_id for cid, row_id in stored.items()}
