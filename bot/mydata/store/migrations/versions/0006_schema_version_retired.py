"""`schema_version`, where the store kept its version before Alembic, is dropped: `alembic_version`
says it now (`migrate.upgrade_store` read the old table once, to know where such a store starts).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("schema_version"):
        op.drop_table("schema_version")


def downgrade() -> None:
    raise NotImplementedError("the MyData store is never downgraded: restore a backup instead")
