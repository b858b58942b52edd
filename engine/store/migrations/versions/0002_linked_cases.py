"""Re-entry after closure: a case may point at the case it follows.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a foreign key to an existing table in place
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("previous_case_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_cases_previous_case_id_cases", "cases", ["previous_case_id"], ["id"])
        batch.create_index("ix_cases_previous_case_id", ["previous_case_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_previous_case_id")
        batch.drop_constraint("fk_cases_previous_case_id_cases", type_="foreignkey")
        batch.drop_column("previous_case_id")
