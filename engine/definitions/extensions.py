"""What casepath reads from a diagram's own markings.

Pages (case page, inbox, dashboard, simulation) learn what a step means from the
diagram, never from element ids written in code, so an agency's own diagram gets the
same pages as the bundled one. The markings are SpiffWorkflow extension properties
(`<spiffworkflow:property name=... value=...>`), documented in docs/diagram-vocabulary.md:

- `stage`: the case stage an element, or the subprocess around it, belongs to;
- `formJsonSchemaFilename`, `dueIn`: a user task's form and how long it may take;
- `formUiSchemaFilename`: the UI schema file the form is shown with (else the form's own);
- `opensCase`: reaching the element opens a new case on the named model (re-entry);
- `purpose`: what a step is for, one of PURPOSES below.

A diagram without `purpose` falls back to the naming rule in `_PURPOSE_BY_NAME`, which
is how the first lifecycle named its elements, so cases on older versions keep their pages.
"""
from __future__ import annotations

PURPOSES = {
    "approval": "a supervisor's or administrator's decision that gates a transition (the Approvals tab, "
                "the dashboard's waiting approvals)",
    "escalation": "a supervisor is called in because something is overdue or a risk was found",
    "reassessment": "the reassessment task, or the timer that opens it (the dashboard's reassessments due)",
    "plan": "the task whose answers are the service plan (the case page and the client's copy)",
    "contact": "a monitoring contact with the client (the reports' contacts on time and overdue)",
    "finding": "an item a quality review found not met, back with the case manager to fix or acknowledge "
               "(the reports' findings open and closed; AAA quality-assurance review)",
}

# The fallback naming rule: (id prefix or exact id, purpose).
_PURPOSE_BY_NAME = (
    ("approve_", "approval"), ("second_approve_", "approval"),
    ("reassess", "reassessment"), ("reassessment_due", "reassessment"),
    ("write_plan", "plan"), ("revise_plan", "plan"),
    ("log_contact", "contact"), ("log_early_contact", "contact"),
)


def properties(task_spec) -> dict:
    extensions = getattr(task_spec, "extensions", None) or {}
    return extensions.get("properties", {}) or {}


def purpose_of(task_spec) -> str | None:
    declared = properties(task_spec).get("purpose")
    if declared:
        return declared
    return purpose_by_name(getattr(task_spec, "bpmn_id", None))


def purpose_by_name(bpmn_id: str | None) -> str | None:
    if not bpmn_id:
        return None
    for name, purpose in _PURPOSE_BY_NAME:
        if bpmn_id == name or (name.endswith("_") and bpmn_id.startswith(name)):
            return purpose
    return None


def instructions_of(task_spec) -> str | None:
    """The text a person doing the task reads: SpiffArena's instructionsForEndUser, else the
    element's BPMN documentation."""
    extensions = getattr(task_spec, "extensions", None) or {}
    text = extensions.get("instructionsForEndUser") or getattr(task_spec, "documentation", None)
    return text.strip() if isinstance(text, str) and text.strip() else None
