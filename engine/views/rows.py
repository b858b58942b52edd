"""Rows as the API and pages see them: plain dicts of JSON-ready values."""
from __future__ import annotations

from datetime import date, datetime

from ..store.models import Case, Client, HumanTask, ProcessVersion, RecordEntry, Timer


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def client_view(client: Client | None) -> dict | None:
    """The client as pages see them; None for a case with no client (a supervision session)."""
    if client is None:
        return None
    return {"first_name": client.first_name, "last_name": client.last_name,
            "birth_date": iso(client.birth_date), "preferred_language": client.preferred_language}


def case_label(case: Case, client: Client | None = None) -> str:
    """How lists name a case: its client, or for a supervision session (no client; NASW Std 11)
    the case manager it is about."""
    client = client if client is not None else case.client
    if client is not None:
        return f"{client.first_name} {client.last_name}"
    worker = case.case_manager
    return f"Supervision: {worker.display_name or worker.username}" if worker else "Supervision session"


def task_view(task: HumanTask) -> dict:
    return {"id": task.id, "case_id": task.case_id, "name": task.name, "bpmn_id": task.bpmn_id,
            "lane": task.lane, "assignee": task.assignee.username if task.assignee else None,
            "due_at": iso(task.due_at), "created_at": iso(task.created_at), "form": task.form,
            "purpose": task.purpose, "state": task.state}


def timer_view(timer: Timer) -> dict:
    return {"id": timer.id, "bpmn_id": timer.bpmn_id, "name": timer.name, "kind": timer.kind,
            "purpose": timer.purpose, "due_at": iso(timer.due_at)}


def case_summary(case: Case) -> dict:
    return {
        "id": case.id, "client": client_view(case.client), "stage": case.stage, "status": case.status,
        "program": case.program, "team": case.team,
        "case_manager": case.case_manager.username if case.case_manager else None,
        "supervisor": case.supervisor.username if case.supervisor else None,
        "acuity": case.acuity, "opened_at": iso(case.opened_at), "closed_at": iso(case.closed_at),
        "version": case.lock_version,
    }


def entry_view(entry: RecordEntry) -> dict:
    return {"id": entry.id, "kind": entry.kind, "title": entry.title, "author": entry.author,
            "recorded_at": iso(entry.recorded_at), "signed_at": iso(entry.signed_at),
            "bpmn_id": entry.bpmn_id, "data": entry.data, "corrects": entry.corrects_id}


def entry_views(entries: list[RecordEntry]) -> list[dict]:
    """Entries in order, each saying which later entry corrected it."""
    views = [entry_view(e) for e in entries]
    corrected_by = {v["corrects"]: v["id"] for v in views if v["corrects"]}
    for view in views:
        view["corrected_by"] = corrected_by.get(view["id"])
    return views


def version_view(version: ProcessVersion, running: int) -> dict:
    return {"id": version.model_id, "version": version.version, "name": version.name,
            "deployed_at": iso(version.deployed_at), "deployed_by": version.deployed_by,
            "content_hash": version.content_hash, "running_cases": running,
            "files": [f.filename for f in version.files]}
