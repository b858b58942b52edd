"""Indexes for the inbox and the dashboard at 100,000 cases (issue 18; plans in docs/PERFORMANCE.md).

- human_tasks (state, team, assignee_id, due_at): the dashboard's open and overdue tasks per
  worker of a team, counted from the index alone;
- cases (team, status, stage, case_manager_id, acuity): the dashboard's caseloads by worker and
  acuity, from the index alone;
- timers (purpose, due_at): reassessments due in the next 30 days, soonest first;
- record_entries (kind, signed_at): the dashboard's late notes look only at cases with a contact
  note signed in the last 30 days instead of reading every contact note of the team.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_human_tasks_state_team_assignee_due", "human_tasks", ["state", "team", "assignee_id", "due_at"]),
    ("ix_cases_caseload", "cases", ["team", "status", "stage", "case_manager_id", "acuity"]),
    ("ix_timers_purpose_due", "timers", ["purpose", "due_at"]),
    ("ix_record_entries_kind_signed", "record_entries", ["kind", "signed_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table)
