"""What a task or timer is for comes from the diagram (the `purpose` property), not from ids in code.

Rows made before this migration get their purpose from the naming rule the first
lifecycle used (engine/definitions/extensions.py keeps it as the fallback).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BY_NAME = (("approve\\_%", "approval"), ("second\\_approve\\_%", "approval"), ("reassess", "reassessment"),
            ("reassessment\\_due", "reassessment"), ("write\\_plan", "plan"), ("revise\\_plan", "plan"))


def upgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("purpose", sa.String(40), nullable=True))
        batch.create_index("ix_human_tasks_state_purpose_team", ["state", "purpose", "team"])
    with op.batch_alter_table("timers") as batch:
        batch.add_column(sa.Column("purpose", sa.String(40), nullable=True))
    for table in ("human_tasks", "timers"):
        for pattern, purpose in _BY_NAME:
            op.execute(sa.text(f"UPDATE {table} SET purpose = :purpose WHERE purpose IS NULL "
                               f"AND bpmn_id LIKE :pattern ESCAPE '\\'").bindparams(purpose=purpose, pattern=pattern))


def downgrade() -> None:
    with op.batch_alter_table("timers") as batch:
        batch.drop_column("purpose")
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_index("ix_human_tasks_state_purpose_team")
        batch.drop_column("purpose")
