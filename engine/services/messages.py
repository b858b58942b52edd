"""Messages to a case: news from outside the diagram (a hospital discharge, a reply).

`POST /api/cases/{id}/messages` delivers a BPMN message to whatever in the case waits
for it: a message catch event, a receive task, an event gateway's branch, a boundary
event or an event subprocess's start. A message nothing waits for is refused by name
(nothing changes); a failure in the step it starts is an incident on the case.
"""
from __future__ import annotations

from ..definitions.input_limits import check_length, problems_in, reserved_name_problems
from ..errors import Conflict, InvalidData
from ..policy import Actor, visible_case
from ..runtime.workflow import CaseWorkflow
from ..store.unit_of_work import Store
from ..views.case_view import CaseViews
from .runner import CaseRunner


def _check(name, payload) -> None:
    problems = []
    if not isinstance(name, str) or not name.strip():
        problems.append({"field": "name", "message": "the message's name is required"})
    else:
        problems += check_length(name, "name", 200)
    if payload is not None and not isinstance(payload, dict):
        problems.append({"field": "payload", "message": "expected an object"})
    elif payload:
        problems += reserved_name_problems(payload, "payload")
        problems += problems_in(payload, "payload")
    if problems:
        raise InvalidData("the message cannot be delivered as given", problems)


class MessageService:
    def __init__(self, store: Store, runner: CaseRunner, views: CaseViews):
        self.store = store
        self.runner = runner
        self.views = views

    def deliver(self, actor: Actor, case_id: int, name: str, payload: dict | None = None) -> dict:
        """Deliver message `name` to the case; the case as it stands afterwards."""
        _check(name, payload)
        with self.store.transaction() as uow:
            case = uow.lock_case(visible_case(uow, actor, case_id).id)
            waiting: list[str] = []

            def step(workflow: CaseWorkflow) -> None:
                if not workflow.catch_message(name, payload):
                    waiting.extend(workflow.waiting_messages())
                    raise Conflict(f"nothing in case {case.id} waits for the message '{name}'"
                                   + (f"; it waits for {', '.join(repr(w) for w in waiting)}" if waiting
                                      else "; it waits for no message"))

            uow.audit(case.id, actor.username, "message_received", f"{actor.username} sent the message '{name}'",
                      data={"message": name, "fields": sorted(payload or {})})
            workflow = self.runner.run(uow, case, actor.username, step)
            return self.views.case_view(uow, case, workflow.active_element_ids())
