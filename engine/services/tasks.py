"""Working a task: read it with its form, claim, release, assign, delegate and take back,
put off with a follow-up date, save a draft, and complete it.

A completion is one step of its case: the answers are checked against the form and
the rules of practice, the case is locked, its workflow loaded once and stepped, and
the signed answers, the audit and the case's new tasks and timers are written
together (engine/store/unit_of_work.py).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from .. import policy
from ..clock import Clock
from ..definitions import record_rules, timeliness
from ..definitions.forms import FormCatalog
from ..definitions.input_limits import check_length
from ..errors import BadRequest, Conflict, Forbidden, InvalidData, NotFound, StepFailed
from ..policy import Actor
from ..runtime.workflow import CaseWorkflow, StepEvent
from ..store.models import Case, FormDraft, HumanTask, TaskDelegation, TaskFollowUp, User
from ..store.unit_of_work import Store, UnitOfWork
from ..views.case_view import CaseViews
from ..views.rows import case_label, entry_views, task_view
from .caseload import CaseloadGuard
from .runner import CaseRunner


def field_changes(before: dict, after: dict) -> list[dict]:
    """The answers that differ between two rounds of a step, field by field (top level)."""
    changes = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            changes.append({"field": key, "before": before.get(key), "after": after.get(key)})
    return changes


def _prefill(data: dict, schema: dict) -> dict:
    """Values already in the case for the form's fields (a revision starts from the last answers)."""
    fields = (schema or {}).get("properties", {})
    return {key: data[key] for key in fields if key in data}


