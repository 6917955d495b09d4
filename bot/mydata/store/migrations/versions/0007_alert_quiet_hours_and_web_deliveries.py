"""Alert settings and web push: `alert_quiet_hours` (the hours a customer's non-urgent alerts wait)
and `alert_web_deliveries` (an alert shown once per open web chat session). `ensure_tables` may have
made them already in a running store, so only missing ones are created.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "alert_quiet_hours" not in existing:
        op.create_table(
            "alert_quiet_hours",
            sa.Column("customer_id", sa.String(length=32), nullable=False),
            sa.Column("start_hour", sa.Integer(), nullable=False),
            sa.Column("end_hour", sa.Integer(), nullable=False),
            sa.Column("enabled", sa.Integer(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("customer_id"),
        )
    if "alert_web_deliveries" not in existing:
        op.create_table(
            "alert_web_deliveries",
            sa.Column("alert_id", ID, autoincrement=False, nullable=False),
            sa.Column("session_id", sa.String(length=80), nullable=False),
            sa.Column("delivered_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("alert_id", "session_id"),
        )


def downgrade() -> None:
    raise NotImplementedError("the MyData store is never downgraded: restore a backup instead")
