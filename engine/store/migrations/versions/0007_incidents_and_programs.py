"""Incidents name their element and time; programs choose the process a new case starts on.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from engine.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("error_element_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("error_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_cases_status", ["status"])
    op.create_table(
        "programs",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("process", sa.String(200), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("programs")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_status")
        batch.drop_column("error_at")
        batch.drop_column("error_element_id")
