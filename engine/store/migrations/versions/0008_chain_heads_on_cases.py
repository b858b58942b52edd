"""Each case row carries the heads of its two hash chains.

Sealing a new audit event or record entry then needs no read of the chain's last row
and no advisory lock: the case row (locked by the step anyway) holds the head. Existing
cases get the hash of their last row here; NULL still means "read it from the chain".

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

HEADS = {"audit_head": "audit_events", "record_head": "record_entries"}


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in HEADS:
            batch.add_column(sa.Column(column, sa.String(64), nullable=True))
    for column, table in HEADS.items():
        op.execute(f"UPDATE cases SET {column} = (SELECT t.entry_hash FROM {table} t WHERE t.case_id = cases.id "
                   f"ORDER BY t.id DESC LIMIT 1)")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in HEADS:
            batch.drop_column(column)
