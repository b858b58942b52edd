"""Incidents: cases a timer's or message's step stopped, and trying them again.

A step nobody was waiting on (a timer firing, a message arriving) has nobody to tell
when the diagram's own code fails, so its case stops in `error` with the element, the
reason and the time (Camunda calls this an incident). A supervisor or administrator
fixes the cause (moves the case to a corrected version, or corrects the data the
element read) and retries; until then the case refuses every other step.
"""
from __future__ import annotations

from sqlalchemy import select

from .. import policy
from ..clock import Clock
from ..errors import Conflict, InvalidData
from ..definitions.input_limits import problems_in, reserved_name_problems
from ..policy import Actor, visible_case
from ..runtime.workflow import CaseWorkflow
from ..store.models import Case, Client
from ..store.unit_of_work import Store
from ..views.case_view import CaseViews, incident_of
from ..views.rows import case_label
from .runner import CaseRunner


def may_handle_incidents(actor: Actor) -> bool:
    return policy.supervises(actor) or policy.is_admin(actor)


class IncidentService:
    def __init__(self, store: Store, runner: CaseRunner, views: CaseViews, clock: Clock):
        self.store = store
        self.runner = runner
        self.views = views
        self.clock = clock

    def incidents(self, actor: Actor) -> list[dict]:
        """Cases in error the caller may see, oldest incident first."""
        policy.require(may_handle_incidents(actor), "only supervisors and administrators see incidents")
        with self.store.reading() as uow:
            query = select(Case).outerjoin(Client).where(Case.status == "error")
            visible = policy.case_filter(actor)
            if visible is not None:
                query = query.where(visible)
            rows = uow.session.scalars(query.order_by(Case.error_at, Case.id).limit(500)).unique()
            return [{"case_id": case.id, "client": case_label(case),
                     "stage": case.stage, **incident_of(case),
                     # the page names the element as the diagram does; the API keeps its id too
                     "element_name": self.runner.element_names(uow.session, case.process_version_id)
                     .get(case.error_element_id) if case.error_element_id else None} for case in rows]

    def retry(self, actor: Actor, case_id: int, variables: dict | None = None) -> dict:
        """Run the failed element again; `variables` corrects the data it reads (admin only).

        If it fails again the case keeps its incident (with the new reason) and the
        caller is told; nothing else changes."""
        policy.require(may_handle_incidents(actor), "only supervisors and administrators retry incidents")
        if variables is not None:
            policy.require(policy.is_admin(actor), "only an administrator may correct a case's data")
            if not isinstance(variables, dict):
                raise InvalidData("variables must be an object", [{"field": "variables", "message": "expected an object"}])
            problems = reserved_name_problems(variables, "variables") + problems_in(variables, "variables")
            if problems:
                raise InvalidData("the correction cannot be applied", problems)
        with self.store.transaction() as uow:
            case = visible_case(uow, actor, case_id)
            case = uow.lock_case(case.id)
            if case.status != "error":
                raise Conflict(f"case {case.id} has no incident to retry (it is {case.status})")
            element, reason = case.error_element_id, case.error
            case.status, case.error, case.error_element_id, case.error_at = "active", None, None, None
            uow.audit(case.id, actor.username, "incident_retried",
                      f"{actor.username} retried '{element}' (it had failed: {reason})", element,
                      data={"element_id": element, "corrected": sorted(variables or {})})

            def step(workflow: CaseWorkflow) -> None:
                workflow.retry_failed(variables)

            workflow = self.runner.run(uow, case, actor.username, step, retrying=True)
            return self.views.case_view(uow, case, workflow.active_element_ids())
