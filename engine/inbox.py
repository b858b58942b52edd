"""The task inbox: tabs, filters, counts, delegation, follow-up dates, drafts, saved filters.

The tabs follow what case managers and supervisors know from Camunda Tasklist and
SpiffArena: my tasks, tasks available in my lanes, my team's tasks (supervisors),
the approvals queue (a supervisor's first screen), tasks I delegated, and tasks I
put off until a follow-up date.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from . import access
from .access import Actor
from .errors import BadRequest, Conflict, Forbidden, InvalidData, NotFound
from .models import Case, Client, FormDraft, HumanTask, SavedFilter, TaskDelegation, TaskFollowUp, User

TAB_TITLES = {
    "approvals": "Approvals",
    "mine": "My tasks",
    "available": "Available",
    "team": "Team",
    "delegated": "Delegated",
    "later": "Follow up later",
}
SORTS = ("due", "created", "client", "stage", "case")
DUE_FILTERS = ("overdue", "soon", "later", "none")
DUE_SOON = timedelta(days=2)
PAGE_SIZE = 50


def tabs_for(actor: Actor) -> list[str]:
    supervising = access.has_role(actor, "supervisor") or access.has_role(actor, "admin")
    tabs = ["approvals"] if supervising else []
    tabs += ["mine", "available"]
    if supervising:
        tabs.append("team")
    return tabs + ["delegated", "later"]


def default_tab(actor: Actor) -> str:
    return tabs_for(actor)[0]


@dataclass
class InboxQuery:
    tab: str = ""
    stage: str | None = None
    task: str | None = None
    client: str | None = None
    due: str | None = None
    sort: str = "due"
    offset: int = 0
    limit: int = PAGE_SIZE

    def check(self, actor: Actor) -> InboxQuery:
        self.tab = self.tab or default_tab(actor)
        if self.tab not in tabs_for(actor):
            raise NotFound(f"there is no inbox tab '{self.tab}' for you")
        if self.sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
        if self.due and self.due not in DUE_FILTERS:
            raise BadRequest(f"due must be one of {', '.join(DUE_FILTERS)}")
        self.limit = max(1, min(self.limit, 500))
        self.offset = max(0, self.offset)
        return self


@dataclass
class InboxPage:
    tab: str
    tabs: list[str]
    counts: dict[str, int]
    tasks: list[dict]
    total: int
    task_names: list[tuple[str, str]] = field(default_factory=list)


def due_state(due_at: datetime | None, now: datetime) -> str:
    if due_at is None:
        return "none"
    if due_at < now:
        return "overdue"
    if due_at < now + DUE_SOON:
        return "soon"
    return "later"


def approval_lanes(actor: Actor) -> list[str]:
    lanes = []
    if access.has_role(actor, "supervisor"):
        lanes.append("supervisor")
    if access.has_role(actor, "admin"):
        lanes += ["supervisor", "admin"]
    return lanes


def _tab_clause(actor: Actor, tab: str, today: date):
    """Which open tasks a tab holds. Each clause leads with what an index can find
    (assignee, lane + the task's team, the small delegation and follow-up tables), so a
    tab costs what it holds, not what the whole database holds."""
    hidden = exists().where(TaskFollowUp.task_id == HumanTask.id, TaskFollowUp.user_id == actor.id,
                            TaskFollowUp.follow_up_on > today)
    admin = access.has_role(actor, "admin")
    case_visible = access.case_filter(actor)
    case_visible = case_visible if case_visible is not None else true()
    in_team = true() if admin else and_(HumanTask.team == actor.team, case_visible)
    if tab == "mine":
        return and_(HumanTask.assignee_id == actor.id, not_(hidden))
    if tab == "later":
        visible = access.task_filter(actor)
        return and_(HumanTask.id.in_(select(TaskFollowUp.task_id).where(
            TaskFollowUp.user_id == actor.id, TaskFollowUp.follow_up_on > today)),
            visible if visible is not None else true())
    if tab == "available":
        lanes = [r for r in actor.roles if r != "admin"]
        lane_clause = true() if admin else HumanTask.lane.in_(lanes)
        return and_(HumanTask.assignee_id.is_(None), lane_clause, in_team, not_(hidden))
    if tab == "approvals":
        return and_(HumanTask.lane.in_(approval_lanes(actor)), in_team,
                    or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == actor.id), not_(hidden))
    if tab == "team":
        return true() if admin else HumanTask.team == actor.team if access.has_role(actor, "supervisor") \
            else in_team
    if tab == "delegated":
        return HumanTask.id.in_(select(TaskDelegation.task_id).where(TaskDelegation.owner_id == actor.id))
    raise NotFound(f"there is no inbox tab '{tab}'")


class InboxMixin:
    """CaseEngine's inbox operations (mixed in; uses its transaction, clock and audit)."""

    # ------------------------------------------------------------------ reading
    def inbox(self, actor: Actor, query: InboxQuery) -> InboxPage:
        query.check(actor)
        now = self.clock.now()
        today = now.date()
        with self.transaction() as session:
            base = (select(HumanTask.id).join(Case, Case.id == HumanTask.case_id)
                    .join(Client, Client.id == Case.client_id).where(HumanTask.state == "open"))
            clauses = {tab: _tab_clause(actor, tab, today) for tab in tabs_for(actor)}
            counts = {tab: session.scalar(select(func.count()).select_from(HumanTask)
                                          .join(Case, Case.id == HumanTask.case_id)
                                          .where(HumanTask.state == "open", clause))
                      for tab, clause in clauses.items()}
            filtered = base.where(clauses[query.tab])
            narrowed = any((query.stage, query.task, query.client, query.due))
            if query.stage:
                filtered = filtered.where(Case.stage == query.stage)
            if query.task:
                filtered = filtered.where(HumanTask.bpmn_id == query.task)
            if query.client:
                text = query.client.strip()
                if text.isdigit():
                    filtered = filtered.where(Case.id == int(text))
                else:
                    like = f"%{text.lower()}%"
                    filtered = filtered.where(or_(func.lower(Client.last_name).like(like),
                                                  func.lower(Client.first_name).like(like),
                                                  func.lower(Client.first_name + " " + Client.last_name).like(like)))
            if query.due == "overdue":
                filtered = filtered.where(HumanTask.due_at < now)
            elif query.due == "soon":
                filtered = filtered.where(HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON)
            elif query.due == "later":
                filtered = filtered.where(HumanTask.due_at >= now + DUE_SOON)
            elif query.due == "none":
                filtered = filtered.where(HumanTask.due_at.is_(None))
            total = (session.scalar(select(func.count()).select_from(filtered.subquery())) if narrowed
                     else counts[query.tab])
            order = {
                "due": (HumanTask.due_at.asc().nulls_last(), HumanTask.created_at),
                "created": (HumanTask.created_at.desc(),),
                # lower(): names sort as people read them, and the planner filters the tab's tasks
                # first instead of walking every client in name order to find fifty of them
                "client": (func.lower(Client.last_name), func.lower(Client.first_name), HumanTask.due_at),
                "stage": (Case.stage, HumanTask.due_at),
                "case": (Case.id, HumanTask.created_at),
            }[query.sort]
            ids = list(session.scalars(filtered.order_by(*order, HumanTask.id)
                                       .limit(query.limit).offset(query.offset)))
            rows = self._task_rows(session, actor, ids, now)
            task_names = sorted(set(session.execute(
                select(HumanTask.bpmn_id, HumanTask.name).where(HumanTask.id.in_(ids))).all())) if ids else []
            return InboxPage(query.tab, tabs_for(actor), counts, rows, total, task_names)

    def _task_rows(self, session: Session, actor: Actor, ids: list[str], now: datetime) -> list[dict]:
        if not ids:
            return []
        owner = aliased(User)
        result = session.execute(
            select(HumanTask, Case, Client, owner.username, TaskFollowUp.follow_up_on)
            .join(Case, Case.id == HumanTask.case_id).join(Client, Client.id == Case.client_id)
            .outerjoin(TaskDelegation, TaskDelegation.task_id == HumanTask.id)
            .outerjoin(owner, owner.id == TaskDelegation.owner_id)
            .outerjoin(TaskFollowUp, and_(TaskFollowUp.task_id == HumanTask.id, TaskFollowUp.user_id == actor.id))
            .where(HumanTask.id.in_(ids))).unique().all()
        by_id = {}
        for task, case, client, owner_name, follow_up_on in result:
            by_id[task.id] = {
                "id": task.id, "name": task.name, "bpmn_id": task.bpmn_id, "lane": task.lane,
                "form": task.form, "assignee": task.assignee.username if task.assignee else None,
                "due_at": task.due_at, "due_state": due_state(task.due_at, now), "created_at": task.created_at,
                "case_id": case.id, "client": f"{client.first_name} {client.last_name}", "stage": case.stage,
                "acuity": case.acuity, "team": case.team, "delegated_by": owner_name,
                "follow_up_on": follow_up_on,
                "can_work": access.can_work_lane(actor, task.lane),
            }
        return [by_id[i] for i in ids if i in by_id]

    def team_members(self, actor: Actor, lane: str | None = None) -> list[dict]:
        """People a supervisor may give work to: their team (everyone, for an admin)."""
        with self.sessions() as session:
            query = select(User).where(User.active.is_(True)).order_by(User.username)
            if not access.has_role(actor, "admin"):
                query = query.where(User.team == actor.team)
            people = [u for u in session.scalars(query) if lane is None or lane in (u.roles or [])
                      or "admin" in (u.roles or [])]
            return [{"username": u.username, "display_name": u.display_name or u.username,
                     "roles": list(u.roles or []), "team": u.team} for u in people]

    # ------------------------------------------------------------------ delegation
    def delegate(self, actor: Actor, task_id: str, username: str) -> dict:
        """The assignee hands the task to a colleague who can work its lane; they may take it back."""
        with self.transaction() as session:
            task = self._open_task_for_change(session, actor, task_id)
            if task.assignee_id != actor.id:
                raise Forbidden(f"only the person the task '{task.name}' is assigned to may delegate it")
            if username == actor.username:
                raise InvalidData("you cannot delegate a task to yourself",
                                  [{"field": "username", "message": "choose a colleague"}])
            delegate = self._user_who_can_take(session, actor, task, username)
            row = session.get(TaskDelegation, task.id)
            if row is None:
                session.add(TaskDelegation(task_id=task.id, owner_id=actor.id, delegate_id=delegate.id,
                                           delegated_at=self.clock.now()))
            else:
                row.delegate_id, row.delegated_at = delegate.id, self.clock.now()
            task.assignee_id = delegate.id
            self._audit(session, task.case_id, actor.username, "task_delegated",
                        f"delegated '{task.name}' to {username}", task.bpmn_id,
                        {"task_id": task.id, "to": username})
            session.flush()
            session.refresh(task)
            return self._task_view(task)

    def take_back(self, actor: Actor, task_id: str) -> dict:
        with self.transaction() as session:
            task = self._open_task_for_change(session, actor, task_id)
            row = session.get(TaskDelegation, task.id)
            if row is None or row.owner_id != actor.id:
                raise Conflict(f"task '{task.name}' is not delegated by you")
            previous = task.assignee.username if task.assignee else None
            task.assignee_id = actor.id
            session.delete(row)
            self._audit(session, task.case_id, actor.username, "task_taken_back",
                        f"took back '{task.name}' from {previous}", task.bpmn_id, {"task_id": task.id})
            session.flush()
            session.refresh(task)
            return self._task_view(task)

    # ------------------------------------------------------------------ follow-up dates
    def set_follow_up(self, actor: Actor, task_id: str, on: date | None) -> dict:
        """Hide a task from my inbox until a date (my own reminder, not a deadline)."""
        with self.transaction() as session:
            task = self._visible_task(session, actor, task_id)
            if task.state != "open":
                raise Conflict(f"task '{task.name}' is no longer open (it was {task.state})")
            row = session.get(TaskFollowUp, (task.id, actor.id))
            if on is None:
                if row is not None:
                    session.delete(row)
            elif on <= self.clock.now().date():
                raise InvalidData("the follow-up date must be in the future",
                                  [{"field": "follow_up_on", "message": "choose a date after today"}])
            elif row is None:
                session.add(TaskFollowUp(task_id=task.id, user_id=actor.id, follow_up_on=on))
            else:
                row.follow_up_on = on
            session.flush()
            return self._task_view(task)

    # ------------------------------------------------------------------ form drafts
    def save_draft(self, actor: Actor, task_id: str, data: dict) -> datetime:
        """Keep what was typed so far; nothing is validated or signed until the task is completed."""
        if not isinstance(data, dict):
            raise InvalidData("a draft must be an object", [{"field": "", "message": "expected an object"}])
        with self.transaction() as session:
            task = self._visible_task(session, actor, task_id)
            if task.state != "open":
                raise Conflict(f"task '{task.name}' is no longer open (it was {task.state})")
            if not access.can_work_lane(actor, task.lane):
                raise Forbidden(f"task '{task.name}' is in the {task.lane} lane; your role cannot work it")
            now = self.clock.now()
            row = session.get(FormDraft, (task.id, actor.id))
            if row is None:
                session.add(FormDraft(task_id=task.id, user_id=actor.id, data=data, saved_at=now))
            else:
                row.data, row.saved_at = data, now
            return now

    def _draft(self, session: Session, actor: Actor, task_id: str) -> FormDraft | None:
        return session.get(FormDraft, (task_id, actor.id)) if actor.id is not None else None

    # ------------------------------------------------------------------ saved filters
    def saved_filters(self, actor: Actor) -> list[dict]:
        with self.sessions() as session:
            rows = session.scalars(select(SavedFilter).where(SavedFilter.user_id == actor.id)
                                   .order_by(SavedFilter.name))
            return [{"id": r.id, "name": r.name, "query": r.query} for r in rows]

    def save_filter(self, actor: Actor, name: str, query: str) -> dict:
        name = (name or "").strip()
        if not name or len(name) > 120:
            raise InvalidData("the filter needs a name", [{"field": "name", "message": "1 to 120 characters"}])
        with self.transaction() as session:
            row = session.scalar(select(SavedFilter).where(SavedFilter.user_id == actor.id,
                                                           SavedFilter.name == name))
            if row is None:
                row = SavedFilter(user_id=actor.id, name=name, query=query, created_at=self.clock.now())
                session.add(row)
            else:
                row.query = query
            session.flush()
            return {"id": row.id, "name": row.name, "query": row.query}

    def delete_filter(self, actor: Actor, filter_id: int) -> None:
        with self.transaction() as session:
            row = session.get(SavedFilter, filter_id)
            if row is None or row.user_id != actor.id:
                raise NotFound(f"saved filter {filter_id} not found")
            session.delete(row)

    # ------------------------------------------------------------------ bulk
    def assign_many(self, actor: Actor, task_ids: list[str], username: str) -> dict:
        """Reassign several tasks; each is its own change, and each refusal says why."""
        if not task_ids:
            raise InvalidData("choose at least one task", [{"field": "task_ids", "message": "none chosen"}])
        assigned, refused = [], []
        for task_id in task_ids:
            try:
                assigned.append(self.assign(actor, task_id, username))
            except (InvalidData, Conflict, NotFound) as refusal:
                detail = "; ".join(d.get("message", "") for d in refusal.details) if refusal.details else ""
                refused.append({"task_id": task_id, "reason": refusal.message + (f" ({detail})" if detail else "")})
        return {"assigned": assigned, "refused": refused}
