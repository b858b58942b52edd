"""The browser inbox (delegation, follow-up dates, form drafts, saved filters) and the
designer's process drafts.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

from engine.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_delegations",
        sa.Column("task_id", sa.String(36), sa.ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("delegate_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("delegated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "task_follow_ups",
        sa.Column("task_id", sa.String(36), sa.ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("follow_up_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "form_drafts",
        sa.Column("task_id", sa.String(36), sa.ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("saved_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "name"),
    )
    op.create_index("ix_saved_filters_user_id", "saved_filters", ["user_id"])
    op.create_table(
        "process_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("base_version_id", sa.Integer(), sa.ForeignKey("process_versions.id"), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("model_id", "filename"),
    )
    op.create_index("ix_process_drafts_model_id", "process_drafts", ["model_id"])
    # The inbox's "team" and "overdue" views filter open tasks by case and due date.
    op.create_index("ix_human_tasks_state_due", "human_tasks", ["state", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_human_tasks_state_due", "human_tasks")
    op.drop_table("process_drafts")
    op.drop_table("saved_filters")
    op.drop_table("form_drafts")
    op.drop_table("task_follow_ups")
    op.drop_table("task_delegations")
