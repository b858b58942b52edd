"""The database tables (SQLAlchemy 2.0 typed models). Schema changes go through
Alembic migrations in engine/store/migrations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator
from datetime import timezone


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    team: Mapped[str | None] = mapped_column(String(80), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Only a SHA-256 of the token is stored: a leaked table grants nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ProcessVersion(Base):
    """One immutable deployment of a process model (BPMN + DMN files)."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("model_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    deployed_by: Mapped[str] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    files: Mapped[list[ProcessFile]] = relationship(
        back_populates="version", order_by="ProcessFile.filename", cascade="all, delete-orphan"
    )


class ProcessFile(Base):
    __tablename__ = "process_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)

    version: Mapped[ProcessVersion] = relationship(back_populates="files")


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    preferred_language: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_team_stage", "team", "stage"),
        Index("ix_cases_status", "status"),
        # the dashboard's caseloads by worker and acuity, read from the index alone (migration 0012)
        Index("ix_cases_caseload", "team", "status", "stage", "case_manager_id", "acuity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL only for oversight with no client: a supervision session is about a case manager.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True, index=True)
    program: Mapped[str | None] = mapped_column(String(120), nullable=True)
    team: Mapped[str | None] = mapped_column(String(80), nullable=True)
    stage: Mapped[str] = mapped_column(String(40))
    # active, completed, or error: an incident (a timer's or message's step failed; the case
    # waits for a supervisor or admin to fix the cause and retry). The incident names the
    # element, the reason and when.
    status: Mapped[str] = mapped_column(String(20), default="active")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_element_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    case_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    acuity: Mapped[str | None] = mapped_column(String(40), nullable=True)
    opened_by: Mapped[str] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    # Re-entry after closure (NASW Std 6 follow-up): the new case points at the one it follows.
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    # Bumped by every step; a step commits only if the version it read is still current.
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The hashes of the last audit event and record entry of the case (engine/store/chain.py):
    # the step's row lock guards them, so sealing reads no chain. NULL: read the chain.
    audit_head: Mapped[str | None] = mapped_column(String(64), nullable=True)
    record_head: Mapped[str | None] = mapped_column(String(64), nullable=True)

    # Optimistic lock: the engine bumps lock_version on every step and SQLAlchemy adds
    # "WHERE lock_version = <the value read>" to the UPDATE.
    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}

    client: Mapped[Client | None] = relationship(lazy="joined")
    process_version: Mapped[ProcessVersion] = relationship()
    case_manager: Mapped[User | None] = relationship(foreign_keys=[case_manager_id], lazy="joined")
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id], lazy="joined")


class WorkflowState(Base):
    """SpiffWorkflow's serialized state of a case's workflow (spec stored per version)."""

    __tablename__ = "workflow_states"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HumanTask(Base):
    """A user task for a person: open ones are what the inbox queries; completed and
    cancelled ones stay as the history of who did what."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_state_lane_team", "state", "lane", "team"),
        Index("ix_human_tasks_assignee_state_due", "assignee_id", "state", "due_at"),
        Index("ix_human_tasks_case_state", "case_id", "state"),
        Index("ix_human_tasks_state_due", "state", "due_at"),
        Index("ix_human_tasks_state_team_due", "state", "team", "due_at"),
        Index("ix_human_tasks_state_purpose_team", "state", "purpose", "team"),
        # the dashboard's open and overdue tasks per worker of a team (migration 0012)
        Index("ix_human_tasks_state_team_assignee_due", "state", "team", "assignee_id", "due_at"),
        # a team's tasks in client order (the inbox's sort by client; migration 0014)
        Index("ix_human_tasks_team_state_client", "team", "state", "client_sort"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(80), nullable=True)
    team: Mapped[str | None] = mapped_column(String(80), nullable=True)
    form: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # What the step is for, from the diagram (engine/definitions/extensions.py): approval, ...
    purpose: Mapped[str | None] = mapped_column(String(40), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, completed, cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The client's name as the inbox sorts it (client_sort_key), copied when the task opens (a
    # client's name is not edited); None for a supervision session, which has no client.
    client_sort: Mapped[str | None] = mapped_column(String(300), nullable=True)

    assignee: Mapped[User | None] = relationship(lazy="joined")
    case: Mapped[Case] = relationship()


class Timer(Base):
    """A waiting timer event and the instant it is due."""

    __tablename__ = "timers"
    # reassessments due soon, soonest first (the dashboard; migration 0012)
    # a team's reassessments due soon (migration 0014: the team copied from the case)
    __table_args__ = (Index("ix_timers_purpose_due", "purpose", "due_at"),
                      Index("ix_timers_purpose_team_due", "purpose", "team", "due_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20))  # date, duration, cycle
    purpose: Mapped[str | None] = mapped_column(String(40), nullable=True)  # e.g. reassessment
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    team: Mapped[str | None] = mapped_column(String(80), nullable=True)  # the case's, copied when set


def client_sort_key(client) -> str | None:
    """How the inbox sorts a client: last name, then first name, case-insensitively (a unit
    separator between them sorts below every printable character); None without a client."""
    if client is None:
        return None
    return f"{(client.last_name or '').lower()}\x1f{(client.first_name or '').lower()}"


class AuditEvent(Base):
    """What the engine did and why: completions, gateway branches, DMN rules, timers."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(60))  # read per case only: no index of its own (migration 0017)
    bpmn_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # The hash chain (engine/store/chain.py): this row's hash covers its content and the previous one.
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entry_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RecordEntry(Base):
    """An entry of the case record. NASW Std 10: every entry dated and signed by its
    author; immutable once signed, corrections are new entries pointing at the old."""

    __tablename__ = "record_entries"
    __table_args__ = (
        # notes of a kind signed since a day (the dashboard's late notes; migration 0013)
        Index("ix_record_entries_kind_signed", "kind", "signed_at"),
        # whether a case's record holds an entry of some kinds, without reading its whole
        # history (the locked read of every step; migration 0015)
        Index("ix_record_entries_case_kind", "case_id", "kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    bpmn_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("record_entries.id"), nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entry_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TaskDelegation(Base):
    """Delegation (Camunda's term): the owner hands an open task to someone else and may take
    it back; while delegated the delegate is the assignee and the owner is kept here."""

    __tablename__ = "task_delegations"

    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id], lazy="joined")


