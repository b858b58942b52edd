"""The read every step starts with: a case (or a task and its case) locked, with its rows beside it.

One statement brings the case, its client, manager and supervisor, its workflow state, its
open tasks and timers, the case opened after it, whether the record holds an entry of some
kinds, and (for a task) whether the task has drafts, follow-ups or a delegation.

The statement is plain SQL (Core), and the objects are made here from its columns, as the
ORM's loader makes them (SQLAlchemy's own steps for a loaded row: a new instance, its
identity in the session, its values as loaded; an object the session holds already is
refreshed, as populate_existing does). The ORM would do the same, but it first prepares
a loader for each of the nine entities of the statement on every execution, which took
as long as the database's work (0.2 to 0.3 ms a step; bench/task_completion.py). On SQLite
the statement goes straight to the driver's cursor (engine/store/direct.py): execute()'s
context and result for 90 columns cost twice SQLite's own work on it.
Those steps are SQLAlchemy internals (InstanceState's key and _commit_all, the identity
map's _add_unpresent), as the step writer's are; pyproject.toml pins SQLAlchemy below 2.2.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, false, literal_column, or_, select, true, union_all
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.base import instance_state

from . import direct
from .models import (Case, Client, FormDraft, HumanTask, RecordEntry, TaskDelegation, TaskFollowUp, Timer, User,
                     WorkflowState)


@dataclass(frozen=True)
class _Entity:
    """Where one entity's columns sit in a row, and what to make of them."""
    mapper: Mapper
    keys: tuple[str, ...]  # attribute keys, in the row's order
    start: int
    pk: int  # position of the primary key among keys


@dataclass(frozen=True)
class LockedRead:
    statement: object
    entities: dict[str, _Entity]
    columns: dict[str, int]  # the single values: slot, leftovers, next case, has entries
    marks: tuple[int, int]  # on PostgreSQL: where the xmins start, how many rows are locked
    shape: tuple  # what locked_read() built it for (its key among the compiled statements)


@dataclass
class Found:
    """What one locked read found."""
    case: Case
    task: HumanTask | None
    has_leftovers: bool
    state: WorkflowState | None
    open_tasks: list[HumanTask]
    timers: list[Timer]
    next_case_id: int | None
    has_entries: bool
    waited: bool  # PostgreSQL: a locked row changed while this statement waited for its lock


_SHAPES: dict[tuple, LockedRead] = {}


def locked_read(what: str, is_postgres: bool, skip_locked: bool, entry_kinds: tuple[str, ...]) -> LockedRead:
    """The statement for a case (`what` "case") or a task with its case ("task"), built once per
    shape (building one is pure CPU work; the key is a bound parameter).

    Slot rows keep the case's rows apart: slot 0 carries the workflow state and the case's
    people, slot 1 the open tasks, slot 2 the timers, so no row is repeated per row of another
    table and the state (the large column) comes once. On PostgreSQL the xmin of each locked
    row comes twice, with the lock and without (see UnitOfWork._read_locked)."""
    shape = (what, is_postgres, skip_locked, entry_kinds)
    if shape in _SHAPES:
        return _SHAPES[shape]
    columns: list = []
    entities: dict[str, _Entity] = {}
    singles: dict[str, int] = {}

    def add(name: str, table, model) -> None:
        mapper = model.__mapper__
        attrs = list(mapper.column_attrs)
        keys = tuple(attr.key for attr in attrs)
        entities[name] = _Entity(mapper, keys, len(columns), keys.index(mapper.get_property_by_column(
            mapper.primary_key[0]).key))
        columns.extend(table.c[attr.columns[0].key] for attr in attrs)

    def single(name: str, column) -> None:
        singles[name] = len(columns)
        columns.append(column)

    cases, tasks, clients, users = Case.__table__, HumanTask.__table__, Client.__table__, User.__table__
    states, timers, entries = WorkflowState.__table__, Timer.__table__, RecordEntry.__table__
    # Constants written into the statement, not bound: PostgreSQL then plans each slot's joins
    # knowing which rows they can meet, in the prepared (generic) plan too.
    slot = union_all(*(select(literal_column(str(k)).label("k")) for k in (0, 1, 2))).subquery("slot")
    zero, one, two, open_ = (literal_column("0"), literal_column("1"), literal_column("2"),
                             literal_column("'open'"))
    open_tasks, later = tasks.alias("open_task"), cases.alias("later_case")
    manager, supervisor = users.alias("manager"), users.alias("supervisor")
    if what == "task":
        add("task", tasks, HumanTask)
        single("leftovers", or_(*(exists().where(model.__table__.c.task_id == tasks.c.id)
                                  for model in (FormDraft, TaskFollowUp, TaskDelegation))))
    add("case", cases, Case)
    add("client", clients, Client)
    add("manager", manager, User)
    add("supervisor", supervisor, User)
    single("k", slot.c.k)
    add("state", states, WorkflowState)
    add("open_task", open_tasks, HumanTask)
    add("timer", timers, Timer)
    single("next_case", select(later.c.id).where(later.c.previous_case_id == cases.c.id)
           .order_by(later.c.id.desc()).limit(1).scalar_subquery())
    # no kinds asked (a timer, a case read): nothing to look up at all
    single("has_entries", exists().where(entries.c.case_id == cases.c.id, entries.c.kind.in_(_as_literals(entry_kinds)))
           if entry_kinds else false())
    locked = [cases] + ([tasks] if what == "task" else [])
    marks = (len(columns), len(locked))
    if is_postgres:
        columns += [literal_column(f"{table.name}.xmin::text") for table in locked]
        for table in locked:
            seen = table.alias(f"seen_{table.name}")
            columns.append(select(literal_column(f"seen_{table.name}.xmin::text")).select_from(seen)
                           .where(seen.c.id == table.c.id).scalar_subquery())
    if what == "task":
        query = (select(*columns).select_from(tasks.join(cases, cases.c.id == tasks.c.case_id))
                 .where(tasks.c.id == bindparam("key")))
    else:
        query = select(*columns).select_from(cases).where(cases.c.id == bindparam("key"))
    query = (query.join(slot, true())
             .outerjoin(clients, and_(clients.c.id == cases.c.client_id, slot.c.k == zero))
             .outerjoin(manager, and_(manager.c.id == cases.c.case_manager_id, slot.c.k == zero))
             .outerjoin(supervisor, and_(supervisor.c.id == cases.c.supervisor_id, slot.c.k == zero))
             .outerjoin(states, and_(states.c.case_id == cases.c.id, slot.c.k == zero))
             .outerjoin(open_tasks, and_(open_tasks.c.case_id == cases.c.id, open_tasks.c.state == open_,
                                         slot.c.k == one))
             .outerjoin(timers, and_(timers.c.case_id == cases.c.id, slot.c.k == two))
             .order_by(slot.c.k, open_tasks.c.created_at, open_tasks.c.id, timers.c.due_at, timers.c.id))
    if is_postgres:
        query = query.with_for_update(of=locked, skip_locked=skip_locked)
    _SHAPES[shape] = LockedRead(query, entities, singles, marks, shape)
    return _SHAPES[shape]


