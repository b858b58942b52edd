"""Read models for people: the case page, the client's copy of the plan, the supervisor dashboard.

Each is one read transaction that gathers what a page needs, so the web layer renders
and never queries the database or SpiffWorkflow itself.
"""
from __future__ import annotations

import os
from datetime import timedelta

from lxml import etree
from sqlalchemy import and_, func, select

from . import access
from .access import Actor
from .errors import Forbidden, NotFound
from .models import Case, Client, HumanTask, ProcessFile, Timer, User
from .vocabulary import STAGES

# NASW Std 11: caseload size alone does not measure workload; cases in acute, high-risk
# situations need more contact. The default weights follow the acuity DMN's contact
# frequencies (weekly ≈ 3x monthly); an agency sets its own in CASEPATH_ACUITY_WEIGHTS.
DEFAULT_ACUITY_WEIGHTS = {"high": 3.0, "medium": 2.0, "low": 1.0, None: 1.0}
REASSESSMENT_TIMERS = ("reassessment_due",)
REASSESSMENT_TASKS = ("reassess",)
PLAN_FORMS = ("service_plan",)
APPROVAL_PREFIXES = ("approve_", "second_approve_")
DASHBOARD_ROWS = 50  # each list shows the most urgent; the headline figures count them all
# The stages a case walks through, in order, for the progress bar.
PROGRESS = [s for s in STAGES if s not in ("closed", "ineligible")]


def acuity_weights() -> dict:
    weights = dict(DEFAULT_ACUITY_WEIGHTS)
    for part in os.environ.get("CASEPATH_ACUITY_WEIGHTS", "").split(","):
        name, _, value = part.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            continue
    return weights


def stage_progress(stage: str) -> list[dict]:
    """Each stage as done, current or to come (a closed or ineligible case shows where it ended)."""
    if stage == "ineligible":
        return [{"stage": "screening", "state": "done"}, {"stage": "ineligible", "state": "current"}]
    position = PROGRESS.index(stage) if stage in PROGRESS else len(PROGRESS)
    steps = [{"stage": s, "state": "done" if i < position else "current" if i == position else "todo"}
             for i, s in enumerate(PROGRESS)]
    if stage == "closed":
        steps.append({"stage": "closed", "state": "current"})
    return steps


def _defines_process(content: str, model_id: str) -> bool:
    return f'id="{model_id}"' in content and "bpmn" in content[:2000].lower()


