"""The inbox's team views and the dashboard read a team's open tasks by due date.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_human_tasks_state_team_due", "human_tasks", ["state", "team", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_human_tasks_state_team_due", "human_tasks")