def _as_literals(values: tuple[str, ...]) -> list:
    """Strings written into the statement itself (quotes doubled, as standard SQL escapes them):
    they are part of its shape already, and bound as an expanding IN they would make SQLAlchemy
    render the statement's text again on every execution."""
    return [literal_column("'" + value.replace("'", "''") + "'") for value in values]


def run(session: Session, read: LockedRead, key) -> Found | None:
    """Send the read and make its objects in the session; None if the case (or task) is not there."""
    rows = _rows(session.connection(), read, key)
    if not rows:
        return None
    made: dict = {}
    first, entities, at = rows[0], read.entities, read.columns
    case = _loaded(session, entities["case"], first, made)
    people = {"client": _loaded(session, entities["client"], first, made),
              "case_manager": _loaded(session, entities["manager"], first, made),
              "supervisor": _loaded(session, entities["supervisor"], first, made)}
    # What the case's joined relationships would have brought, as loaded (not as changes).
    case_dict = instance_state(case).dict
    case_dict.update(people)
    task = None
    if "task" in entities:
        task = _loaded(session, entities["task"], first, made)
        instance_state(task).dict["case"] = case
    start, count = read.marks
    marks = tuple(first[start:start + 2 * count]) if len(first) > start else ()
    k = at["k"]
    return Found(
        case=case, task=task, has_leftovers=bool(first[at["leftovers"]]) if "leftovers" in at else False,
        state=next((_loaded(session, entities["state"], r, made) for r in rows if r[k] == 0), None),
        open_tasks=[t for t in (_loaded(session, entities["open_task"], r, made) for r in rows if r[k] == 1)
                    if t is not None],
        timers=[t for t in (_loaded(session, entities["timer"], r, made) for r in rows if r[k] == 2)
                if t is not None],
        next_case_id=first[at["next_case"]], has_entries=bool(first[at["has_entries"]]),
        waited=bool(marks) and marks[:count] != marks[count:])


def _rows(connection, read: LockedRead, key) -> list:
    """The read's rows; on SQLite straight from the driver's cursor (engine/store/direct.py)."""
    compiled = None
    if connection.dialect.name == "sqlite":
        compiled = direct.compiled(("locked_read", read.shape), lambda: read.statement, ("key",), connection.dialect)
    if compiled is None:
        return connection.execute(read.statement, {"key": key}).all()
    processors = compiled.result_processors
    return [direct.processed(row, processors) for row in direct.send(connection, compiled, {"key": key}).fetchall()]


def _loaded(session: Session, entity: _Entity, row, made: dict):
    """The object these columns describe, as the ORM's loader leaves it (None for a NULL key)."""
    values = row[entity.start:entity.start + len(entity.keys)]
    pk = values[entity.pk]
    if pk is None:
        return None
    identity = entity.mapper.identity_key_from_primary_key([pk])
    obj = made.get(identity)
    if obj is not None:
        return obj
    obj = session.identity_map.get(identity)
    if obj is not None:  # held already: refreshed, whatever it held is replaced (populate_existing)
        state = instance_state(obj)
        state.dict.update(zip(entity.keys, values))
        state._commit_all(state.dict, session.identity_map)
    else:
        obj = entity.mapper.class_manager.new_instance()
        state = instance_state(obj)
        state.dict.update(zip(entity.keys, values))
        state.key, state.identity_token, state.session_id = identity, None, session.hash_key
        session.identity_map._add_unpresent(state, identity)
    made[identity] = obj
    return obj
