"""Schema version 3, as the hand-written upgrade before Alembic did it: what earlier versions kept
in plain text is encrypted. Institution OAuth tokens; full account, loan and policy numbers (which
also get their keyed hash and masked form, and the unique keys move onto the hash); card numbers,
which institutions send half-masked, are masked; the investment product cursors that carried an
account number are renamed by its hash.

The new columns are added nullable and the keys as unique indexes, as that upgrade left them;
0004 brings every store to the models' constraints. When anything was rewritten, the files are
rewritten too once the upgrade has committed (`migrate.upgrade_store`), so no old page keeps a
plain value.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import context, op

from bot.mydata.masking import mask_number
from bot.mydata.store.migrate import COMPACT_AFTER
from bot.mydata.store.rotation import INVEST_CURSOR, NUMBERED_TABLES, rewrite_numbers, rewrite_tokens
from bot.mydata.store.vault import vault

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = [("accounts", "account_key", 40), ("accounts", "account_masked", 20), ("loans", "account_key", 40),
           ("loans", "account_masked", 20), ("insurance_policies", "insu_key", 40),
           ("insurance_policies", "insu_masked", 20)]
OLD_UNIQUE = {"accounts": "uq_accounts_key", "loans": "uq_loans_key",
              "insurance_policies": "uq_insurance_key"}
NEW_UNIQUE = {"accounts": ("uq_accounts_number", "customer_id, org_code, account_key, seqno"),
              "loans": ("uq_loans_number", "customer_id, org_code, account_key"),
              "insurance_policies": ("uq_insurance_number", "customer_id, org_code, insu_key")}


def upgrade() -> None:
    for table, column, length in COLUMNS:
        op.add_column(table, sa.Column(column, sa.String(length=length), nullable=True))
    conn = op.get_bind()
    box = vault()
    if conn.dialect.name == "postgresql":
        for table, prefix in NUMBERED_TABLES.items():
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {prefix}_num TYPE TEXT")
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {OLD_UNIQUE[table]}")
    rewritten = rewrite_numbers(conn, box, plain_only=True)
    for table, (name, columns) in NEW_UNIQUE.items():
        op.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
    rewritten += rewrite_tokens(conn, box, plain_only=True)
    cards = conn.execute(sa.text("SELECT id, card_num FROM cards")).all()
    if cards:
        conn.execute(sa.text("UPDATE cards SET card_num = :masked WHERE id = :row_id"),
                     [{"row_id": row_id, "masked": mask_number(number)} for row_id, number in cards])
    cursors = conn.execute(sa.text("SELECT customer_id, org_code, resource FROM sync_cursors "
                                   "WHERE resource LIKE :prefix"), {"prefix": INVEST_CURSOR + "%"}).all()
    for customer_id, org_code, resource in cursors:
        number = resource[len(INVEST_CURSOR):]
        conn.execute(sa.text("UPDATE sync_cursors SET resource = :new "
                             "WHERE customer_id = :cid AND org_code = :org AND resource = :old"),
                     {"new": INVEST_CURSOR + box.number_key(number), "cid": customer_id, "org": org_code,
                      "old": resource})
    if rewritten or cards or cursors:
        context.config.attributes[COMPACT_AFTER] = True


def downgrade() -> None:
    raise NotImplementedError("the MyData store is never downgraded: restore a backup instead")
