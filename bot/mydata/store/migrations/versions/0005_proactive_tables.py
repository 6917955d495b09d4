"""The proactive half's tables (bot/insights/models.py) in the store's history. `ensure_tables`
made them before, outside any migration, so a store may have them already: only missing ones are
created.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "sync_schedules" not in existing:
        op.create_table("sync_schedules",
            sa.Column("customer_id", sa.String(length=32), nullable=False),
            sa.Column("org_code", sa.String(length=10), nullable=False),
            sa.Column("cycle_days", sa.Integer(), nullable=False),
            sa.Column("next_due_at", sa.DateTime(), nullable=False),
            sa.Column("last_dispatched_at", sa.DateTime(), nullable=True),
            sa.Column("paused_at", sa.DateTime(), nullable=True),
            sa.Column("pause_reason", sa.String(length=30), nullable=True),
            sa.PrimaryKeyConstraint("customer_id", "org_code"))
    if "customer_activity" not in existing:
        op.create_table("customer_activity",
            sa.Column("customer_id", sa.String(length=32), nullable=False),
            sa.Column("last_conversation_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("customer_id"))
    if "lifecycle_records" not in existing:
        op.create_table("lifecycle_records",
            sa.Column("id", ID, autoincrement=True, nullable=False),
            sa.Column("customer_id", sa.String(length=32), nullable=False),
            sa.Column("rule", sa.String(length=30), nullable=False),
            sa.Column("org_code", sa.String(length=10), nullable=True),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.Column("detail", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"))
        op.create_index("ix_lifecycle_records_customer_id", "lifecycle_records", ["customer_id"])
    if "task_deliveries" not in existing:
        op.create_table("task_deliveries",
            sa.Column("task_id", sa.String(length=64), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("lost", sa.Integer(), nullable=False),
            sa.Column("first_started_at", sa.DateTime(), nullable=False),
            sa.Column("finished_at", sa.DateTime(), nullable=True),
            sa.Column("status", sa.String(length=12), nullable=False),
            sa.PrimaryKeyConstraint("task_id"))
    if "dead_letters" not in existing:
        op.create_table("dead_letters",
            sa.Column("id", ID, autoincrement=True, nullable=False),
            sa.Column("task_id", sa.String(length=64), nullable=False),
            sa.Column("name", sa.String(length=80), nullable=False),
            sa.Column("args", sa.Text(), nullable=False),
            sa.Column("error", sa.Text(), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("task_id"))
    if "institution_rate_slots" not in existing:
        op.create_table("institution_rate_slots",
            sa.Column("org_code", sa.String(length=10), nullable=False),
            sa.Column("next_at_ms", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("org_code"))
    if "alerts" not in existing:
        op.create_table("alerts",
            sa.Column("id", ID, autoincrement=True, nullable=False),
            sa.Column("customer_id", sa.String(length=32), nullable=False),
            sa.Column("kind", sa.String(length=24), nullable=False),
            sa.Column("severity", sa.Integer(), nullable=False),
            sa.Column("dedupe_key", sa.String(length=160), nullable=False),
            sa.Column("numbers", sa.Text(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("button_title", sa.String(length=40), nullable=False),
            sa.Column("button_payload", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("data_synced_at", sa.DateTime(), nullable=True),
            sa.Column("read_at", sa.DateTime(), nullable=True),
            sa.Column("dismissed_at", sa.DateTime(), nullable=True),
            sa.Column("delivered_at", sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("customer_id", "dedupe_key", name="uq_alerts_dedupe"))
        op.create_index("ix_alerts_customer_time", "alerts", ["customer_id", "created_at"])
    if "alert_preferences" not in existing:
        op.create_table("alert_preferences",
            sa.Column("customer_id", sa.String(length=32), nullable=False),
            sa.Column("kind", sa.String(length=24), nullable=False),
            sa.Column("enabled", sa.Integer(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("customer_id", "kind"))


def downgrade() -> None:
    raise NotImplementedError("the MyData store is never downgraded: restore a backup instead")
