"""The case page, the case's diagram, and the client's copy of the plan.

Each is one read transaction that gathers what a page needs, so the web layer renders
and never queries the database or SpiffWorkflow itself. What a step means (which
entries are the plan, which are decisions on it) comes from the diagram's markings
(engine/definitions/extensions.py), so an agency's own diagram gets the same page.
"""
from __future__ import annotations

from lxml import etree
from sqlalchemy import func, select

from .. import policy
from ..clock import Clock
from ..definitions.sensitive import withhold
from ..errors import NotFound
from ..policy import Actor, visible_case
from ..services.runner import CaseRunner
from ..definitions import goal_progress, interpreting, record_rules, referral_status, timeliness
from ..definitions.record_kinds import entry_form
from ..store.models import Case, HumanTask, ProcessFile, Timer
from ..store.unit_of_work import Store, UnitOfWork
from ..vocabulary import OVERSIGHT_STAGES, STAGES
from .case_view import CaseViews
from .quality_links import review_links
from .rows import case_summary, entry_views
from .supervision_links import session_of

# The stages a case walks through, in order, for the progress bar.
PROGRESS = [s for s in STAGES if s not in ("closed", "ineligible", "withdrawn") and s not in OVERSIGHT_STAGES]


def stage_progress(stage: str) -> list[dict]:
    """Each stage as done, current or to come (a closed or ineligible case shows where it ended)."""
    if stage == "ineligible":
        return [{"stage": "screening", "state": "done"}, {"stage": "ineligible", "state": "current"}]
    if stage == "withdrawn":  # the client stopped at a stage of their choosing; the record says which
        return [{"stage": "withdrawn", "state": "current"}]
    if stage in OVERSIGHT_STAGES:  # a review or a supervision session, not a step of the cycle
        return [{"stage": stage, "state": "current"}]
    position = PROGRESS.index(stage) if stage in PROGRESS else len(PROGRESS)
    steps = [{"stage": s, "state": "done" if i < position else "current" if i == position else "todo"}
             for i, s in enumerate(PROGRESS)]
    if stage == "closed":
        steps.append({"stage": "closed", "state": "current"})
    return steps


def _defines_process(content: str, model_id: str) -> bool:
    return f'id="{model_id}"' in content and "bpmn" in content[:2000].lower()


