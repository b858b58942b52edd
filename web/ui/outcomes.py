"""What the page says after a task is completed: what the step decided and who is next.

"“Screen the referral” is complete and signed by you. Screening complete: eligible.
Next: Engagement, waiting for a case manager of team north." The engine reports the
outcome (stages, decision tables' outputs); this module only puts it into words.
"""
from __future__ import annotations

from ..template_helpers import label


def decided(decisions: list[dict]) -> str:
    """A decision in a few words: its yes/no outputs ("eligible", "not eligible"), else its
    first output ("acuity medium")."""
    words = []
    for decision in decisions:
        outputs = decision.get("outputs") or {}
        flags = [(name, value) for name, value in outputs.items() if isinstance(value, bool)]
        if flags:
            words += [name.lower() if value else f"not {name.lower()}" for name, value in flags]
        elif outputs:
            name, value = next(iter(outputs.items()))
            words.append(f"{name.lower()} {value}")
    return ", ".join(words)


def _holder(task: dict, case: dict) -> str:
    if task.get("assignee"):
        return f"with {task['assignee']}"
    if task.get("lane") == "case_manager" and case.get("case_manager"):
        return f"with {case['case_manager']}"
    role = label(task.get("lane")).lower() or "colleague"
    team = f" of team {case['team']}" if case.get("team") else ""
    return f"waiting for {'an' if role[0] in 'aeiou' else 'a'} {role}{team}"


def completion_message(task_name: str, result: dict, username: str) -> str:
    message = f"“{task_name}” is complete and signed by you."
    outcome = result.get("outcome") or {}
    case, next_tasks = result.get("case") or {}, result.get("next_tasks") or []
    decision = decided(outcome.get("decisions") or [])
    moved = outcome.get("stage") and outcome.get("stage") != outcome.get("stage_before")
    if moved:
        message += f" {label(outcome['stage_before'])} complete" + (f": {decision}." if decision else ".")
        message += f" Next: {label(outcome['stage'])}"
        message += f", {_holder(next_tasks[0], case)}." if next_tasks else "."
    elif decision:
        message += f" Decided: {decision}."
    mine = [t for t in next_tasks if t.get("assignee") == username]
    if mine:
        message += f" Next for you: “{mine[0]['name']}”."
    if outcome.get("case_visible") is False:
        message += f" Case #{case.get('id')} has moved on and is no longer in your view."
    return message
