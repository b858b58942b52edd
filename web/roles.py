"""Who may do what, as the pages ask it: each answer comes from engine.policy, where every
rule is defined once, so the pages, the templates and the API cannot drift from the engine."""
from __future__ import annotations

from engine import policy
from engine.policy import Actor


def is_admin(who: Actor | None) -> bool:
    """Administrators design processes (the designer's pages and menu)."""
    return bool(who and policy.may_design(who))


def is_supervisor(who: Actor | None) -> bool:
    """Supervisors, and administrators, oversee a team's work: the dashboard, reassigning."""
    return bool(who and policy.supervises(who))


def may_open_cases(who: Actor | None) -> bool:
    """Intake, case managers and supervisors record referrals (the New referral button)."""
    return bool(who and policy.may_open_cases(who))


def may_work_lane(who: Actor, lane: str | None) -> bool:
    """Whether this person may work (claim, fill in, complete) a task of this lane."""
    return policy.can_work_lane(who, lane)


def may_take_lane(person: dict, lane: str | None) -> bool:
    """Whether a colleague (a row of the engine's team_members) may be given a task of this lane."""
    return may_work_lane(Actor(None, person["username"], tuple(person["roles"]), person.get("team")), lane)
