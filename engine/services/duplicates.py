"""Possible duplicate clients: a referral for someone who already has an open case.

A second case for one person splits their record and their workers; intake is told
before a new case opens and confirms it (a different person of the same name, or a
second program on purpose). A match is the same last name and birth date, and a first
name that is equal or close (same first letter, or at most two letters different:
"Ruth"/"Ruthie", "Jon"/"John"), ignoring case. Without a birth date there is no match:
a name alone is too common to stop anyone.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import policy
from ..errors import Conflict
from ..policy import Actor
from ..store.models import Case, Client, User
from ..views.rows import iso


class PossibleDuplicate(Conflict):
    """409 possible_duplicate: details name each matching open case (or whom to ask)."""
    code = "possible_duplicate"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short; the plain table is fast enough)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def first_names_close(a: str, b: str) -> bool:
    a, b = a.strip().casefold(), b.strip().casefold()
    return bool(a and b) and (a[0] == b[0] or edit_distance(a, b) <= 2)


def _whom_to_ask(session: Session, case: Case) -> str:
    """Who can tell intake about a case intake may not see: its case manager, its supervisor,
    or a supervisor of its team."""
    for person in (case.case_manager, case.supervisor):
        if person is not None:
            return person.display_name or person.username
    for user in session.scalars(select(User).where(User.team == case.team, User.active.is_(True))
                                .order_by(User.username)):
        if "supervisor" in (user.roles or []):
            return user.display_name or user.username
    return "a supervisor" + (f" of team {case.team}" if case.team else "")


def open_cases_like(session: Session, first_name: str, last_name: str, birth_date: date | None) -> list[Case]:
    """Open cases (not closed) of clients who may be this person, oldest first."""
    if birth_date is None or not last_name.strip():
        return []
    candidates = session.scalars(
        select(Case).join(Client, Client.id == Case.client_id)
        .where(Client.birth_date == birth_date, func.lower(Client.last_name) == last_name.strip().lower(),
               Case.closed_at.is_(None))
        .order_by(Case.id).limit(20))
    return [case for case in candidates if first_names_close(case.client.first_name, first_name)]


def describe(session: Session, actor: Actor, case: Case) -> dict:
    """One match as intake may learn of it: the case itself if they may see it; otherwise
    only that it exists and whom to ask (its number and details stay with those who may)."""
    if policy.can_see_case(actor, case):
        client = case.client
        return {"case_id": case.id, "first_name": client.first_name, "last_name": client.last_name,
                "birth_date": iso(client.birth_date), "stage": case.stage, "team": case.team,
                "message": f"case {case.id} ({case.stage}) may be the same client"}
    ask = _whom_to_ask(session, case)
    return {"case_id": None, "team": case.team, "ask": ask,
            "message": f"an open case you cannot see may be the same client; ask {ask}"}


def refuse_if_duplicate(session: Session, actor: Actor, client: Client) -> None:
    matches = open_cases_like(session, client.first_name, client.last_name, client.birth_date)
    if matches:
        raise PossibleDuplicate(
            f"{client.first_name} {client.last_name} may already have an open case; "
            f"send confirm_new_client: true to open a new case anyway",
            [{"field": "client", **describe(session, actor, case)} for case in matches])
