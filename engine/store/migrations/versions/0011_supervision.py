"""Supervision sessions (NASW 2013 Std 11 and 12): each month, one session case per case manager.
A session is about a worker, not a client, so cases.client_id may now be NULL (oversight only).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "supervision_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False, index=True),
        sa.Column("worker_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("session_case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("month", "worker_id"),
    )


def downgrade() -> None:
    op.drop_table("supervision_sessions")
    # Session cases have no client: while any is kept, the database refuses this step.
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column("client_id", existing_type=sa.Integer(), nullable=False)
