"""Who is asking, and every "who may" rule, each defined once by name.

admin: everything. supervisor: every case of their team. case_manager: their own
caseload and unassigned cases of their team. intake: their team's cases still in
screening. A case or task the caller may not see is reported as not found, so its
existence does not leak. Lanes are roles: only someone holding a lane's role works
its tasks (NASW Std 11: supervisors oversee; Std 10: only the author or a supervisor
corrects the record).
"""
from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

from sqlalchemy import and_, false, or_

from .errors import Forbidden, NotFound
from .store.models import Case, HumanTask, User


@dataclass(frozen=True)
class Actor:
    """The person (or the engine itself) a call is made for."""

    id: int | None
    username: str
    roles: tuple[str, ...]
    team: str | None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.username, tuple(user.roles or ()), user.team)


# The engine's own steps (timers, the worker) and the operator at a shell.
ENGINE = Actor(None, "engine", ("admin",), None)


def operator(name: str) -> Actor:
    """Whoever runs a `casepath` command on the server: they hold the database already."""
    return Actor(None, name, ("admin",), None)


def has_role(actor: Actor, role: str) -> bool:
    return role in (actor.roles or ())


# ---------------------------------------------------------------------- accounting of access
# Why a person is reading a record (the page or API route), set by the caller for the
# duration of a request; every read of a client's record is audited with it (HIPAA
# §164.528 accounting of disclosures; NASW Std 10: records secure and access recorded).
_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("casepath_access_reason", default=None)


@contextlib.contextmanager
def reading_for(reason: str):
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def set_access_reason(reason: str | None):
    """For callers that cannot wrap a block (a web request's before/teardown hooks)."""
    return _reason.set(reason)


def access_reason() -> str | None:
    return _reason.get()


def account_read(uow, actor: Actor, case_id: int, what: str) -> None:
    """Audit a person's read of a client's record: who, what, when, and why."""
    if actor.id is None:
        return  # the engine's own reads (timers, the command line) read no one's record for a person
    why = access_reason()
    uow.audit(case_id, actor.username, "record_read", f"{actor.username} read the {what}" +
              (f" ({why})" if why else ""), data={"what": what, "why": why})


# ---------------------------------------------------------------------- named rules
def is_admin(actor: Actor) -> bool:
    return has_role(actor, "admin")


def supervises(actor: Actor) -> bool:
    """Supervisors and administrators: reassign, read the audit, watch caseloads, correct others' entries."""
    return has_role(actor, "supervisor") or is_admin(actor)


def may_open_cases(actor: Actor) -> bool:
    return any(has_role(actor, role) for role in ("intake", "case_manager", "supervisor", "admin"))


def may_design(actor: Actor) -> bool:
    """Only administrators design, deploy and migrate process models."""
    return is_admin(actor)


def may_read_audit(actor: Actor) -> bool:
    return supervises(actor)


def may_export_record(actor: Actor, case: Case) -> bool:
    """A complete record holds everything, sensitive findings too, so only those with need to
    know (the case's own case manager, its team's supervisors, administrators) export it
    (NASW Std 10: records released only with consent, by those responsible for them)."""
    return may_see_sensitive(actor, case) and (
        is_admin(actor) or has_role(actor, "supervisor") or has_role(actor, "case_manager"))


def may_see_reports(actor: Actor) -> bool:
    return supervises(actor)


def may_request_disposal(actor: Actor) -> bool:
    """Asking for a record's disposal is the case manager's (or an administrator's) step; a
    supervisor, someone else, approves it (NASW Std 10; two people for what cannot be undone)."""
    return has_role(actor, "case_manager") or is_admin(actor)


def may_approve_disposal(actor: Actor) -> bool:
    """Only a supervisor approves a disposal (and never one they asked for: RetentionService)."""
    return has_role(actor, "supervisor")


def may_dispose(actor: Actor) -> bool:
    """Approving the disposal of a record (and placing or lifting a legal hold) is a supervisor's
    decision (NASW Std 10: records kept and disposed of by policy)."""
    return supervises(actor)


def may_see_dashboard(actor: Actor) -> bool:
    return supervises(actor)


