"""Failed sign-ins in the database, so every serving process throttles the same guesses.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failed_at", UTCDateTime(), nullable=False, index=True),
    )
    op.create_index("ix_sign_in_failures_key_at", "sign_in_failures", ["key", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_key_at", "sign_in_failures")
    op.drop_table("sign_in_failures")
