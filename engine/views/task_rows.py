"""Open tasks as inbox and dashboard rows: the task with its case, client, delegation,
the reader's own follow-up date, how urgent it is, and whether the reader may work it."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from .. import policy
from ..policy import Actor
from ..store.models import Case, Client, HumanTask, TaskDelegation, TaskFollowUp, User

DUE_SOON = timedelta(days=2)


def due_state(due_at: datetime | None, now: datetime) -> str:
    """overdue, soon (within two days), later, or none: said in words as well as colour."""
    if due_at is None:
        return "none"
    if due_at < now:
        return "overdue"
    if due_at < now + DUE_SOON:
        return "soon"
    return "later"


def task_rows(session: Session, actor: Actor, ids: list[str], now: datetime) -> list[dict]:
    """The rows of these task ids, in the order given."""
    if not ids:
        return []
    # Plain columns, not entities: fifty rows of tasks with their cases, clients and people as
    # objects (each with its eagerly joined users and client) cost more in Python than in SQL.
    owner, assignee, worker = aliased(User), aliased(User), aliased(User)
    result = session.execute(
        select(HumanTask.id, HumanTask.name, HumanTask.bpmn_id, HumanTask.lane, HumanTask.form, HumanTask.purpose,
               HumanTask.due_at, HumanTask.created_at, assignee.username, Case.id, Case.stage, Case.acuity,
               Case.team, Client.first_name, Client.last_name, worker.display_name, worker.username,
               owner.username, TaskFollowUp.follow_up_on)
        .join(Case, Case.id == HumanTask.case_id).outerjoin(Client, Client.id == Case.client_id)
        .outerjoin(assignee, assignee.id == HumanTask.assignee_id)
        .outerjoin(worker, worker.id == Case.case_manager_id)
        .outerjoin(TaskDelegation, TaskDelegation.task_id == HumanTask.id)
        .outerjoin(owner, owner.id == TaskDelegation.owner_id)
        .outerjoin(TaskFollowUp, and_(TaskFollowUp.task_id == HumanTask.id, TaskFollowUp.user_id == actor.id))
        .where(HumanTask.id.in_(ids))).all()
    by_id = {}
    for (task_id, name, bpmn_id, lane, form, purpose, due_at, created_at, assignee_name, case_id, stage, acuity,
         team, first_name, last_name, worker_name, worker_username, owner_name, follow_up_on) in result:
        by_id[task_id] = {
            "id": task_id, "name": name, "bpmn_id": bpmn_id, "lane": lane,
            "form": form, "purpose": purpose, "assignee": assignee_name,
            "due_at": due_at, "due_state": due_state(due_at, now), "created_at": created_at,
            "case_id": case_id, "client": label(first_name, last_name, worker_name or worker_username),
            "stage": stage, "acuity": acuity, "team": team, "delegated_by": owner_name,
            "follow_up_on": follow_up_on,
            "can_work": policy.can_work_lane(actor, lane),
        }
    return [by_id[i] for i in ids if i in by_id]


def label(first_name: str | None, last_name: str | None, worker: str | None) -> str:
    """rows.case_label from columns: the client, or for a supervision session (no client; NASW
    Std 11) the case manager it is about."""
    if last_name is not None or first_name is not None:
        return f"{first_name} {last_name}"
    return f"Supervision: {worker}" if worker else "Supervision session"