def may_assign(actor: Actor) -> bool:
    return supervises(actor)


def may_release_for_others(actor: Actor) -> bool:
    """Release a task someone else holds back to the pool."""
    return supervises(actor)


def may_correct(actor: Actor, author: str) -> bool:
    return author == actor.username or supervises(actor)


def may_write_entry(actor: Actor, roles: tuple[str, ...]) -> bool:
    return is_admin(actor) or any(has_role(actor, role) for role in roles)


def may_give_work_across_teams(actor: Actor) -> bool:
    return is_admin(actor)


def can_work_lane(actor: Actor, lane: str | None) -> bool:
    """Only someone holding the lane's role may claim or complete its tasks (admin may do all)."""
    return is_admin(actor) or (lane is not None and has_role(actor, lane))


def lanes_of(actor: Actor) -> list[str]:
    """The lanes whose unassigned tasks are offered to the actor (every lane, for an admin)."""
    return [role for role in actor.roles if role != "admin"]


def becomes_owner(actor: Actor, lane: str | None) -> str | None:
    """Which of the case's owners ('case_manager', 'supervisor') the actor becomes by taking
    on a task of this lane, when the case has none yet."""
    if lane in ("case_manager", "supervisor") and has_role(actor, lane):
        return lane
    return None


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


# ---------------------------------------------------------------------- what one may see
def case_filter(actor: Actor):
    """SQL clause for the cases the actor may see (None: all)."""
    if is_admin(actor):
        return None
    clauses = []
    if has_role(actor, "supervisor"):
        clauses.append(Case.team == actor.team)
    if has_role(actor, "case_manager"):
        clauses.append(and_(Case.team == actor.team,
                            or_(Case.case_manager_id == actor.id, Case.case_manager_id.is_(None))))
        clauses.append(Case.case_manager_id == actor.id)
    if has_role(actor, "intake"):
        clauses.append(and_(Case.team == actor.team, Case.stage == "screening"))
    if not clauses:
        return false()
    return or_(*clauses)


def can_see_case(actor: Actor, case: Case) -> bool:
    if is_admin(actor):
        return True
    if has_role(actor, "supervisor") and case.team == actor.team:
        return True
    if has_role(actor, "case_manager") and (
            case.case_manager_id == actor.id or (case.team == actor.team and case.case_manager_id is None)):
        return True
    if has_role(actor, "intake") and case.team == actor.team and case.stage == "screening":
        return True
    return False


def can_see_task(actor: Actor, task: HumanTask) -> bool:
    """A task is visible with its case, and to whoever holds it while it is open (a delegate,
    someone assigned across teams); a former holder sees it only while the case is in their view."""
    return (task.state == "open" and task.assignee_id == actor.id) or can_see_case(actor, task.case)


def may_see_sensitive(actor: Actor, case: Case) -> bool:
    """Substance use, behavioral health and abuse findings (42 CFR Part 2; NASW Std 10: need
    to know) are for the case's own case manager, its team's supervisors and administrators,
    not for everyone who may open the case (intake, a delegate, the team's other workers)."""
    return is_admin(actor) or case.case_manager_id == actor.id or (
        has_role(actor, "supervisor") and case.team == actor.team)


def visible_case(uow, actor: Actor, case_id: int) -> Case:
    """The case, if the actor may see it; otherwise (or if there is none) not found."""
    case = uow.session.get(Case, case_id)
    # A disposed record is a tombstone (engine/services/retention.py): nothing of it can be opened.
    if case is None or case.status == "disposed" or not can_see_case(actor, case):
        raise NotFound(f"case {case_id} not found")
    return case


def task_filter(actor: Actor):
    """SQL clause for the open tasks the actor may see: their own, and those of their lanes in
    cases they may see (a supervisor: the team's whole workload). None: all."""
    if is_admin(actor):
        return None
    own = HumanTask.assignee_id == actor.id
    visible_case = case_filter(actor)
    if has_role(actor, "supervisor"):
        return or_(own, visible_case)
    lanes = lanes_of(actor)
    in_lane = and_(HumanTask.lane.in_(lanes), visible_case) if lanes else false()
    return or_(own, in_lane)
