"""The number columns and unique keys of accounts, loans and policies exactly as the models declare
them, whichever way a store reached version 3: created at 3 it has them already (nothing to do);
upgraded to 3 (0003, or the hand-written upgrade before Alembic) it has the hash and masked columns
nullable, the new keys as unique indexes and, on SQLite, the number still VARCHAR(40) and the old
key on the number still in place. SQLite rebuilds such a table (Alembic's batch mode: copy, drop,
rename; the upgrade runs with foreign keys off, so no child row goes with the old table).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# table: (number column prefix, old unique key on the number, new unique key on its hash, its columns)
KEYS = {"accounts": ("account", "uq_accounts_key", "uq_accounts_number",
                     ["customer_id", "org_code", "account_key", "seqno"]),
        "loans": ("account", "uq_loans_key", "uq_loans_number", ["customer_id", "org_code", "account_key"]),
        "insurance_policies": ("insu", "uq_insurance_key", "uq_insurance_number",
                               ["customer_id", "org_code", "insu_key"])}
LENGTHS = {"key": 40, "masked": 20}


def _unique_indexes(inspector, table: str) -> set[str]:
    """Unique indexes that are not the index behind a unique constraint (PostgreSQL lists those too)."""
    return {ix["name"] for ix in inspector.get_indexes(table)
            if ix["unique"] and not ix.get("duplicates_constraint")}


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    for table, (prefix, old_key, new_key, key_columns) in KEYS.items():
        inspector = sa.inspect(conn)
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        constraints = {uc["name"] for uc in inspector.get_unique_constraints(table)}
        nullable = [f"{prefix}_{part}" for part in LENGTHS if columns[f"{prefix}_{part}"]["nullable"]]
        plain_type = not isinstance(columns[f"{prefix}_num"]["type"], sa.Text)
        as_index = new_key in _unique_indexes(inspector, table)
        if not (nullable or as_index or old_key in constraints or new_key not in constraints or plain_type):
            continue
        if sqlite:
            if as_index:
                op.drop_index(new_key, table_name=table)
            with op.batch_alter_table(table, recreate="always") as batch:
                if old_key in constraints:
                    batch.drop_constraint(old_key, type_="unique")
                batch.alter_column(f"{prefix}_num", type_=sa.Text(), existing_nullable=False)
                for part, length in LENGTHS.items():
                    batch.alter_column(f"{prefix}_{part}", existing_type=sa.String(length=length),
                                       nullable=False)
                batch.create_unique_constraint(new_key, key_columns)
            continue
        if old_key in constraints:
            op.drop_constraint(old_key, table, type_="unique")
        if plain_type:
            op.alter_column(table, f"{prefix}_num", type_=sa.Text(), existing_nullable=False)
        for part, length in LENGTHS.items():
            if f"{prefix}_{part}" in nullable:
                op.alter_column(table, f"{prefix}_{part}", existing_type=sa.String(length=length),
                                nullable=False)
        if as_index:
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {new_key} UNIQUE USING INDEX {new_key}")
        elif new_key not in constraints:
            op.create_unique_constraint(new_key, table, key_columns)


def downgrade() -> None:
    raise NotImplementedError("the MyData store is never downgraded: restore a backup instead")
