"""What Alembic finds different between a store and the models (nothing, when they agree)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

from bot.mydata.store.migrate import store_metadata


def schema_diff(engine, metadata: MetaData | None = None) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata if metadata is not None else store_metadata())
