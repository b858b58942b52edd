"""The supervisor's dashboard: caseloads weighted by acuity, overdue work, reassessments
due, approvals waiting (NASW Std 11: caseload size alone does not measure workload) and
contact notes signed late (NASW Std 10: dates and times of contact)."""
from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from .. import policy
from ..clock import Clock
from ..definitions import timeliness
from ..policy import Actor
from ..store.models import Case, Client, HumanTask, Timer, User
from ..store.unit_of_work import Store
from ..vocabulary import CLOSED_STAGES, OVERSIGHT_STAGES
from .late_notes import count_by_author, late_notes
from .task_rows import task_rows

# Cases in acute, high-risk situations need more contact. The default weights follow the
# acuity DMN's contact frequencies (weekly ≈ 3x monthly); an agency sets its own in
# CASEPATH_ACUITY_WEIGHTS.
DEFAULT_ACUITY_WEIGHTS = {"high": 3.0, "medium": 2.0, "low": 1.0, None: 1.0}
DASHBOARD_ROWS = 50  # each list shows the most urgent; the headline figures count them all
LATE_NOTES_WINDOW = timedelta(days=30)  # late notes first signed in the last 30 days


def acuity_weights() -> dict:
    weights = dict(DEFAULT_ACUITY_WEIGHTS)
    for part in os.environ.get("CASEPATH_ACUITY_WEIGHTS", "").split(","):
        name, _, value = part.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            continue
    return weights


