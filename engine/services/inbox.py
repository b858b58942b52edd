"""The task inbox: tabs, filters, counts, delegation, follow-up dates, drafts, saved filters.

The tabs follow what case managers and supervisors know from Camunda Tasklist and
SpiffArena: my tasks, tasks available in my lanes, my team's tasks (supervisors),
the approvals queue (a supervisor's first screen), tasks I delegated, and tasks I
put off until a follow-up date. Everyone else lands on To do: what they hold and what
they may take, together, most urgent first, so no one lands on an empty list while
their work waits on another tab.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, false, func, not_, or_, select, true, union_all

from .. import policy
from ..clock import Clock
from ..definitions.input_limits import check_length
from ..errors import BadRequest, InvalidData, NotFound
from ..policy import Actor
from ..store.models import Case, Client, HumanTask, SavedFilter, TaskDelegation, TaskFollowUp, User
from ..store.unit_of_work import Store
from ..views.task_rows import DUE_SOON, task_rows

TAB_TITLES = {
    "approvals": "Approvals",
    "escalations": "Escalations",
    "todo": "To do",
    "mine": "My tasks",
    "available": "Available",
    "team": "Team",
    "delegated": "Delegated",
    "later": "Follow up later",
}
SORTS = ("due", "created", "client", "stage", "case")
DUE_FILTERS = ("overdue", "soon", "later", "none")
PAGE_SIZE = 50


def tabs_for(actor: Actor) -> list[str]:
    supervising = policy.supervises(actor)
    tabs = ["approvals", "escalations"] if supervising else []
    tabs += ["todo", "mine", "available"]
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
        for name in ("stage", "task", "client"):
            value = getattr(self, name)
            if value is not None and (any(ord(c) < 0x20 for c in value) or check_length(value, name, 200)):
                raise BadRequest(f"the {name} filter must be plain text of at most 200 characters")
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



def _tab_clause(actor: Actor, tab: str, today: date):
    """Which open tasks a tab holds. Each clause leads with what an index can find
    (assignee, lane + the task's team, the small delegation and follow-up tables), so a
    tab costs what it holds, not what the whole database holds."""
    hidden = exists().where(TaskFollowUp.task_id == HumanTask.id, TaskFollowUp.user_id == actor.id,
                            TaskFollowUp.follow_up_on > today)
    admin = policy.is_admin(actor)
    case_visible = policy.case_filter(actor)
    case_visible = case_visible if case_visible is not None else true()
    # A task's team is its case's (copied when the task opens; a case keeps its team), so a
    # supervisor, who sees the team's cases, needs no look at each task's case.
    in_team = true() if admin else HumanTask.team == actor.team if policy.has_role(actor, "supervisor") \
        else and_(HumanTask.team == actor.team, _on_case(case_visible))
    if tab == "mine":
        return and_(HumanTask.assignee_id == actor.id, not_(hidden))
    if tab == "later":
        visible = policy.task_filter(actor)
        return and_(HumanTask.id.in_(select(TaskFollowUp.task_id).where(
            TaskFollowUp.user_id == actor.id, TaskFollowUp.follow_up_on > today)),
            visible if visible is not None else true())
    lane_clause = true() if admin else HumanTask.lane.in_(policy.lanes_of(actor))
    available = and_(HumanTask.assignee_id.is_(None), lane_clause, in_team, not_(hidden))
    if tab == "available":
        return available
    if tab == "todo":
        # Mine and available together (never both: one is assigned to me, the other to no one), as
        # a union of the two tabs' own indexed lookups; one OR across both reads every open task.
        mine = and_(HumanTask.state == "open", HumanTask.assignee_id == actor.id, not_(hidden))
        offered = and_(HumanTask.state == "open", available)
        return HumanTask.id.in_(union_all(select(HumanTask.id).where(mine).correlate(None),
                                          _joined(select(HumanTask.id), offered).where(offered).correlate(None)))
    if tab in ("approvals", "escalations"):
        # What the diagram marks as an approval, or as an escalation (a supervisor called in because
        # something is overdue or a risk was found), in a lane the reader works.
        return and_(HumanTask.purpose == tab[:-1], lane_clause, in_team,
                    or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == actor.id), not_(hidden))
    if tab == "team":
        return true() if admin else HumanTask.team == actor.team if policy.has_role(actor, "supervisor") \
            else in_team
    if tab == "delegated":
        return HumanTask.id.in_(select(TaskDelegation.task_id).where(TaskDelegation.owner_id == actor.id))
    raise NotFound(f"there is no inbox tab '{tab}'")


def _on_case(condition):
    """`condition` on a task's case, looked up by primary key for each task its indexed conditions
    found. A scalar subquery, which the planner keeps per task: as a join (or EXISTS) it misjudged
    how many unassigned tasks a lane holds and hashed every case of the team (7 ms, twice, for the
    one task To do offered at 100,000 cases)."""
    return (select(Case.id).where(Case.id == HumanTask.case_id, condition).correlate(HumanTask)
            .scalar_subquery().is_not(None))


def _joined(query, *read):
    """`query` on open tasks joined to their case, and the case's client, only when what it
    reads (`read`: its conditions and sort keys) names them: a count of a team's tasks then
    reads one index instead of joining every task to its case (a task's case is never missing)."""
    # the tables `read` names itself; those its subqueries read stay inside them
    tables = {table for expression in read for table in expression._from_objects}
    if Client.__table__ in tables:
        # outer: a supervision session's case has no client (it is about the case manager)
        return query.join(Case, Case.id == HumanTask.case_id).outerjoin(Client, Client.id == Case.client_id)
    if Case.__table__ in tables:
        return query.join(Case, Case.id == HumanTask.case_id)
    return query


class InboxService:
    """The inbox's tabs and filters, and the filters people save."""

    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock

    # ------------------------------------------------------------------ reading
    def inbox(self, actor: Actor, query: InboxQuery) -> InboxPage:
        query.check(actor)
        now = self.clock.now()
        today = now.date()
        with self.store.transaction() as uow:
            session = uow.session
            is_open = HumanTask.state == "open"
            clauses = {tab: _tab_clause(actor, tab, today) for tab in tabs_for(actor)}
            # every tab's count in one statement (one round trip), each its own indexed subquery
            # (To do is My tasks and Available added up: the two never share a task.)
            counted = {tab: _joined(select(func.count()).select_from(HumanTask), clause).where(is_open, clause)
                       .scalar_subquery() for tab, clause in clauses.items() if tab != "todo"}
            counts = dict(zip(counted, session.execute(select(*counted.values())).one()))
            counts["todo"] = counts["mine"] + counts["available"]
            counts = {tab: counts[tab] for tab in clauses}
            conditions = [is_open, clauses[query.tab]]
            narrowed = any((query.stage, query.task, query.client, query.due))
            if query.stage:
                conditions.append(Case.stage == query.stage)
            if query.task:  # a step's id (approve_plan) or words of its name ("approve the service plan")
                conditions.append(or_(HumanTask.bpmn_id == query.task,
                                      func.lower(HumanTask.name).like(f"%{query.task.strip().lower()}%")))
            if query.client:
                text = query.client.strip()
                if text.isdigit():
                    conditions.append(HumanTask.case_id == int(text))
                else:
                    like = f"%{text.lower()}%"
                    conditions.append(or_(func.lower(Client.last_name).like(like),
                                          func.lower(Client.first_name).like(like),
                                          func.lower(Client.first_name + " " + Client.last_name).like(like),
                                          # a supervision session (no client) by its case manager
                                          and_(Case.client_id.is_(None), Case.case_manager_id.in_(
                                              select(User.id).where(or_(
                                                  func.lower(User.username).like(like),
                                                  func.lower(User.display_name).like(like))))),
                                          # "supervision" (or the start of it): every session
                                          Case.client_id.is_(None) if "supervision".startswith(text.lower())
                                          else false()))
            if query.due == "overdue":
                conditions.append(HumanTask.due_at < now)
            elif query.due == "soon":
                conditions.extend((HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON))
            elif query.due == "later":
                conditions.append(HumanTask.due_at >= now + DUE_SOON)
            elif query.due == "none":
                conditions.append(HumanTask.due_at.is_(None))
            total = (session.scalar(_joined(select(func.count()).select_from(HumanTask), *conditions)
                                    .where(*conditions)) if narrowed else counts[query.tab])
            order = {
                "due": (HumanTask.due_at.asc().nulls_last(), HumanTask.created_at),
                "created": (HumanTask.created_at.desc(),),
                # Names sort as people read them (last, then first, case-insensitively): the task's
                # copy of its client's sort name (written when it opens) is read in order from the
                # (team, state, client_sort) index; a supervision session (no client) comes last.
                "client": (HumanTask.client_sort.asc().nulls_last(), HumanTask.due_at),
                "stage": (Case.stage, HumanTask.due_at),
                "case": (HumanTask.case_id, HumanTask.created_at),
            }[query.sort]
            ids = list(session.scalars(_joined(select(HumanTask.id), *conditions, *order).where(*conditions)
                                       .order_by(*order, HumanTask.id).limit(query.limit).offset(query.offset)))
            rows = task_rows(session, actor, ids, now)
            task_names = sorted(set(session.execute(
                select(HumanTask.bpmn_id, HumanTask.name).where(HumanTask.id.in_(ids))).all())) if ids else []
            return InboxPage(query.tab, tabs_for(actor), counts, rows, total, task_names)

    # ------------------------------------------------------------------ saved filters
    def saved_filters(self, actor: Actor) -> list[dict]:
        with self.store.reading() as uow:
            session = uow.session
            rows = session.scalars(select(SavedFilter).where(SavedFilter.user_id == actor.id)
                                   .order_by(SavedFilter.name))
            return [{"id": r.id, "name": r.name, "query": r.query} for r in rows]

    def save_filter(self, actor: Actor, name: str, query: str) -> dict:
        name = (name or "").strip() if isinstance(name, str) else ""
        if not name or len(name) > 120:
            raise InvalidData("the filter needs a name", [{"field": "name", "message": "1 to 120 characters"}])
        bad = [{"field": field, "message": "control characters are not allowed"}
               for field, text in (("name", name), ("query", query))
               if not isinstance(text, str) or any(ord(c) < 0x20 or ord(c) == 0x7f for c in text)]
        bad += check_length(query if isinstance(query, str) else None, "query", 2000)
        if bad:
            raise InvalidData("the filter cannot be saved", bad)
        with self.store.transaction() as uow:
            session = uow.session
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
        with self.store.transaction() as uow:
            session = uow.session
            row = session.get(SavedFilter, filter_id)
            if row is None or row.user_id != actor.id:
                raise NotFound(f"saved filter {filter_id} not found")
            session.delete(row)
