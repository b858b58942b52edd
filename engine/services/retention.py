"""Retention and disposal of closed records (NASW Std 10: records kept for the period policy and
law set, then disposed of; AAA: secure, limited-access records).

A program has a retention period in days after closure. A finished case past it is listed for
disposal. Disposal takes two people: a case manager or an administrator requests it (recorded as a
`disposal_requested` event in the case's audit chain), and a supervisor who is not the requester
approves it, which disposes of it at once, unless a legal hold is in force. Disposal removes the case's signed record, its audit trail (reads and
disclosures too), its tasks, timers and workflow state, and the client's name and birth date
when no other case of theirs remains. What stays is a tombstone: the case row (number, program,
team, dates; status `disposed`), a record_disposals row with the approver and the last hashes of
the two chains, and a `record_disposed` event in the audit chain of events of no case.

Why whole chains and not a marker row: the chains are per case, so removing a case's chains
entire leaves every other chain intact and `casepath audit verify` passing, while the content is
really gone (a marker in an append-only chain would keep what policy says must be destroyed).
The database allows the DELETE only for a case with an approved disposal (migration 0008).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from .. import policy
from ..clock import Clock
from ..errors import Conflict, Forbidden, InvalidData, NotFound
from ..policy import Actor, visible_case
from ..store.models import (AuditEvent, Case, Client, FormDraft, HumanTask, LegalHold, Program, RecordDisposal,
                            RecordEntry, TaskDelegation, TaskFollowUp, Timer, WorkflowState)
from ..store.unit_of_work import Store
from ..views.rows import iso

DISPOSED = "disposed"


def _hold_view(hold: LegalHold) -> dict:
    return {"id": hold.id, "case_id": hold.case_id, "reason": hold.reason, "placed_by": hold.placed_by,
            "placed_at": iso(hold.placed_at), "lifted_by": hold.lifted_by, "lifted_at": iso(hold.lifted_at)}


class RetentionService:
    def __init__(self, store: Store, clock: Clock):
        self.store = store
        self.clock = clock

    # ------------------------------------------------------------------ periods
    def set_period(self, actor: Actor, program: str, days: int | None) -> dict:
        policy.require(policy.is_admin(actor), "only an administrator sets a program's retention period")
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 36_500):
            raise InvalidData("the retention period is a number of days", [{"field": "retention_days",
                                                                             "message": "1 to 36500 days, or null"}])
        with self.store.transaction() as uow:
            row = uow.session.get(Program, program)
            if row is None:
                raise NotFound(f"no program named '{program}'")
            row.retention_days = days
            uow.audit(None, actor.username, "retention_set", f"records of '{program}' are kept "
                      + (f"{days} days after closure" if days else "without a set period"),
                      data={"program": program, "retention_days": days})
            return {"program": program, "retention_days": days}

    # ------------------------------------------------------------------ what is due
    def due(self, actor: Actor) -> list[dict]:
        """Finished cases past their program's retention period, oldest closure first, each saying
        whether a legal hold keeps it."""
        policy.require(policy.may_dispose(actor), "only supervisors and administrators see records due for disposal")
        now = self.clock.now()
        with self.store.reading() as uow:
            query = (select(Case, Program.retention_days).join(Program, Program.name == Case.program)
                     .where(Case.status == "completed", Case.closed_at.is_not(None),
                            Program.retention_days.is_not(None)))
            visible = policy.case_filter(actor)
            if visible is not None:
                query = query.where(visible)
            holds = {}
            for hold in uow.session.scalars(select(LegalHold).where(LegalHold.lifted_at.is_(None))
                                            .order_by(LegalHold.placed_at)):
                holds.setdefault(hold.case_id, hold)
            found = []
            for case, days in uow.session.execute(query.order_by(Case.closed_at)):
                until = case.closed_at + timedelta(days=days)
                if until <= now:
                    hold = holds.get(case.id)
                    request = self._pending_request(uow, case.id)
                    found.append({"case_id": case.id, "program": case.program, "team": case.team,
                                  "closed_at": iso(case.closed_at), "retention_days": days,
                                  "disposable_since": iso(until), "legal_hold": hold is not None,
                                  "hold_reason": hold.reason if hold else None,
                                  "hold_placed_by": hold.placed_by if hold else None,
                                  "disposal_requested_by": request.actor if request else None,
                                  "disposal_requested_at": iso(request.at) if request else None,
                                  "disposal_request_reason": (request.data or {}).get("reason") if request else None})
            return found

    @staticmethod
    def _pending_request(uow, case_id: int) -> AuditEvent | None:
        """The case's standing disposal request: its last `disposal_requested` event, unless a
        `disposal_request_withdrawn` came after it."""
        event = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.kind.in_(("disposal_requested", "disposal_request_withdrawn")))
            .order_by(AuditEvent.id.desc()).limit(1)).first()
        return event if event is not None and event.kind == "disposal_requested" else None

    # ------------------------------------------------------------------ the request
    def request_disposal(self, actor: Actor, case_id: int, reason: str | None = None) -> dict:
        """A case manager or an administrator asks for a record past its period to be disposed of;
        a supervisor, someone else, approves it (dispose)."""
        policy.require(policy.may_request_disposal(actor),
                       "only a case manager or an administrator requests the disposal of a record")
        reason = _optional_reason(reason)
        now = self.clock.now()
        with self.store.transaction() as uow:
            case = _locked_record(uow, actor, case_id)
            days = self._check_disposable(uow, case, now)
            if self._pending_request(uow, case_id) is not None:
                raise Conflict(f"the disposal of case {case_id} is already requested; a supervisor approves it")
            uow.audit(case_id, actor.username, "disposal_requested",
                      f"{actor.username} requested the disposal of the record" + (f": {reason}" if reason else ""),
                      data={"reason": reason})
            return {"case_id": case_id, "program": case.program, "retention_days": days,
                    "requested_by": actor.username, "requested_at": iso(now), "reason": reason}

    # ------------------------------------------------------------------ legal holds
    def place_hold(self, actor: Actor, case_id: int, reason: str) -> dict:
        policy.require(policy.may_dispose(actor), "only supervisors and administrators place a legal hold")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidData("a legal hold needs its reason", [{"field": "reason", "message": "this field is required"}])
        with self.store.transaction() as uow:
            visible_case(uow, actor, case_id)
            hold = LegalHold(case_id=case_id, reason=reason.strip()[:2000], placed_by=actor.username,
                             placed_at=self.clock.now())
            uow.session.add(hold)
            uow.session.flush()
            uow.audit(case_id, actor.username, "legal_hold_placed", f"{actor.username} placed a legal hold: "
                      f"{hold.reason}", data={"hold_id": hold.id})
            return _hold_view(hold)

    def lift_holds(self, actor: Actor, case_id: int, reason: str | None = None) -> dict:
        policy.require(policy.may_dispose(actor), "only supervisors and administrators lift a legal hold")
        reason = _optional_reason(reason)
        with self.store.transaction() as uow:
            visible_case(uow, actor, case_id)
            holds = list(uow.session.scalars(select(LegalHold).where(LegalHold.case_id == case_id,
                                                                     LegalHold.lifted_at.is_(None))))
            if not holds:
                raise Conflict(f"case {case_id} has no legal hold in force")
            for hold in holds:
                hold.lifted_by, hold.lifted_at = actor.username, self.clock.now()
            uow.audit(case_id, actor.username, "legal_hold_lifted", f"{actor.username} lifted the legal hold"
                      + (f": {reason}" if reason else ""), data={"hold_ids": [h.id for h in holds], "reason": reason})
            return {"lifted": len(holds)}

    # ------------------------------------------------------------------ disposal
    def dispose(self, actor: Actor, case_id: int) -> dict:
        """A supervisor's approval of someone else's request disposes of a record past its retention
        period; nothing else does."""
        policy.require(policy.may_approve_disposal(actor), "only a supervisor approves a disposal")
        now = self.clock.now()
        with self.store.transaction() as uow:
            case = _locked_record(uow, actor, case_id)
            days = self._check_disposable(uow, case, now)
            request = self._pending_request(uow, case_id)
            if request is None:
                raise Conflict(f"the disposal of case {case_id} has not been requested; a case manager or an "
                               f"administrator requests it, then a supervisor approves it")
            if request.actor == actor.username:
                raise Forbidden(f"{actor.username} requested this disposal; another supervisor approves it")
            uow.session.expunge(request)  # its row goes with the case's audit chain below
            tombstone = self._tombstone(uow, actor, case, days, now)
            self._remove(uow, case)
            uow.audit(None, actor.username, "record_disposed",
                      f"{actor.username} approved the disposal of case {case_id}'s record "
                      f"({tombstone.entries_disposed} entries, {tombstone.events_disposed} audit events)",
                      data={"case_id": case_id, "program": case.program, "closed_at": iso(case.closed_at),
                            "requested_by": request.actor, "requested_at": iso(request.at),
                            "retention_days": days, "record_head": tombstone.record_head,
                            "audit_head": tombstone.audit_head, "entries": tombstone.entries_disposed,
                            "events": tombstone.events_disposed})
            return {**self.tombstone_view(tombstone), "requested_by": request.actor,
                    "requested_at": iso(request.at)}

    def _check_disposable(self, uow, case: Case, now) -> int:
        """Refuse what may not be disposed of (a legal hold, an unfinished case, no period, a period
        not yet run out); the program's period in days otherwise."""
        case_id = case.id
        holds = list(uow.session.scalars(select(LegalHold).where(LegalHold.case_id == case_id,
                                                                 LegalHold.lifted_at.is_(None))))
        if holds:
            raise Conflict(f"case {case_id} is under a legal hold ({holds[0].reason}, placed by "
                           f"{holds[0].placed_by}); it cannot be disposed of until the hold is lifted")
        days = uow.session.scalar(select(Program.retention_days).where(Program.name == case.program))
        if case.status != "completed" or case.closed_at is None:
            raise Conflict(f"case {case_id} is not finished; only closed records are disposed of")
        if days is None:
            raise Conflict(f"case {case_id}'s program has no retention period; nothing is disposed of "
                           f"without one")
        if case.closed_at + timedelta(days=days) > now:
            raise Forbidden(f"case {case_id} is kept until {(case.closed_at + timedelta(days=days)).date()} "
                            f"({days} days after closure)")
        return days

    @staticmethod
    def _tombstone(uow, actor: Actor, case: Case, days: int, now) -> RecordDisposal:
        def head_and_count(model):
            count = uow.session.scalar(select(func.count()).select_from(model).where(model.case_id == case.id))
            head = uow.session.scalar(select(model.entry_hash).where(model.case_id == case.id)
                                      .order_by(model.id.desc()).limit(1))
            return head, count
        record_head, entries = head_and_count(RecordEntry)
        audit_head, events = head_and_count(AuditEvent)
        row = RecordDisposal(case_id=case.id, program=case.program, closed_at=case.closed_at, retention_days=days,
                             approved_by=actor.username, approved_at=now, entries_disposed=entries,
                             events_disposed=events, record_head=record_head, audit_head=audit_head)
        uow.session.add(row)
        uow.session.flush()  # the triggers read it: the deletes below are allowed only after it
        return row

    @staticmethod
    def _remove(uow, case: Case) -> None:
        session = uow.session
        task_ids = select(HumanTask.id).where(HumanTask.case_id == case.id).scalar_subquery()
        for model in (FormDraft, TaskFollowUp, TaskDelegation):
            session.execute(delete(model).where(model.task_id.in_(task_ids)), execution_options={"synchronize_session": False})
        for model in (HumanTask, Timer, WorkflowState, AuditEvent, RecordEntry):
            session.execute(delete(model).where(model.case_id == case.id), execution_options={"synchronize_session": False})
        others = session.scalar(select(func.count()).select_from(Case).where(
            Case.client_id == case.client_id, Case.id != case.id, Case.status != DISPOSED))
        if not others and case.client_id is not None:  # the client's identity goes with their last record
            client = session.get(Client, case.client_id)
            client.first_name, client.last_name, client.birth_date, client.preferred_language = \
                "[disposed]", "[disposed]", None, None
        case.status = DISPOSED
        case.case_manager_id = case.supervisor_id = None
        case.error = case.error_element_id = None
        case.lock_version = (case.lock_version or 0) + 1
        case.updated_at = uow.clock.now()

    @staticmethod
    def tombstone_view(row: RecordDisposal) -> dict:
        return {"case_id": row.case_id, "program": row.program, "closed_at": iso(row.closed_at),
                "retention_days": row.retention_days, "approved_by": row.approved_by,
                "approved_at": iso(row.approved_at), "entries_disposed": row.entries_disposed,
                "events_disposed": row.events_disposed, "record_head": row.record_head,
                "audit_head": row.audit_head}


def _optional_reason(reason) -> str | None:
    """A reason someone may give (text, at most 2,000 characters kept), or None."""
    if reason is not None and not isinstance(reason, str):
        raise InvalidData("the reason is text", [{"field": "reason", "message": "text, or leave it out"}])
    return (reason or "").strip()[:2000] or None


def _locked_record(uow, actor: Actor, case_id: int):
    """The case whose record is asked about, locked; not found if disposed of or out of sight."""
    case = uow.lock_case(case_id)
    if case is None or case.status == DISPOSED or not policy.can_see_case(actor, case):
        raise NotFound(f"case {case_id} not found")
    return case
