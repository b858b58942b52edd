"""The audit trail's index on kind alone is dropped (issue 18).

Every query that names an audit event's kind names its case too (the access log, a
referral's opening, a disposal request), and the case's index finds those rows; nothing
looks up one kind across all cases. Yet each audit event had to be filed in it: a
completion writes three events of three kinds, at three places of that index, which came
to 3.4 of the 28 pages a SQLite completion writes to its WAL and fsyncs (measured with the
WAL's frame headers; bench/task_completion.py).

Revision ID: 0017
Revises: 0016
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index("ix_audit_events_kind")


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.create_index("ix_audit_events_kind", ["kind"], unique=False)
