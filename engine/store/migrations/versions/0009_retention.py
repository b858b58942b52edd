"""Retention: a period per program, legal holds, and the disposal of a record past its period.

The audit trail and the signed record stay append-only (0006): UPDATE is refused as before, and
DELETE is refused unless a disposal approved by a supervisor stands for that row's case in
record_disposals. A disposal removes a case's whole chains at once, so every chain left still
verifies; the tombstone row and a `record_disposed` audit event in the chain of events of no case
say what was removed, when and on whose approval.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("audit_events", "record_entries")
REFUSAL = "{table} is append-only: {action} refused (add a correction instead)"
DISPOSED = "EXISTS (SELECT 1 FROM record_disposals d WHERE d.case_id = OLD.case_id AND d.approved_at IS NOT NULL)"


def upgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(80), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=False),
        sa.Column("lifted_by", sa.String(80), nullable=True),
        sa.Column("lifted_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "record_disposals",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("program", sa.String(120), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(80), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=False),
        sa.Column("entries_disposed", sa.Integer(), nullable=False),
        sa.Column("events_disposed", sa.Integer(), nullable=False),
        sa.Column("record_head", sa.String(64), nullable=True),
        sa.Column("audit_head", sa.String(64), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION casepath_delete_if_disposed() RETURNS trigger AS $$
            BEGIN
                IF {DISPOSED} THEN RETURN OLD; END IF;
                RAISE EXCEPTION '% is append-only: % refused (add a correction instead)', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$ LANGUAGE plpgsql""")
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION casepath_append_only()")
            op.execute(f"CREATE TRIGGER {table}_delete_if_disposed BEFORE DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION casepath_delete_if_disposed()")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_delete")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} WHEN NOT {DISPOSED} BEGIN "
                       f"SELECT RAISE(ABORT, '{REFUSAL.format(table=table, action='DELETE')}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_delete_if_disposed ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_update ON {table}")
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION casepath_append_only()")
        op.execute("DROP FUNCTION casepath_delete_if_disposed()")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_delete")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN "
                       f"SELECT RAISE(ABORT, '{REFUSAL.format(table=table, action='DELETE')}'); END")
    op.drop_table("record_disposals")
    op.drop_table("legal_holds")
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("retention_days")
