"""Schema version 2: `closed_at` on accounts, loans, cards and policies (gone from the
institution's list: kept for their history, no longer live) and `data_access_log`, one row per
read of a customer's data.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    for table in ("accounts", "loans", "cards", "insurance_policies"):
        op.add_column(table, sa.Column("closed_at", sa.DateTime(), nullable=True))
    op.create_table("data_access_log",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("reader", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("org_codes", sa.String(length=200), nullable=False),
        sa.Column("accessed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_data_access_customer_time", "data_access_log", ["customer_id", "accessed_at"])


def downgrade() -> None:
    raise NotImplementedError("the MyData store is never downgraded: restore a backup instead")
