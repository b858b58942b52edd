"""Whether a case's record holds an entry of some kinds, answered from an index (issue 18).

Every step's locked read asks whether the record holds any entry of the kinds the record
rules read (consents, legal representatives). With only an index on case_id, SQLite looked
up every entry of the case to check its kind: at 2,000 weekly contacts that read took
0.75 ms instead of 0.09 ms, and a week's cost grew with the case's history
(bench/loop_history.py). (case_id, kind) answers it from the index and still serves every
lookup by case_id alone, so it replaces the case_id index.

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_record_entries_case_kind", "record_entries", ["case_id", "kind"])
    op.drop_index("ix_record_entries_case_id", "record_entries")


def downgrade() -> None:
    op.create_index("ix_record_entries_case_id", "record_entries", ["case_id"])
    op.drop_index("ix_record_entries_case_kind", "record_entries")
