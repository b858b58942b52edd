"""The audit trail and the signed record are append-only at the database and hash-chained.

Rows written before this migration are chained here, in id order, per case.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

from engine.store.chain import GENESIS, digest

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("audit_events", "record_entries")


def _chain_existing_rows(table: str) -> None:
    bind = op.get_bind()
    rows = sa.Table(table, sa.MetaData(), autoload_with=bind)
    heads: dict = {}
    for row in bind.execute(sa.select(rows).order_by(rows.c.id)).fetchall():
        previous = heads.get(row.case_id, GENESIS)
        entry_hash = digest(table, previous, row)
        bind.execute(rows.update().where(rows.c.id == row.id).values(prev_hash=previous, entry_hash=entry_hash))
        heads[row.case_id] = entry_hash


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
            batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=True))
        _chain_existing_rows(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION casepath_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused (add a correction instead)', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$ LANGUAGE plpgsql""")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION casepath_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION casepath_append_only()")
    else:
        for table in TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} BEGIN "
                           f"SELECT RAISE(ABORT, '{table} is append-only: {action} refused (add a correction "
                           f"instead)'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION casepath_append_only()")
    else:
        for table in TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("entry_hash")
            batch.drop_column("prev_hash")
