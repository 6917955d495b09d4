"""Alembic's environment for the MyData store: the migrations run on the connection
`bot.mydata.store.migrate` prepared, or, from the alembic command line, on one prepared the same
way for the store at DATABASE_URL. Never offline: there is no SQL script to generate."""
from alembic import context

from bot.mydata.store.db import make_engine
from bot.mydata.store.migrate import migration_connection, store_metadata
from bot.mydata.store.models import EncryptedText, UtcDateTime


def render_item(type_, obj, autogen_context):
    """A new migration spells the store's own column types as the database has them."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, EncryptedText):
        return "sa.Text()"
    return False


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=store_metadata(), compare_type=True,
                      render_as_batch=True, render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the MyData store's migrations run on a database only (no --sql)")
given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    engine = make_engine()
    try:
        with migration_connection(engine) as prepared:
            run(prepared)
    finally:
        engine.dispose()