class TaskService:
    def __init__(self, store: Store, runner: CaseRunner, forms: FormCatalog, views: CaseViews, clock: Clock,
                 caseload: CaseloadGuard | None = None):
        self.caseload = caseload or CaseloadGuard()
        self.store = store
        self.runner = runner
        self.forms = forms
        self.views = views
        self.clock = clock

    # ------------------------------------------------------------------ reading
    def _visible_task(self, uow: UnitOfWork, actor: Actor, task_id: str) -> HumanTask:
        task = uow.session.get(HumanTask, task_id, populate_existing=True)
        if task is None or not policy.can_see_task(actor, task):
            raise NotFound(f"task {task_id} not found")
        return task

    def get_task(self, actor: Actor, task_id: str, with_answers: bool = True) -> dict:
        """The task, its form, the answers so far (the case's data for the form's fields, then
        the reader's draft), and the case around it: everything its page shows.

        `with_answers=False` skips loading the workflow, for a caller that only needs the form."""
        with self.store.transaction() as uow:
            task = self._visible_task(uow, actor, task_id)
            policy.account_read(uow, actor, task.case_id, "task")
            view = task_view(task)
            version_id = task.case.process_version_id
            forms = self.runner.forms(uow.session, version_id)  # the model's own forms first
            form = forms.get(task.form) if task.form in forms else None
            view["schema"] = form.schema if form else {}
            view["ui_schema"] = forms.ui_schema(task.form, self.runner.ui_schema_file(uow.session, version_id,
                                                                                      task.bpmn_id))
            view["missing_options"] = []
            view["instructions"] = self.runner.instructions(uow.session, version_id, task.bpmn_id)
            # A task without a form (a manual task) is confirmed with Done, nothing to fill in.
            view["action"] = "complete" if task.form else "done"
            data, draft = {}, None
            if task.state == "open" and (with_answers or (form and form.option_vars)):
                task_data = self.runner.load(uow, task.case).task_data(task.id)
                if form and form.option_vars:  # SpiffArena choices come from the case's data
                    view["schema"], view["missing_options"] = form.shown(task_data)
                if with_answers:
                    data = _prefill(task_data, form.schema if form else {})
                draft = uow.session.get(FormDraft, (task.id, actor.id)) if actor.id is not None else None
            view["draft_saved_at"] = draft.saved_at.isoformat() if draft else None
            view["data"] = {**data, **draft.data} if draft else data
            delegation = uow.session.get(TaskDelegation, task.id)
            view["delegated_by"] = delegation.owner.username if delegation else None
            view["can_work"] = policy.can_work_lane(actor, task.lane)
            view["case"] = self.views.case_context(uow, task.case)
            view.update(self._decision_context(uow, task))
            return view

    def _decision_context(self, uow: UnitOfWork, task: HumanTask) -> dict:
        """What a decision is about, and what a returned step was told.

        An approval shows the signed entry it decides on (the latest one made before it opened
        that is neither a decision nor the engine's own) and what changed since that step's
        previous round. A step sent back shows the decision that returned it, pinned above
        its form (so no validation error can hide it)."""
        entries = [e for e in entry_views(uow.record_entries(task.case_id)) if e["author"] != "engine"]
        purposes = self.runner.purposes(uow.session, task.case.process_version_id)
        decisions = {e["id"] for e in entries if purposes.get(e["bpmn_id"] or "") == "approval"}
        opened = task.created_at.isoformat() if task.created_at else None
        context: dict = {"evidence": None, "changes": [], "returned": None}
        if task.purpose == "approval":
            before = [e for e in entries if e["id"] not in decisions and e["bpmn_id"]
                      and (opened is None or e["recorded_at"] <= opened) and not e.get("corrected_by")]
            if before:
                subject = before[-1]
                rounds = [e for e in before if e["bpmn_id"] == subject["bpmn_id"]]
                context["evidence"] = subject
                if len(rounds) > 1:
                    context["changes"] = field_changes(rounds[-2]["data"] or {}, subject["data"] or {})
        else:
            mine = [e for e in entries if e["bpmn_id"] == task.bpmn_id]
            if mine:
                later = [e for e in entries if e["id"] in decisions and e["recorded_at"] >= mine[-1]["recorded_at"]]
                if later and (later[-1].get("data") or {}).get("decision") == "return":
                    decision = later[-1]
                    context["returned"] = {"by": decision["author"], "at": decision["recorded_at"],
                                           "comments": (decision.get("data") or {}).get("comments") or ""}
        return context

    def list_tasks(self, actor: Actor, scope: str = "all", limit: int = 200, offset: int = 0) -> list[dict]:
        if scope not in ("mine", "available", "all"):
            raise BadRequest("scope must be mine, available or all")
        with self.store.reading() as uow:
            query = select(HumanTask).join(Case, Case.id == HumanTask.case_id).where(HumanTask.state == "open")
            if scope == "mine":
                query = query.where(HumanTask.assignee_id == actor.id)
            else:
                visible = policy.task_filter(actor)
                if visible is not None:
                    query = query.where(visible)
                if scope == "available":
                    query = query.where(HumanTask.assignee_id.is_(None))
                    if not policy.is_admin(actor):
                        query = query.where(HumanTask.lane.in_(policy.lanes_of(actor)))
            query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
            return [task_view(t) for t in uow.session.scalars(query.limit(min(limit, 1000)).offset(offset))]

    def team_members(self, actor: Actor, lane: str | None = None) -> list[dict]:
        """People a supervisor may give work to: their team (everyone, for an admin)."""
        with self.store.reading() as uow:
            query = select(User).where(User.active.is_(True)).order_by(User.username)
            if not policy.may_give_work_across_teams(actor):
                query = query.where(User.team == actor.team)
            people = [u for u in uow.session.scalars(query)
                      if lane is None or policy.can_work_lane(policy.Actor.of(u), lane)]
            return [{"username": u.username, "display_name": u.display_name or u.username,
                     "roles": list(u.roles or []), "team": u.team} for u in people]

    # ------------------------------------------------------------------ who holds it
    def _open_task_for_change(self, uow: UnitOfWork, actor: Actor, task_id: str) -> HumanTask:
        task = self._visible_task(uow, actor, task_id)
        uow.lock_case(task.case_id)
        uow.session.refresh(task)
        if task.state != "open":
            raise Conflict(f"task '{task.name}' is no longer open (it was {task.state})")
        return task

    def _user_who_can_take(self, uow: UnitOfWork, actor: Actor, task: HumanTask, username: str) -> User:
        """The active user `username`, if they hold the task's lane and (unless an admin is
        asking) are on the case's team; otherwise a 422 saying which."""
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise InvalidData("no such user", [{"field": "username", "message": f"no user '{username}'"}])
        if not policy.can_work_lane(Actor.of(user), task.lane):
            raise InvalidData(f"{username} cannot work '{task.name}'; nothing was moved",
                              [{"field": "username", "message": f"{username} does not hold the role "
                                                                f"'{task.lane}' it needs"}])
        if not policy.may_give_work_across_teams(actor) and user.team != task.case.team:
            raise InvalidData(f"{username} is not on the team of '{task.name}'; nothing was moved",
                              [{"field": "username", "message": f"{username} is not on team {task.case.team}"}])
        return user

    def _adopt_case(self, uow: UnitOfWork, case: Case, actor: Actor, lane: str | None,
                    override: dict | None = None) -> None:
        """The first case manager (or supervisor) to take on a case's work becomes its owner.

        Past the caseload limit (NASW Std 11) the case is still taken, since the work is
        under way, but the audit says so: with the supervisor's reason when they assigned it."""
        owner = policy.becomes_owner(actor, lane)
        if owner == "case_manager" and case.case_manager_id is None:
            if override is not None:
                uow.audit(case.id, "engine", "caseload_override",
                          f"{actor.username} takes the case past the caseload limit ({override['caseload']:g} of "
                          f"{override['limit']:g}): {override['reason']}", data=override)
            elif self.caseload.limit is not None:
                load = self.caseload.after_taking(uow.session, actor.id, case)
                if load > self.caseload.limit:
                    uow.audit(case.id, "engine", "caseload_over_limit",
                              f"{actor.username} takes the case past the caseload limit ({load:g} of "
                              f"{self.caseload.limit:g})",
                              data={"username": actor.username, "caseload": load, "limit": self.caseload.limit})
            case.case_manager_id = actor.id
        if owner == "supervisor" and case.supervisor_id is None:
            case.supervisor_id = actor.id

    def _caseload_override(self, uow: UnitOfWork, task: HumanTask, user: User, reason: str | None) -> dict | None:
        """Checked before a supervisor's move: refused past the limit unless a reason is given."""
        if task.case.case_manager_id is not None or policy.becomes_owner(Actor.of(user), task.lane) != "case_manager":
            return None  # the case already has its case manager: nobody's caseload grows
        return self.caseload.check(uow.session, user.username, user.id, task.case, reason)

    def _changed(self, uow: UnitOfWork, task: HumanTask) -> dict:
        uow.session.flush()
        uow.session.refresh(task)
        return task_view(task)

    def claim(self, actor: Actor, task_id: str) -> dict:
        with self.store.transaction() as uow:
            task = self._open_task_for_change(uow, actor, task_id)
            if not policy.can_work_lane(actor, task.lane):
                raise Forbidden(f"task '{task.name}' is in the {task.lane} lane; your role cannot claim it")
            if task.assignee_id not in (None, actor.id):
                raise Conflict(f"task '{task.name}' is already claimed by {task.assignee.username}")
            task.assignee_id = actor.id
            self._adopt_case(uow, task.case, actor, task.lane)
            uow.audit(task.case_id, actor.username, "task_claimed", f"claimed '{task.name}'", task.bpmn_id,
                      {"task_id": task.id})
            return self._changed(uow, task)

    def unclaim(self, actor: Actor, task_id: str) -> dict:
        with self.store.transaction() as uow:
            task = self._open_task_for_change(uow, actor, task_id)
            if task.assignee_id != actor.id and not policy.may_release_for_others(actor):
                raise Forbidden(f"task '{task.name}' is not yours to release")
            task.assignee_id = None
            uow.audit(task.case_id, actor.username, "task_unclaimed", f"released '{task.name}'", task.bpmn_id,
                      {"task_id": task.id})
            return self._changed(uow, task)

    def assign(self, actor: Actor, task_id: str, username: str, reason: str | None = None) -> dict:
        """Give a task to someone who can work it; past their caseload limit only with a reason."""
        policy.require(policy.may_assign(actor), "only supervisors and administrators may assign tasks")
        if reason is not None and (not isinstance(reason, str) or check_length(reason, "reason", 500)):
            raise InvalidData("the reason must be text of at most 500 characters",
                              [{"field": "reason", "message": "at most 500 characters of text"}])
        with self.store.transaction() as uow:
            task = self._open_task_for_change(uow, actor, task_id)
            assignee = self._user_who_can_take(uow, actor, task, username)
            override = self._caseload_override(uow, task, assignee, reason)
            previous = task.assignee.username if task.assignee else None
            task.assignee_id = assignee.id
            delegation = uow.session.get(TaskDelegation, task.id)
            if delegation is not None:  # a supervisor's reassignment ends any delegation
                uow.session.delete(delegation)
            self._adopt_case(uow, task.case, Actor.of(assignee), task.lane, override)
            uow.audit(task.case_id, actor.username, "task_assigned", f"assigned '{task.name}' to {username}",
                      task.bpmn_id, {"task_id": task.id, "from": previous, "to": username})
            return self._changed(uow, task)

    def assign_many(self, actor: Actor, task_ids: list[str], username: str, reason: str | None = None) -> dict:
        """Reassign several tasks; each is its own change, and each refusal says why."""
        if not task_ids:
            raise InvalidData("choose at least one task", [{"field": "task_ids", "message": "none chosen"}])
        assigned, refused = [], []
        for task_id in task_ids:
            try:
                assigned.append(self.assign(actor, task_id, username, reason))
            except (InvalidData, Conflict, NotFound, Forbidden) as refusal:
                detail = "; ".join(d.get("message", "") for d in refusal.details) if refusal.details else ""
                name = self._name_for(actor, task_id)
                refused.append({"task_id": task_id, "task": name,
                                "reason": f"{name}: {refusal.message}" + (f" ({detail})" if detail else "")})
        return {"assigned": assigned, "refused": refused}

    def _name_for(self, actor: Actor, task_id: str) -> str:
        """How a refusal names a task: its name and client, if the actor may see it."""
        with self.store.reading() as uow:
            task = uow.session.get(HumanTask, task_id)
            if task is None or not policy.can_see_task(actor, task):
                return f"task {task_id}"
            return f"“{task.name}” for {case_label(task.case)}"

    def delegate(self, actor: Actor, task_id: str, username: str) -> dict:
        """The assignee hands the task to a colleague who can work its lane; they may take it back."""
        with self.store.transaction() as uow:
            task = self._open_task_for_change(uow, actor, task_id)
            if task.assignee_id != actor.id:
                raise Forbidden(f"only the person the task '{task.name}' is assigned to may delegate it")
            if username == actor.username:
                raise InvalidData("you cannot delegate a task to yourself",
                                  [{"field": "username", "message": "choose a colleague"}])
            delegate = self._user_who_can_take(uow, actor, task, username)
            row = uow.session.get(TaskDelegation, task.id)
            if row is None:
                uow.session.add(TaskDelegation(task_id=task.id, owner_id=actor.id, delegate_id=delegate.id,
                                               delegated_at=self.clock.now()))
            else:
                row.delegate_id, row.delegated_at = delegate.id, self.clock.now()
            task.assignee_id = delegate.id
            uow.audit(task.case_id, actor.username, "task_delegated", f"delegated '{task.name}' to {username}",
                      task.bpmn_id, {"task_id": task.id, "to": username})
            return self._changed(uow, task)

    def take_back(self, actor: Actor, task_id: str) -> dict:
        with self.store.transaction() as uow:
            task = self._open_task_for_change(uow, actor, task_id)
            row = uow.session.get(TaskDelegation, task.id)
            if row is None or row.owner_id != actor.id:
                raise Conflict(f"task '{task.name}' is not delegated by you")
            previous = task.assignee.username if task.assignee else None
            task.assignee_id = actor.id
            uow.session.delete(row)
            uow.audit(task.case_id, actor.username, "task_taken_back", f"took back '{task.name}' from {previous}",
                      task.bpmn_id, {"task_id": task.id})
            return self._changed(uow, task)

    # ------------------------------------------------------------------ my own notes on it
    def set_follow_up(self, actor: Actor, task_id: str, on: date | None) -> dict:
        """Hide a task from my inbox until a date (my own reminder, not a deadline)."""
        with self.store.transaction() as uow:
            task = self._visible_task(uow, actor, task_id)
            if task.state != "open":
                raise Conflict(f"task '{task.name}' is no longer open (it was {task.state})")
            row = uow.session.get(TaskFollowUp, (task.id, actor.id))
            if on is None:
                if row is not None:
                    uow.session.delete(row)
            elif on <= self.clock.now().date():
                raise InvalidData("the follow-up date must be in the future",
                                  [{"field": "follow_up_on", "message": "choose a date after today"}])
            elif row is None:
                uow.session.add(TaskFollowUp(task_id=task.id, user_id=actor.id, follow_up_on=on))
            else:
                row.follow_up_on = on
            uow.session.flush()
            return task_view(task)

    def save_draft(self, actor: Actor, task_id: str, data: dict) -> datetime:
        """Keep what was typed so far; nothing is validated or signed until the task is completed."""
        if not isinstance(data, dict):
            raise InvalidData("a draft must be an object", [{"field": "", "message": "expected an object"}])
        with self.store.transaction() as uow:
            task = self._visible_task(uow, actor, task_id)
            if task.state != "open":
                raise Conflict(f"task '{task.name}' is no longer open (it was {task.state})")
            if not policy.can_work_lane(actor, task.lane):
                raise Forbidden(f"task '{task.name}' is in the {task.lane} lane; your role cannot work it")
            now = self.clock.now()
            row = uow.session.get(FormDraft, (task.id, actor.id))
            if row is None:
                uow.session.add(FormDraft(task_id=task.id, user_id=actor.id, data=data, saved_at=now))
            else:
                row.data, row.saved_at = data, now
            return now

    # ------------------------------------------------------------------ completing
    def _check_record_rules(self, uow: UnitOfWork, case_id: int, data: dict) -> None:
        # NASW Std 10: a contact is dated when it happened, never in the future (definitions/timeliness.py).
        found = timeliness.occurred_problems(data, self.clock.now())
        if record_rules.applies_to(data):
            found += record_rules.problems(data, self.views.release_entries(uow, case_id), self.clock.now().date())
        if found:
            raise InvalidData("the form breaks a rule of practice; see details", found)

    def complete(self, actor: Actor, task_id: str, data: dict, expected_version: int | None = None) -> dict:
        try:
            return self._complete(actor, task_id, data, expected_version)
        except StepFailed as failure:
            # Nothing of the completion was kept; the attempt is, so an administrator sees it.
            with self.store.transaction() as uow:
                task = uow.session.get(HumanTask, task_id)
                uow.audit(task.case_id, actor.username, "step_failed",
                          f"{actor.username} completed '{task.name}' but the step after it failed at "
                          f"'{failure.element_id}': {failure.reason}; nothing was changed", failure.element_id,
                          data={"task_id": task.id, "element_id": failure.element_id, "message": failure.reason,
                                "fields": sorted(data)})
            raise

    def _complete(self, actor: Actor, task_id: str, data: dict, expected_version: int | None) -> dict:
        with self.store.transaction() as uow:
            # One read: the task, its case (locked) and its workflow state. The answers are judged
            # while the lock is held; that is CPU work, shorter than a second round trip.
            task = uow.lock_task(task_id, self.views.rule_kinds())
            if task is None or not policy.can_see_task(actor, task):
                raise NotFound(f"task {task_id} not found")
            if not policy.can_work_lane(actor, task.lane):
                raise Forbidden(f"task '{task.name}' is in the {task.lane} lane; your role cannot complete it")
            if task.state != "open":  # a stale or double completion: say so before judging the answers
                raise Conflict(f"task '{task.name}' was already {task.state}")
            forms = self.runner.forms(uow.session, task.case.process_version_id)
            form = forms.get(task.form) if task.form in forms else None
            # Choices filled from the case's data are judged against what the task offered.
            offered = self.runner.load(uow, task.case).task_data(task.id) if form and form.option_vars else None
            forms.validate(task.form, data, offered)
            self._check_record_rules(uow, task.case_id, data)
            case = task.case
            if task.assignee_id not in (None, actor.id):
                raise Conflict(f"task '{task.name}' is claimed by {task.assignee.username}")
            if expected_version is not None and expected_version != case.lock_version:
                raise Conflict(f"case {case.id} changed since you loaded it (version {expected_version}, "
                               f"now {case.lock_version}); reload and try again")
            self._adopt_case(uow, case, actor, task.lane)
            task.state, task.completed_at, task.completed_by = "completed", self.clock.now(), actor.username
            task.assignee_id = actor.id
            uow.close_task_leftovers(task.id)

            stage_before, decisions = case.stage, []

            def step(workflow: CaseWorkflow) -> None:
                workflow.events.append(StepEvent("task_completed", f"{actor.username} completed '{task.name}'",
                                                 task.bpmn_id, {"task_id": task.id, "data": data}))
                workflow.complete_user_task(task.id, data)
                decisions.extend({"table": e.data.get("name") or e.data.get("table"),
                                  "outputs": e.data.get("outputs") or {}}
                                 for e in workflow.events if e.kind == "decision" and e.data)

            uow.record(case.id, task.form or "task", task.name, actor.username, data, task.bpmn_id)
            workflow = self.runner.run(uow, case, actor.username, step, refuse_on_failure=True)
            view = self.views.case_view(uow, case, workflow.active_element_ids())
            # What the step led to, for the one who did it: the stage it left and reached, what
            # the decision tables decided, and whether the case is still theirs to open.
            outcome = {"stage_before": stage_before, "stage": case.stage, "decisions": decisions,
                       "case_visible": policy.can_see_case(actor, case)}
            return {"case": view, "next_tasks": view["tasks"], "outcome": outcome}
