"""The case as the API returns it: summary, where its workflow stands, open tasks,
waiting timers, consents on file and the cases linked to it."""
from __future__ import annotations

from ..clock import Clock
from ..definitions.forms import FormCatalog
from ..definitions import record_rules
from ..definitions.record_kinds import rule_entry_kinds
from ..store.models import Case, ProcessVersion
from ..store.unit_of_work import UnitOfWork
from .rows import case_summary, entry_views, task_view, timer_view


def incident_of(case: Case) -> dict | None:
    """A stopped case's incident (shared/API.md): the element, the reason, and when."""
    if case.status != "error":
        return None
    return {"element_id": case.error_element_id, "message": case.error,
            "at": case.error_at.isoformat() if case.error_at else None}


class CaseViews:
    def __init__(self, forms: FormCatalog, clock: Clock):
        self.forms = forms
        self.clock = clock
        self._versions: dict[int, tuple[str, int]] = {}
        self._rule_kinds: tuple[int, list[str]] | None = None  # id -> (model, number); versions never change

    def version_of(self, uow: UnitOfWork, version_id: int) -> tuple[str, int]:
        if version_id not in self._versions:
            row = uow.session.get(ProcessVersion, version_id)
            self._versions[version_id] = (row.model_id, row.version)
        return self._versions[version_id]

    def rule_kinds(self) -> list[str]:
        """The record entry kinds the record rules read (the forms never change while running)."""
        if self._rule_kinds is None or self._rule_kinds[0] != self.forms.revision:
            self._rule_kinds = (self.forms.revision, rule_entry_kinds(self.forms))
        return self._rule_kinds[1]

    def release_entries(self, uow: UnitOfWork, case_id: int) -> list[dict]:
        """Only the entries the record rules read (releases, their revocation, the plan's goals):
        the record grows with every contact, and reading all of it on each step would make a
        long case slower with time."""
        kinds = self.rule_kinds()
        return entry_views(uow.record_entries(case_id, kinds)) if kinds else []

    def case_context(self, uow: UnitOfWork, case: Case) -> dict:
        """The case from its rows alone, without loading its workflow: who it is, its open
        tasks, waiting timers and consents (what a task's page shows beside the form)."""
        view = case_summary(case)
        view.update({
            "tasks": [task_view(t) for t in uow.open_tasks(case.id)],
            "timers": [timer_view(t) for t in uow.timers(case.id)],
            "consents": record_rules.releases_on_file(self.release_entries(uow, case.id), self.clock.now().date()),
        })
        return view

    def case_view(self, uow: UnitOfWork, case: Case, active_elements: list[str]) -> dict:
        """The case context plus where its workflow stands and the cases linked to it."""
        view = self.case_context(uow, case)
        model, number = self.version_of(uow, case.process_version_id)
        view.update({
            "error": incident_of(case),
            "process": {"model": model, "version": number, "active_elements": active_elements},
            "previous_case_id": case.previous_case_id,
            "next_case_id": uow.next_case_id(case.id),
        })
        return view