class CasePages:
    def __init__(self, store: Store, runner: CaseRunner, views: CaseViews, clock: Clock,
                 note_deadline_days: int = timeliness.DEFAULT_NOTE_DEADLINE_DAYS,
                 referral_follow_up_days: int = referral_status.REFERRAL_FOLLOW_UP_DAYS):
        self.store = store
        self.referral_follow_up_days = referral_follow_up_days
        self.runner = runner
        self.views = views
        self.clock = clock
        self.note_deadline_days = note_deadline_days
        self._parents_by_version: dict[int, dict] = {}

    def purposes(self, uow: UnitOfWork, version_id: int) -> dict[str, str]:
        return self.runner.purposes(uow.session, version_id)

    def case_page(self, actor: Actor, case_id: int) -> dict:
        with self.store.transaction() as uow:
            case = visible_case(uow, actor, case_id)
            policy.account_read(uow, actor, case_id, "case page")
            workflow = self.runner.load(uow, case)
            view = self.views.case_view(uow, case, workflow.active_element_ids())
            # NASW Std 10: each contact note says whether it was signed within the deadline.
            entries = timeliness.annotate(entry_views(uow.record_entries(case_id)), self.note_deadline_days)
            if not policy.may_see_sensitive(actor, case):
                entries = [withhold(e) for e in entries]
            view["timeline"] = list(reversed(entries))
            view["representatives"] = record_rules.representatives_on_file(entries)
            view["note_deadline_days"] = self.note_deadline_days
            # NASW Std 4: professional interpreters rather than family members.
            view["interpreting"] = interpreting.summary(entries)
            view["progress"] = stage_progress(case.stage)
            view["plan"] = current_plan(entries, self.purposes(uow, case.process_version_id))
            view["referrals"] = referral_status.with_status(referral_status.referrals_made(entries), entries,
                                                          self.clock.now().date(), self.referral_follow_up_days)
            view["goals"] = goal_progress.goal_statuses(entries)
            view["can_read_audit"] = policy.may_read_audit(actor)
            names = self.runner.element_names(uow.session, case.process_version_id)
            active = view["process"]["active_elements"]
            # Pages name elements as the diagram does; ids are for the API and the designer.
            view["process"]["name"] = case.process_version.name or view["process"]["model"].replace("_", " ")
            view["process"]["active_names"] = list(dict.fromkeys(names.get(e, "a step") for e in active))
            if view["error"]:
                element = view["error"]["element_id"]
                view["error"]["element_name"] = names.get(element, "a step") if element else None
            view["entry_schemas"], forms = {}, self.views.forms
            for entry in view["timeline"]:
                form = entry["form"] = entry_form(entry["kind"], forms, entry.get("bpmn_id"))
                if form is not None:  # keyed by form: a task's contact and a direct contact differ
                    view["entry_schemas"].setdefault(form, forms.get(form).schema)
                entry["can_correct"] = (form is not None and not entry["corrected_by"]
                                        and policy.may_correct(actor, entry["author"])
                                        and (policy.may_see_sensitive(actor, case) or withhold(entry) == entry))
            view["supervision"] = session_of(uow.session, case.id)  # NASW Std 11: whose session it is
            # A session is no client's record: nothing to export (ExportService refuses too).
            view["can_export"] = case.client_id is not None and policy.may_export_record(actor, case)
            view.update(review_links(uow.session, actor, case.id))
            parents = self._element_parents(uow.session, case)
            view["diagram_parents_active"] = {element: parents.get(element, [])
                                              for element in view["process"]["active_elements"]}
            return view

    def handed_on(self, actor: Actor, case_id: int) -> dict | None:
        """A case this person worked on and may no longer see (intake, once screening hands it
        on): where it went and who has it, so the page can say so instead of "not found".
        Nothing for a case they never worked on: its existence does not leak."""
        with self.store.reading() as uow:
            case = uow.session.get(Case, case_id)
            if case is None or policy.can_see_case(actor, case) or actor.id is None:
                return None
            worked = uow.session.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.completed_by == actor.username))
            if not worked:
                return None
            owner = case.case_manager or case.supervisor
            return {"case_id": case.id, "stage": case.stage,
                    "with": (owner.display_name or owner.username) if owner else None, "team": case.team}

    def _element_parents(self, session, case: Case) -> dict:
        """For each active element, the subprocesses around it (to highlight the stage too)."""
        cache = self._parents_by_version
        if case.process_version_id in cache:  # versions are immutable
            return cache[case.process_version_id]
        content = self._diagram_source(session, case)
        if content is None:
            return {}
        root = etree.fromstring(content.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
        parents = {}
        for element in root.iter():
            element_id = element.get("id")
            if element_id is None:
                continue
            chain, up = [], element.getparent()
            while up is not None:
                if etree.QName(up).localname in ("subProcess", "transaction", "adHocSubProcess"):
                    chain.append(up.get("id"))
                up = up.getparent()
            parents[element_id] = chain
        cache[case.process_version_id] = parents
        return parents

    def _diagram_source(self, session, case: Case) -> str | None:
        version = case.process_version
        for row in session.scalars(select(ProcessFile).where(ProcessFile.version_id == version.id)):
            if row.filename.endswith(".bpmn") and _defines_process(row.content, version.model_id):
                return row.content
        return None

    def case_diagram(self, actor: Actor, case_id: int) -> str:
        """The BPMN XML of the version the case runs on (for the diagram viewer)."""
        with self.store.reading() as uow:
            case = visible_case(uow, actor, case_id)
            content = self._diagram_source(uow.session, case)
            if content is None:
                raise NotFound(f"case {case_id}'s process has no BPMN diagram on file")
            return content

    def client_plan(self, actor: Actor, case_id: int) -> dict:
        """What the client's copy of the service plan shows (Encyclopedia: the written contract)."""
        with self.store.transaction() as uow:
            case = visible_case(uow, actor, case_id)
            policy.account_read(uow, actor, case_id, "client copy of the plan")
            plan = current_plan(entry_views(uow.record_entries(case_id)),
                                self.purposes(uow, case.process_version_id))
            if plan is None:
                raise NotFound(f"case {case_id} has no service plan yet")
            summary = case_summary(case)
            next_reassessment = uow.session.scalar(select(func.min(Timer.due_at)).where(
                Timer.case_id == case_id, Timer.purpose == "reassessment"))
            manager = case.case_manager
            return {"case": summary, "plan": plan, "next_reassessment": next_reassessment,
                    "case_manager": (manager.display_name or manager.username) if manager else None,
                    "printed_at": self.clock.now()}


def current_plan(entries: list[dict], purposes: dict[str, str]) -> dict | None:
    """The latest signed service plan (a correction replaces what it corrects), with the
    latest decision on it: entries of the steps the diagram marks `plan` and `approval`."""
    plans = [e for e in entries if purposes.get(e.get("bpmn_id") or "") == "plan" and not e.get("corrected_by")]
    if not plans:
        return None
    plan = plans[-1]
    decisions = [e for e in entries if purposes.get(e.get("bpmn_id") or "") == "approval"
                 and e["recorded_at"] >= plan["recorded_at"]]
    decision = decisions[-1] if decisions else None
    status = "awaiting approval"
    if decision:
        status = "approved" if decision["data"].get("decision") == "approve" else "returned for revision"
    return {**plan, "status": status, "decision": decision}


