"""Open tasks as inbox and dashboard rows: the task with its case, client, delegation,
the reader's own follow-up date, how urgent it is, and whether the reader may work it."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from .. import policy
from ..policy import Actor
from ..store.models import Case, Client, HumanTask, TaskDelegation, TaskFollowUp, User
from .rows import case_label

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
    owner = aliased(User)
    result = session.execute(
        select(HumanTask, Case, Client, owner.username, TaskFollowUp.follow_up_on)
        .join(Case, Case.id == HumanTask.case_id).outerjoin(Client, Client.id == Case.client_id)
        .outerjoin(TaskDelegation, TaskDelegation.task_id == HumanTask.id)
        .outerjoin(owner, owner.id == TaskDelegation.owner_id)
        .outerjoin(TaskFollowUp, and_(TaskFollowUp.task_id == HumanTask.id, TaskFollowUp.user_id == actor.id))
        .where(HumanTask.id.in_(ids))).unique().all()
    by_id = {}
    for task, case, client, owner_name, follow_up_on in result:
        by_id[task.id] = {
            "id": task.id, "name": task.name, "bpmn_id": task.bpmn_id, "lane": task.lane,
            "form": task.form, "purpose": task.purpose,
            "assignee": task.assignee.username if task.assignee else None,
            "due_at": task.due_at, "due_state": due_state(task.due_at, now), "created_at": task.created_at,
            "case_id": case.id, "client": case_label(case, client), "stage": case.stage,
            "acuity": case.acuity, "team": case.team, "delegated_by": owner_name,
            "follow_up_on": follow_up_on,
            "can_work": policy.can_work_lane(actor, task.lane),
        }
    return [by_id[i] for i in ids if i in by_id]