class TaskFollowUp(Base):
    """A person's "remind me on" date for a task: hidden from their inbox until then."""

    __tablename__ = "task_follow_ups"

    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    follow_up_on: Mapped[date] = mapped_column(Date)


class FormDraft(Base):
    """What someone typed into a task's form and saved without completing it."""

    __tablename__ = "form_drafts"

    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavedFilter(Base):
    """A named inbox filter a person saved (query string of the inbox)."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessDraft(Base):
    """An admin's unsaved-to-a-version edit of one file of a process model (the designer).
    Deploying the draft makes a new immutable ProcessVersion; the draft row is then removed."""

    __tablename__ = "process_drafts"
    __table_args__ = (UniqueConstraint("model_id", "filename"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"), nullable=True)
    content: Mapped[str] = mapped_column(Text)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Program(Base):
    """A line of service (aging services, child welfare...) and the process its new cases start on."""
    __tablename__ = "programs"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    process: Mapped[str] = mapped_column(String(200))
    teams: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # NASW Std 10: records kept for the period policy (and law) sets, then disposed of. Days after
    # a case closes; None: no period set, the program's records are never listed for disposal.
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)


class LegalHold(Base):
    """A legal hold on a case's record (litigation, an investigation, a subpoena): while one is in
    force the record is not disposed of, whatever its retention period says."""
    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(80))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RecordDisposal(Base):
    """The tombstone of a disposed record: which case, when it closed, who approved its disposal
    and the last hashes of its two chains (what was destroyed can be named, never read again).
    Its row existing with approved_at set is also what lets the database delete that case's
    audit events and record entries (migration 0008's triggers); nothing else may."""
    __tablename__ = "record_disposals"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    program: Mapped[str | None] = mapped_column(String(120), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[str] = mapped_column(String(80))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entries_disposed: Mapped[int] = mapped_column(Integer)
    events_disposed: Mapped[int] = mapped_column(Integer)
    record_head: Mapped[str | None] = mapped_column(String(64), nullable=True)
    audit_head: Mapped[str | None] = mapped_column(String(64), nullable=True)


class QualityDraw(Base):
    """One month's draw of the quality review (AAA quality-assurance review; NASW Std 9): when it
    was drawn, by whom, with which seed and sample size. The month is the key, so two workers
    polling at once draw it once; the seed lets anyone redraw the same sample from the same cases."""
    __tablename__ = "quality_draws"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drawn_by: Mapped[str] = mapped_column(String(80))
    seed: Mapped[str] = mapped_column(String(64))
    sample_size: Mapped[int] = mapped_column(Integer)
    cases_drawn: Mapped[int] = mapped_column(Integer)


class QualityReview(Base):
    """A drawn case and the review case (a case of the quality_review process) that reviews it."""
    __tablename__ = "quality_reviews"
    __table_args__ = (UniqueConstraint("month", "reviewed_case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(ForeignKey("quality_draws.month"), index=True)
    review_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    reviewed_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    review_case: Mapped[Case] = relationship(foreign_keys=[review_case_id])
    reviewed_case: Mapped[Case] = relationship(foreign_keys=[reviewed_case_id])


class SupervisionSession(Base):
    """A case manager's supervision session of one month (NASW 2013 Std 11 and 12): the session case
    (a case of the supervision_session process, about the worker, with no client). (month, worker)
    is unique, so however many workers poll, a month opens one session per case manager."""
    __tablename__ = "supervision_sessions"
    __table_args__ = (UniqueConstraint("month", "worker_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    worker: Mapped[User] = relationship()
    session_case: Mapped[Case] = relationship()


class SignInFailure(Base):
    """One failed sign-in, counted against the name and against the address it came from. In the
    database rather than in memory so that every serving process (`serve --workers N`, several
    machines) counts the same failures: a guesser gains nothing by landing on another worker."""
    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # "user:<lowercased name>" or "addr:<address>"
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