class CaseViewsMixin:
    """CaseEngine's read models for pages (mixed in)."""

    def case_page(self, actor: Actor, case_id: int) -> dict:
        with self.transaction() as session:
            case = self._visible_case(session, actor, case_id)
            view = self._case_view(session, case, self._load(session, case))
            entries = self._record_entries(session, case_id)
            view["timeline"] = list(reversed(entries))
            view["progress"] = stage_progress(case.stage)
            view["plan"] = _current_plan(entries)
            view["referrals"] = _referrals(entries)
            view["can_read_audit"] = access.has_role(actor, "supervisor") or access.has_role(actor, "admin")
            parents = self._element_parents(session, case)
            view["diagram_parents_active"] = {element: parents.get(element, [])
                                              for element in view["process"]["active_elements"]}
            return view

    def _element_parents(self, session, case: Case) -> dict:
        """For each active element, the subprocesses around it (to highlight the stage too)."""
        cache = self.__dict__.setdefault("_parents_by_version", {})
        if case.process_version_id in cache:  # versions are immutable
            return cache[case.process_version_id]
        content = self._diagram_source(session, case)
        if content is None:
            return {}
        root = etree.fromstring(content.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
        parents = {}
        for element in root.iter():
            element_id = element.get("id")
            if element_id is None:
                continue
            chain, up = [], element.getparent()
            while up is not None:
                if etree.QName(up).localname in ("subProcess", "transaction", "adHocSubProcess"):
                    chain.append(up.get("id"))
                up = up.getparent()
            parents[element_id] = chain
        cache[case.process_version_id] = parents
        return parents

    def _diagram_source(self, session, case: Case) -> str | None:
        version = case.process_version
        for row in session.scalars(select(ProcessFile).where(ProcessFile.version_id == version.id)):
            if row.filename.endswith(".bpmn") and _defines_process(row.content, version.model_id):
                return row.content
        return None

    def case_diagram(self, actor: Actor, case_id: int) -> str:
        """The BPMN XML of the version the case runs on (for the diagram viewer)."""
        with self.transaction() as session:
            case = self._visible_case(session, actor, case_id)
            content = self._diagram_source(session, case)
            if content is None:
                raise NotFound(f"case {case_id}'s process has no BPMN diagram on file")
            return content

    def client_plan(self, actor: Actor, case_id: int) -> dict:
        """What the client's copy of the service plan shows (Encyclopedia: the written contract)."""
        with self.transaction() as session:
            case = self._visible_case(session, actor, case_id)
            entries = self._record_entries(session, case_id, list(PLAN_FORMS) + ["approval"])
            plan = _current_plan(entries)
            if plan is None:
                raise NotFound(f"case {case_id} has no service plan yet")
            summary = self._case_summary(case)
            next_reassessment = session.scalar(select(func.min(Timer.due_at)).where(
                Timer.case_id == case_id, Timer.bpmn_id.in_(REASSESSMENT_TIMERS)))
            manager = case.case_manager
            return {"case": summary, "plan": plan, "next_reassessment": next_reassessment,
                    "case_manager": (manager.display_name or manager.username) if manager else None,
                    "printed_at": self.clock.now()}

    # ------------------------------------------------------------------ dashboard
    def dashboard(self, actor: Actor, team: str | None = None) -> dict:
        if not (access.has_role(actor, "supervisor") or access.has_role(actor, "admin")):
            raise Forbidden("the caseload dashboard is for supervisors and administrators")
        if not access.has_role(actor, "admin"):
            team = actor.team
        now = self.clock.now()
        weights = acuity_weights()
        with self.transaction() as session:
            open_case = and_(Case.status == "active", Case.stage.not_in(("follow_up", "closed", "ineligible")))
            team_clause = (Case.team == team) if team else True
            task_team = (HumanTask.team == team) if team else True  # the task's copy: one index finds them
            by_worker = session.execute(
                select(Case.case_manager_id, Case.acuity, func.count())
                .where(open_case, team_clause).group_by(Case.case_manager_id, Case.acuity)).all()
            overdue_by_worker = dict(session.execute(
                select(HumanTask.assignee_id, func.count()).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.state == "open", HumanTask.due_at < now, task_team)
                .group_by(HumanTask.assignee_id)).all())
            open_by_worker = dict(session.execute(
                select(HumanTask.assignee_id, func.count()).join(Case, Case.id == HumanTask.case_id)
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
            for user_id, row in workers.items():
                row["overdue_tasks"] = overdue_by_worker.get(user_id, 0)
                row["open_tasks"] = open_by_worker.get(user_id, 0)
            ordered = sorted(workers.values(), key=lambda r: (r["username"] is None, -r["weighted"], r["name"]))

            soon = session.execute(
                select(Timer, Case, Client).join(Case, Case.id == Timer.case_id).join(Client)
                .where(Timer.bpmn_id.in_(REASSESSMENT_TIMERS), Timer.due_at < now + timedelta(days=30), team_clause)
                .order_by(Timer.due_at).limit(DASHBOARD_ROWS)).all()
            reassessments = [{"case_id": c.id, "client": f"{cl.first_name} {cl.last_name}", "due_at": t.due_at,
                              "overdue": t.due_at < now,
                              "case_manager": c.case_manager.username if c.case_manager else None}
                             for t, c, cl in soon]
            # A reassessment whose timer already fired is an open task: still a reassessment due.
            opened = session.execute(
                select(HumanTask, Case, Client).join(Case, Case.id == HumanTask.case_id).join(Client)
                .where(HumanTask.state == "open", HumanTask.bpmn_id.in_(REASSESSMENT_TASKS), team_clause)
                .order_by(HumanTask.due_at).limit(DASHBOARD_ROWS)).all()
            reassessments = [{"case_id": c.id, "client": f"{cl.first_name} {cl.last_name}", "due_at": t.due_at,
                              "overdue": t.due_at is not None and t.due_at < now, "task_id": t.id,
                              "case_manager": c.case_manager.username if c.case_manager else None}
                             for t, c, cl in opened] + reassessments
            approval_clause = HumanTask.bpmn_id.like("approve_%") | HumanTask.bpmn_id.like("second_approve_%")
            waiting = list(session.scalars(
                select(HumanTask.id).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.state == "open", approval_clause, team_clause)
                .order_by(HumanTask.due_at.asc().nulls_last()).limit(DASHBOARD_ROWS)))
            overdue = list(session.scalars(
                select(HumanTask.id).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.state == "open", HumanTask.due_at < now, team_clause)
                .order_by(HumanTask.due_at).limit(DASHBOARD_ROWS)))
            awaiting_total = session.scalar(
                select(func.count()).select_from(HumanTask).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.state == "open", approval_clause, team_clause))
            reassessments_total = session.scalar(
                select(func.count()).select_from(Timer).join(Case, Case.id == Timer.case_id)
                .where(Timer.bpmn_id.in_(REASSESSMENT_TIMERS), Timer.due_at < now + timedelta(days=30), team_clause)
            ) + session.scalar(
                select(func.count()).select_from(HumanTask).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.state == "open", HumanTask.bpmn_id.in_(REASSESSMENT_TASKS), team_clause))
            overdue_total = session.scalar(
                select(func.count()).select_from(HumanTask).join(Case, Case.id == HumanTask.case_id)
                .where(HumanTask.state == "open", HumanTask.due_at < now, team_clause))
            return {
                "team": team, "weights": {k or "unscored": v for k, v in weights.items()},
                "workers": ordered,
                "reassessments_due": reassessments,
                "awaiting_approval": self._task_rows(session, actor, waiting, now),
                "overdue_tasks": self._task_rows(session, actor, overdue, now),
                "overdue_total": overdue_total, "awaiting_total": awaiting_total,
                "reassessments_total": reassessments_total,
                "open_cases": sum(r["cases"] for r in ordered),
            }