class Dashboard:
    def __init__(self, store: Store, clock: Clock, caseload_limit: float | None = None, forms=None,
                 note_deadline_days: int = timeliness.DEFAULT_NOTE_DEADLINE_DAYS):
        self.store = store
        self.clock = clock
        self.caseload_limit = caseload_limit
        self.forms = forms
        self.note_deadline_days = note_deadline_days

    def dashboard(self, actor: Actor, team: str | None = None) -> dict:
        policy.require(policy.may_see_dashboard(actor), "the caseload dashboard is for supervisors and administrators")
        if not policy.may_give_work_across_teams(actor):
            team = actor.team
        now = self.clock.now()
        weights = acuity_weights()
        with self.store.reading() as uow:
            session = uow.session
            # A quality review or a supervision session (OVERSIGHT_STAGES) is no one's caseload.
            open_case = and_(Case.status == "active", Case.stage.not_in(CLOSED_STAGES + OVERSIGHT_STAGES))
            team_clause = (Case.team == team) if team else True
            # A timer's copy of its case's team (set with the timer): a team's reassessments due soon
            # are read from the (purpose, team, due_at) index, not found by joining every team's.
            timer_team = (Timer.team == team) if team else True
            # The task's copy of its case's team (set when the task opens; a case keeps its team): one
            # index finds a team's open tasks, none of them joined to its case to be counted.
            task_team = (HumanTask.team == team) if team else True
            by_worker = session.execute(
                select(Case.case_manager_id, Case.acuity, func.count())
                .where(open_case, team_clause).group_by(Case.case_manager_id, Case.acuity)).all()
            overdue_by_worker = dict(session.execute(
                select(HumanTask.assignee_id, func.count())
                .where(HumanTask.state == "open", HumanTask.due_at < now, task_team)
                .group_by(HumanTask.assignee_id)).all())
            open_by_worker = dict(session.execute(
                select(HumanTask.assignee_id, func.count())
                .where(HumanTask.state == "open", task_team).group_by(HumanTask.assignee_id)).all())
            people_query = select(User).where(User.active.is_(True))
            if team:
                people_query = people_query.where(User.team == team)
            people = {u.id: u for u in session.scalars(people_query)}
            workers: dict = {}
            for user in people.values():
                if "case_manager" in (user.roles or []):
                    workers[user.id] = _worker(user)
            for manager_id, acuity, count in by_worker:
                if manager_id is None:
                    row = workers.setdefault(None, {"username": None, "name": "Not yet assigned",
                                                    "cases": 0, "weighted": 0.0,
                                                    "by_acuity": {"high": 0, "medium": 0, "low": 0, "unscored": 0}})
                else:
                    user = people.get(manager_id) or session.get(User, manager_id)
                    row = workers.setdefault(manager_id, _worker(user))
                row["cases"] += count
                row["by_acuity"][acuity if acuity in ("high", "medium", "low") else "unscored"] += count
                row["weighted"] += count * weights.get(acuity, weights[None])
            late = late_notes(session, timeliness.timed_kinds(self.forms) if self.forms is not None else [],
                              self.note_deadline_days, team, now - LATE_NOTES_WINDOW)
            late_by_author = count_by_author(late)
            for user_id, row in workers.items():
                # NASW Std 10: notes signed past the deadline, by the person who signed them
                row["late_notes"] = late_by_author.get(row["username"], 0)
                row["overdue_tasks"] = overdue_by_worker.get(user_id, 0)
                row["open_tasks"] = open_by_worker.get(user_id, 0)
                # NASW Std 11: the supervisor sees who is past the agency's limit
                row["over_limit"] = (self.caseload_limit is not None and row["username"] is not None
                                     and row["weighted"] > self.caseload_limit)
            ordered = sorted(workers.values(), key=lambda r: (r["username"] is None, -r["weighted"], r["name"]))

            # Plain columns (as task_rows): the rows' cases as objects would each bring their eagerly
            # joined client and people along.
            manager = aliased(User)
            shown = (Case.id, Client.first_name, Client.last_name, manager.username)
            soon = session.execute(
                select(Timer.due_at, *shown).join(Case, Case.id == Timer.case_id).join(Client, Client.id == Case.client_id)
                .outerjoin(manager, manager.id == Case.case_manager_id)
                .where(Timer.purpose == "reassessment", Timer.due_at < now + timedelta(days=30), timer_team)
                .order_by(Timer.due_at).limit(DASHBOARD_ROWS)).all()
            reassessments = [{"case_id": case_id, "client": f"{first} {last}", "due_at": due_at,
                              "overdue": due_at < now, "case_manager": manager_name}
                             for due_at, case_id, first, last, manager_name in soon]
            # A reassessment whose timer already fired is an open task: still a reassessment due.
            opened = session.execute(
                select(HumanTask.id, HumanTask.due_at, *shown).join(Case, Case.id == HumanTask.case_id)
                .join(Client, Client.id == Case.client_id).outerjoin(manager, manager.id == Case.case_manager_id)
                .where(HumanTask.state == "open", HumanTask.purpose == "reassessment", team_clause)
                .order_by(HumanTask.due_at).limit(DASHBOARD_ROWS)).all()
            reassessments = [{"case_id": case_id, "client": f"{first} {last}", "due_at": due_at,
                              "overdue": due_at is not None and due_at < now, "task_id": task_id,
                              "case_manager": manager_name}
                             for task_id, due_at, case_id, first, last, manager_name in opened] + reassessments
            approval_clause = HumanTask.purpose == "approval"  # the same meaning as the inbox's Approvals tab
            waiting = list(session.scalars(
                select(HumanTask.id).where(HumanTask.state == "open", approval_clause, task_team)
                .order_by(HumanTask.due_at.asc().nulls_last()).limit(DASHBOARD_ROWS)))
            overdue = list(session.scalars(
                select(HumanTask.id).where(HumanTask.state == "open", HumanTask.due_at < now, task_team)
                .order_by(HumanTask.due_at).limit(DASHBOARD_ROWS)))
            awaiting_total = session.scalar(
                select(func.count()).select_from(HumanTask)
                .where(HumanTask.state == "open", approval_clause, task_team))
            reassessments_total = session.scalar(
                select(func.count()).select_from(Timer)
                .where(Timer.purpose == "reassessment", Timer.due_at < now + timedelta(days=30), timer_team)
            ) + session.scalar(
                select(func.count()).select_from(HumanTask)
                .where(HumanTask.state == "open", HumanTask.purpose == "reassessment", task_team))
            overdue_total = session.scalar(
                select(func.count()).select_from(HumanTask)
                .where(HumanTask.state == "open", HumanTask.due_at < now, task_team))
            # both lists' rows in one statement (a task can be in both)
            rows = {row["id"]: row for row in task_rows(session, actor, list(dict.fromkeys(waiting + overdue)), now)}
            return {
                "team": team, "weights": {k or "unscored": v for k, v in weights.items()},
                "caseload_limit": self.caseload_limit,
                "workers": ordered,
                "reassessments_due": reassessments,
                "awaiting_approval": [rows[i] for i in waiting if i in rows],
                "overdue_tasks": [rows[i] for i in overdue if i in rows],
                "overdue_total": overdue_total, "awaiting_total": awaiting_total,
                "reassessments_total": reassessments_total,
                "late_notes_total": len(late), "note_deadline_days": self.note_deadline_days,
                "late_notes_window_days": LATE_NOTES_WINDOW.days,
                "open_cases": sum(r["cases"] for r in ordered),
            }




def _worker(user: User) -> dict:
    return {"username": user.username, "name": user.display_name or user.username, "cases": 0,
            "weighted": 0.0, "by_acuity": {"high": 0, "medium": 0, "low": 0, "unscored": 0}}
