"""Who may see and do what.

admin: everything. supervisor: every case of their team. case_manager: their
own caseload and unassigned cases of their team. intake: their team's cases
still in screening. A case or task the caller may not see is reported as not
found, so its existence does not leak.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, or_

from .models import Case, HumanTask, User


@dataclass(frozen=True)
class Actor:
    """The person (or the engine itself) a call is made for."""

    id: int | None
    username: str
    roles: tuple[str, ...]
    team: str | None

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user.id, user.username, tuple(user.roles or ()), user.team)


ENGINE = Actor(None, "engine", ("admin",), None)


def has_role(user: Actor, role: str) -> bool:
    return role in (user.roles or [])


def case_filter(user: Actor):
    if has_role(user, "admin"):
        return None
    clauses = []
    if has_role(user, "supervisor"):
        clauses.append(Case.team == user.team)
    if has_role(user, "case_manager"):
        clauses.append(and_(Case.team == user.team,
                            or_(Case.case_manager_id == user.id, Case.case_manager_id.is_(None))))
        clauses.append(Case.case_manager_id == user.id)
    if has_role(user, "intake"):
        clauses.append(and_(Case.team == user.team, Case.stage == "screening"))
    if not clauses:
        return false()
    return or_(*clauses)


def can_see_case(user: Actor, case: Case) -> bool:
    if has_role(user, "admin"):
        return True
    if has_role(user, "supervisor") and case.team == user.team:
        return True
    if has_role(user, "case_manager") and (
            case.case_manager_id == user.id or (case.team == user.team and case.case_manager_id is None)):
        return True
    if has_role(user, "intake") and case.team == user.team and case.stage == "screening":
        return True
    return False


def task_filter(user: Actor):
    """Open tasks the user may see: their own, and those of their lanes in cases they may see."""
    own = HumanTask.assignee_id == user.id
    visible_case = case_filter(user)
    lanes = [r for r in user.roles or [] if r != "admin"]
    if has_role(user, "admin"):
        return None
    in_lane = and_(HumanTask.lane.in_(lanes), visible_case) if lanes else false()
    if has_role(user, "supervisor"):
        # Supervisors see their team's whole workload, to reassign and watch caseloads.
        return or_(own, visible_case)
    return or_(own, in_lane)


def can_work_lane(user: Actor, lane: str | None) -> bool:
    """Only someone holding the lane's role may complete its tasks (admin may do all)."""
    return has_role(user, "admin") or (lane is not None and has_role(user, lane))
