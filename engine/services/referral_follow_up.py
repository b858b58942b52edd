"""Referral follow-through: a task for the case manager when a referral has had no news.

NACM Case Management Practice Standards (2017): referral and linkage, and "evaluate
appropriateness and effectiveness of referrals". A referral is `made` when a form lists it;
once `follow_up_days` (CASEPATH_REFERRAL_FOLLOW_UP_DAYS, 14 by default) pass with no status
on the record (definitions/referral_status.py), the case gets the message
`referral_follow_up_due` with the referral (provider, service, made_on). The lifecycle diagram
catches it on a non-interrupting boundary event of the monitoring stage and opens "Follow up
the referral", answered with the referral status form; the engine names the provider in the
task's name ("Follow up the referral to Meals on Wheels").

Why engine code and not a timer in the diagram: a referral can be made on any form at any
stage, a diagram's scripts cannot read the record, and a referral that got its status before
the day came must open nothing. So, like the quality review's draw, the scheduler asks on its
polls (`open_if_due`: at most once an hour per process) and `open_due` does the work: each
referral opens one follow-up ever (an audit event `referral_follow_up_opened` under the case's
lock is the key), and a case whose diagram waits for no such message (not yet in monitoring,
or an agency's own diagram without it) is left alone until it does.

A status written straight to the record (a `referral_status` entry: the provider rang back)
answers that referral's open follow-up task: `answer_follow_ups`, in the entry's own
transaction, completes the task with the recorded status on the case manager's behalf (the
audit says who recorded it and which entry answered it), so nobody calls a provider twice.
"""
from __future__ import annotations

from sqlalchemy import select

from ..clock import Clock
from ..definitions import referral_status
from ..definitions.forms import FormCatalog
from ..policy import Actor
from ..runtime.workflow import CaseWorkflow, StepEvent
from ..store.models import AuditEvent, Case, HumanTask, RecordEntry
from ..store.unit_of_work import Store, UnitOfWork
from ..views.rows import entry_views
from .runner import CaseRunner

MESSAGE = "referral_follow_up_due"
OPENED = "referral_follow_up_opened"
STATUS_FORM = "record_referral_status"


class _NotWaiting(Exception):
    """The case waits for no follow-up message now: nothing is written."""


