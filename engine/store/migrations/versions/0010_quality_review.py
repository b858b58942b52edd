"""Quality review (AAA quality-assurance review; NASW Std 9): each month's draw and the cases it
drew, each with the review case (a case of the quality_review process) that reviews it.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_draws",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("drawn_at", UTCDateTime(), nullable=False),
        sa.Column("drawn_by", sa.String(80), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("cases_drawn", sa.Integer(), nullable=False),
    )
    op.create_table(
        "quality_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("month", sa.String(7), sa.ForeignKey("quality_draws.month"), nullable=False, index=True),
        sa.Column("review_case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False, unique=True),
        sa.Column("reviewed_case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("worker_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.UniqueConstraint("month", "reviewed_case_id"),
    )


def downgrade() -> None:
    op.drop_table("quality_reviews")
    op.drop_table("quality_draws")
