"""The client's complete record as one JSON document (NASW Std 10: what a case record must hold).

Client and case, every signed entry with the corrections beside the entries they correct, the
current plan with its goals and tasks, the outcome of each goal at closure, the consents on file,
the work done on the case (tasks opened and completed) and a summary of its audit trail. Built
from rows a unit of work read; who may see it and who it goes to are the service's business.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from ..definitions import record_rules
from ..store.models import AuditEvent, Case, HumanTask
from ..views.case_page import current_plan
from ..views.rows import case_summary, client_view, entry_views, iso

FORMAT_VERSION = 1


def goal_outcomes(entries: list[dict]) -> dict[str, str]:
    """Each goal's outcome at closure (`goal_outcomes` of the closure form: met, partly_met,
    not_met), keyed by the goal's words; a later closure entry (a correction) wins."""
    outcomes: dict[str, str] = {}
    for entry in entries:
        if entry.get("corrected_by"):
            continue
        for row in (entry.get("data") or {}).get("goal_outcomes") or []:
            if isinstance(row, dict) and row.get("goal"):
                outcomes[" ".join(str(row["goal"]).split()).casefold()] = row.get("outcome")
    return outcomes


def _work(tasks: list[HumanTask]) -> list[dict]:
    return [{"name": t.name, "bpmn_id": t.bpmn_id, "lane": t.lane, "state": t.state,
             "assignee": t.assignee.username if t.assignee else None, "created_at": iso(t.created_at),
             "due_at": iso(t.due_at), "completed_at": iso(t.completed_at), "completed_by": t.completed_by}
            for t in tasks]


def audit_summary(events: list[AuditEvent]) -> dict:
    """What happened to the record, in counts, and who read and received it: the full trail stays
    in the agency (GET /api/cases/{id}/audit); a recipient learns how the record was kept."""
    kinds = Counter(e.kind for e in events)
    disclosures = [{"at": iso(e.at), "by": e.actor, "to": (e.data or {}).get("to"),
                    "format": (e.data or {}).get("format")} for e in events if e.kind == "record_disclosed"]
    return {"events": len(events), "first_at": iso(events[0].at) if events else None,
            "last_at": iso(events[-1].at) if events else None, "by_kind": dict(sorted(kinds.items())),
            "readers": sorted({e.actor for e in events if e.kind == "record_read"}),
            "disclosures": disclosures}


def complete_record(case: Case, entries: list, tasks: list[HumanTask], events: list[AuditEvent],
                    purposes: dict[str, str], today: date, now: datetime, recipient: str | None) -> dict:
    views = entry_views(entries)
    plan = current_plan(views, purposes)
    outcomes = goal_outcomes([e for e in views if (e.get("data") or {}).get("goal_outcomes")])
    goals = []
    for goal in ((plan or {}).get("data") or {}).get("goals") or []:
        key = " ".join(str(goal.get("goal", "")).split()).casefold()
        goals.append({**goal, "outcome": outcomes.get(key)})
    summary = case_summary(case)
    summary.pop("client")
    summary.pop("version")
    return {
        "format": "casepath-record", "format_version": FORMAT_VERSION,
        "exported_at": iso(now), "recipient": recipient,
        "client": {"id": case.client_id, **client_view(case.client)},
        "case": {**summary, "previous_case_id": case.previous_case_id},
        "entries": views,
        "plan": ({"entry_id": plan["id"], "status": plan["status"], "signed_at": plan["signed_at"],
                  "author": plan["author"], "data": plan["data"],
                  "decision": ({"by": plan["decision"]["author"], "at": plan["decision"]["recorded_at"],
                                "data": plan["decision"]["data"]} if plan["decision"] else None)}
                 if plan else None),
        "goals": goals,
        "tasks": list(((plan or {}).get("data") or {}).get("tasks") or []),
        "consents": record_rules.releases_on_file(views, today),
        "work": _work(tasks),
        "audit": audit_summary(events),
    }