class ReferralFollowUpService:
    def __init__(self, store: Store, runner: CaseRunner, forms: FormCatalog, clock: Clock,
                 follow_up_days: int = referral_status.REFERRAL_FOLLOW_UP_DAYS):
        self.store = store
        self.runner = runner
        self.forms = forms
        self.clock = clock
        self.follow_up_days = follow_up_days
        self._last_hour: str | None = None

    def open_if_due(self) -> list[dict]:
        """The scheduler's poll: look for referrals to follow up once an hour (per process)."""
        hour = self.clock.now().strftime("%Y-%m-%dT%H")
        if hour == self._last_hour:
            return []
        opened = self.open_due()
        self._last_hour = hour
        return opened

    def open_due(self) -> list[dict]:
        """Open a follow-up task for each referral without a status after `follow_up_days`, once;
        what was opened: {case_id, provider, made_on, task_id}."""
        with self.store.reading() as uow:
            case_ids = self._cases_with_referrals(uow)
        opened = []
        for case_id in case_ids:
            opened += self._open_for_case(case_id)
        return opened

    def _referral_kinds(self) -> list[str]:
        """Record entry kinds whose form can list referrals, and those that give their status."""
        carrying = [name for name in self.forms.names()
                    if {"referrals", "referred_to"} & set(self.forms.get(name).schema.get("properties", {}))]
        return carrying + list(referral_status.STATUS_KINDS)

    def _cases_with_referrals(self, uow: UnitOfWork) -> list[int]:
        carrying = [k for k in self._referral_kinds() if k not in referral_status.STATUS_KINDS]
        if not carrying:
            return []
        query = (select(RecordEntry.case_id).join(Case, Case.id == RecordEntry.case_id)
                 .where(Case.status == "active", RecordEntry.kind.in_(carrying)).distinct())
        return sorted(uow.session.scalars(query))

    def _open_for_case(self, case_id: int) -> list[dict]:
        try:
            with self.store.transaction() as uow:
                case = uow.lock_case(case_id, with_state=True)
                if case is None or case.status != "active":
                    return []
                due = self._due(uow, case_id)
                return [self._open(uow, case, referral) for referral in due]
        except _NotWaiting:
            return []

    def _due(self, uow: UnitOfWork, case_id: int) -> list[dict]:
        """The case's overdue referrals that have no follow-up yet (read under the case's lock)."""
        entries = entry_views(uow.record_entries(case_id, self._referral_kinds()))
        due = referral_status.follow_ups_due(entries, self.clock.now().date(), self.follow_up_days)
        if not due:
            return []
        opened = {tuple(e.data.get("key") or ()) for e in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == OPENED))}
        return [r for r in due if tuple(referral_status.follow_up_key(r)) not in opened]

    def _open(self, uow: UnitOfWork, case: Case, referral: dict) -> dict:
        provider = str(referral.get("provider") or "").strip()
        payload = {"provider": provider, "service": referral.get("service") or "",
                   "made_on": referral.get("made_on")}
        before = {t.id for t in uow.open_tasks(case.id)}

        def step(workflow: CaseWorkflow) -> None:
            if MESSAGE not in workflow.waiting_messages():
                raise _NotWaiting()
            workflow.catch_message(MESSAGE, payload)

        self.runner.run(uow, case, "engine", step)
        new = [t for t in uow.open_tasks(case.id) if t.id not in before and t.state == "open"]
        for task in new:
            if task.form == STATUS_FORM and provider:
                task.name = f"{task.name} to {provider}"[:300]
        task_id = new[0].id if new else None
        uow.audit(case.id, "engine", OPENED,
                  f"referral to {provider} made {str(referral.get('made_on'))[:10]} has had no status for "
                  f"{self.follow_up_days} days: follow-up opened",
                  new[0].bpmn_id if new else None,
                  {"key": referral_status.follow_up_key(referral), "provider": provider,
                   "made_on": referral.get("made_on"), "task_id": task_id})
        return {"case_id": case.id, "provider": provider, "made_on": referral.get("made_on"), "task_id": task_id}

    # ------------------------------------------------------------ a status on the record answers
    def open_follow_ups(self, uow: UnitOfWork, case_id: int, kind: str, data: dict) -> list[HumanTask]:
        """The open follow-up tasks a status entry (`kind`, `data`) answers: those opened for the
        same provider. Each is locked with its case (the case first), before the entry is written."""
        if kind not in referral_status.STATUS_KINDS or not (data or {}).get("provider"):
            return []
        provider = referral_status.provider_key(data["provider"])
        task_ids = {(e.data or {}).get("task_id") for e in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.kind == OPENED))
            if referral_status.provider_key((e.data or {}).get("provider")) == provider}
        task_ids.discard(None)
        if not task_ids:
            return []
        still_open = sorted(uow.session.scalars(select(HumanTask.id).where(
            HumanTask.id.in_(task_ids), HumanTask.case_id == case_id, HumanTask.state == "open")))
        tasks = [uow.lock_task(task_id) for task_id in still_open]
        return [t for t in tasks if t is not None and t.state == "open"]

    def answer_follow_ups(self, uow: UnitOfWork, actor: Actor, entry: RecordEntry,
                          tasks: list[HumanTask]) -> list[str]:
        """Complete each open follow-up (from `open_follow_ups`) with the status `entry` records,
        on the case manager's behalf; the ids of the tasks answered. A failure in the step after
        the task refuses the entry too (StepFailed: nothing is kept)."""
        answered = []
        data = dict(entry.data or {})
        for task in tasks:
            task.state, task.completed_at, task.completed_by = "completed", self.clock.now(), actor.username
            uow.close_task_leftovers(task.id)

            def step(workflow: CaseWorkflow, task: HumanTask = task) -> None:
                workflow.events.append(StepEvent(
                    "task_completed",
                    f"{actor.username} recorded the referral's status ({data.get('status')}) to the record: "
                    f"'{task.name}' is answered by it", task.bpmn_id,
                    {"task_id": task.id, "entry_id": entry.id, "data": data}))
                workflow.complete_user_task(task.id, data)

            self.runner.run(uow, task.case, actor.username, step, refuse_on_failure=True)
            answered.append(task.id)
        return answered