def _worker(user: User) -> dict:
    return {"username": user.username, "name": user.display_name or user.username, "cases": 0,
            "weighted": 0.0, "by_acuity": {"high": 0, "medium": 0, "low": 0, "unscored": 0}}


def _current_plan(entries: list[dict]) -> dict | None:
    """The latest signed service plan (a correction replaces what it corrects), with the
    supervisor's latest decision on it."""
    plans = [e for e in entries if e["kind"] in PLAN_FORMS and not e.get("corrected_by")]
    if not plans:
        return None
    plan = plans[-1]
    decisions = [e for e in entries if e["kind"] == "approval" and e["recorded_at"] >= plan["recorded_at"]
                 and (e.get("bpmn_id") or "").startswith(APPROVAL_PREFIXES)]
    decision = decisions[-1] if decisions else None
    status = "awaiting approval"
    if decision:
        status = "approved" if decision["data"].get("decision") == "approve" else "returned for revision"
    return {**plan, "status": status, "decision": decision}


def _referrals(entries: list[dict]) -> list[dict]:
    found = []
    for entry in entries:
        data = entry.get("data") or {}
        for referral in data.get("referrals") or []:
            if isinstance(referral, dict):
                found.append({**referral, "made_on": entry["recorded_at"], "by": entry["author"]})
        if entry["kind"] == "referral_elsewhere" and data.get("referred_to"):
            found.append({"provider": data["referred_to"], "service": "referral elsewhere (not eligible)",
                          "rationale": data.get("notes", ""), "made_on": entry["recorded_at"], "by": entry["author"]})
    return list(reversed(found))
