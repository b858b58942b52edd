"""The case record people write to directly (contacts, supervision notes, receipts,
releases), corrections, and reading the record and the audit trail.

NASW Std 10: every entry is dated and signed by its author and never changes; a
correction is a new signed entry that points at the original.
"""
from __future__ import annotations

from sqlalchemy import select

from .. import policy
from ..definitions.forms import FormCatalog
from ..clock import Clock
from ..definitions import record_rules, timeliness
from ..definitions.record_kinds import ENTRY_KINDS, entry_form, rule_entry_kinds
from ..definitions.sensitive import withhold
from ..errors import Conflict, Forbidden, InvalidData, NotFound
from ..policy import Actor, visible_case
from ..store import chain
from ..store.models import AuditEvent, RecordEntry
from ..store.unit_of_work import Store
from ..views import late_notes as late_note_rows
from ..views.rows import entry_view, entry_views, iso


# What the access log lists: reads, and releases of the record outside the agency (exports),
# refused ones too (HIPAA §164.528: an accounting of disclosures).
ACCESS_KINDS = {"record_read": "read", "record_disclosed": "disclosed", "record_disclosure_refused": "refused"}


class RecordService:
    def __init__(self, store: Store, forms: FormCatalog, clock: Clock,
                 note_deadline_days: int = timeliness.DEFAULT_NOTE_DEADLINE_DAYS, referrals=None):
        self.store = store
        # NACM (2017): a referral's status written here answers its open follow-up task
        # (a ReferralFollowUpService; None: entries answer no task).
        self.referrals = referrals
        self.forms = forms
        self.clock = clock
        # NASW Std 10: working days (Mon-Fri) after a contact within which its note is signed.
        self.note_deadline_days = note_deadline_days

    def form_of(self, kind: str, bpmn_id: str | None = None) -> str | None:
        return entry_form(kind, self.forms, bpmn_id)

    def entry_forms(self, actor: Actor) -> list[dict]:
        """The entries this person may add to a record, each with its form (for the case page)."""
        return [{"kind": kind, "title": entry_kind.title, "schema": self.forms.get(entry_kind.form).schema,
                 "ui_schema": self.forms.get(entry_kind.form).ui_schema}
                for kind, entry_kind in ENTRY_KINDS.items()
                if entry_kind.form in self.forms and policy.may_write_entry(actor, entry_kind.roles)]

    def correction_form(self, actor: Actor, case_id: int, entry_id: int) -> dict:
        """The entry to correct with its form, after the checks a correction itself makes."""
        with self.store.transaction() as uow:
            case = visible_case(uow, actor, case_id)
            original = self._correctable(uow, actor, case_id, entry_id)
            policy.account_read(uow, actor, case_id, "record entry to correct")
            view = entry_view(original)
            if not policy.may_see_sensitive(actor, case) and withhold(view) != view:
                raise Forbidden("this entry holds details you may not read; its case manager or a "
                                "supervisor can correct it")
            form = self.forms.get(self.form_of(original.kind, original.bpmn_id))
            data = {k: v for k, v in (view["data"] or {}).items() if k != "correction_reason"}
            return {"entry": {**view, "data": data}, "schema": form.schema, "ui_schema": form.ui_schema}

    def _correctable(self, uow, actor: Actor, case_id: int, entry_id: int, need_form: bool = True) -> RecordEntry:
        """The entry, if this person may correct it now (the API lets the validator speak for
        an entry without a form; the page asks `need_form` to offer none)."""
        original = uow.session.get(RecordEntry, entry_id)
        if original is None or original.case_id != case_id:
            raise NotFound(f"record entry {entry_id} not found on case {case_id}")
        if not policy.may_correct(actor, original.author):
            raise Forbidden("only the author or a supervisor may correct an entry")
        corrected_already = uow.session.scalar(select(RecordEntry.id).where(RecordEntry.corrects_id == entry_id))
        if corrected_already:
            raise Conflict(f"entry {entry_id} was already corrected by entry {corrected_already}; "
                           f"correct that one instead")
        if need_form and self.form_of(original.kind, original.bpmn_id) is None:
            raise Conflict(f"entry {entry_id} was written by casepath itself and has no form to correct")
        return original

    def timeline(self, actor: Actor, case_id: int) -> list[dict]:
        with self.store.transaction() as uow:
            case = visible_case(uow, actor, case_id)
            policy.account_read(uow, actor, case_id, "timeline")
            entries = timeliness.annotate(entry_views(uow.record_entries(case_id)), self.note_deadline_days)
            return entries if policy.may_see_sensitive(actor, case) else [withhold(e) for e in entries]

    def late_notes(self, actor: Actor, team: str | None = None, since=None) -> dict:
        """Contact notes signed after the deadline (NASW Std 10: dates and times of contact), the
        latest version of each, with a count per person who signed them. Supervisors see their
        team's; administrators any team's (or all). `since`: notes first signed from then on."""
        policy.require(policy.may_see_dashboard(actor), "late notes are counted for supervisors and administrators")
        if not policy.may_give_work_across_teams(actor):
            team = actor.team
        with self.store.reading() as uow:
            notes = late_note_rows.late_notes(uow.session, timeliness.timed_kinds(self.forms),
                                              self.note_deadline_days, team, since)
        return {"deadline_days": self.note_deadline_days, "team": team, "since": iso(late_note_rows.since_instant(since)),
                "total": len(notes), "by_author": late_note_rows.count_by_author(notes), "notes": notes}

    def add_record_entry(self, actor: Actor, case_id: int, kind: str, data: dict) -> dict:
        """A signed entry written directly to the record: a contact, a supervision note, ..."""
        entry_kind = ENTRY_KINDS.get(kind)
        if entry_kind is None:
            raise InvalidData(f"unknown record entry kind {kind!r}",
                              [{"field": "kind", "message": f"one of: {', '.join(ENTRY_KINDS)}"}])
        policy.require(policy.may_write_entry(actor, entry_kind.roles),
                       f"your role may not add a {entry_kind.title.lower()} to the record")
        self.forms.validate(entry_kind.form, data)
        self._check_time_of_contact(data)
        with self.store.transaction() as uow:
            visible_case(uow, actor, case_id)
            self._check_record_rules(uow, case_id, data)
            # Tasks the entry answers are locked (their case first) before anything is written.
            answering = self.referrals.open_follow_ups(uow, case_id, kind, data) if self.referrals else []
            entry = uow.record(case_id, kind, entry_kind.title, actor.username, data)
            uow.session.flush()
            uow.audit(case_id, actor.username, "record_entry_added",
                      f"{actor.username} added a {entry_kind.title.lower()} to the record",
                      data={"entry_id": entry.id, "kind": kind})
            if data.get("revokes_release_to"):
                self._audit_revocation(uow, actor, case_id, entry)
            if answering:
                self.referrals.answer_follow_ups(uow, actor, entry, answering)
            return entry_view(entry)

    def _release_entries(self, uow, case_id: int) -> list[dict]:
        return entry_views(uow.record_entries(case_id, rule_entry_kinds(self.forms)))

    def _check_record_rules(self, uow, case_id: int, data: dict) -> None:
        """The rules a task's answers meet hold for direct entries too (a release's dates, a
        revocation of a release that is on file): definitions/record_rules.py."""
        if not record_rules.applies_to(data):
            return
        found = record_rules.problems(data, self._release_entries(uow, case_id), self.clock.now().date())
        if found:
            raise InvalidData("the entry breaks a rule of practice; see details", found)

    def _check_time_of_contact(self, data: dict) -> None:
        """NASW Std 10: a contact is dated when it happened, and that cannot be still to come."""
        found = timeliness.occurred_problems(data, self.clock.now())
        if found:
            raise InvalidData("the time of the contact is not possible; see details", found)

    def _audit_revocation(self, uow, actor: Actor, case_id: int, entry: RecordEntry) -> None:
        """NASW Std 10: who took back which consent, and when, stays in the audit trail."""
        recipient = entry.data["revokes_release_to"]
        revoked = [r["entry_id"] for r in record_rules.releases_on_file(self._release_entries(uow, case_id),
                                                                        self.clock.now().date())
                   if r.get("revoked_by_entry") == entry.id]
        uow.audit(case_id, actor.username, "release_revoked",
                  f"{actor.username} recorded that {entry.data['revoked_by']} revoked the release of information "
                  f"for {recipient} on {entry.data['revoked_on']}; nothing more is disclosed to them",
                  data={"entry_id": entry.id, "recipient": recipient, "revoked_entries": sorted(set(revoked))})

    def correct_record_entry(self, actor: Actor, case_id: int, entry_id: int, data: dict, reason: str) -> dict:
        """A correction: a new signed entry pointing at the old one, which stays as it was."""
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidData("a correction needs a reason", [{"field": "reason", "message": "this field is required"}])
        with self.store.transaction() as uow:
            visible_case(uow, actor, case_id)
            original = self._correctable(uow, actor, case_id, entry_id, need_form=False)
            self.forms.validate(self.form_of(original.kind, original.bpmn_id), data)
            self._check_time_of_contact(data)
            entry = uow.record(case_id, original.kind, f"Correction: {original.title}"[:300], actor.username,
                               {**data, "correction_reason": reason.strip()}, original.bpmn_id,
                               corrects_id=original.id)
            uow.session.flush()
            uow.audit(case_id, actor.username, "record_entry_corrected",
                      f"{actor.username} corrected record entry {entry_id}: {reason.strip()}",
                      data={"entry_id": entry.id, "corrects": entry_id})
            return entry_view(entry)

    def verify(self, actor: Actor) -> dict:
        """Walk the hash chains of the audit trail and the record: rows checked, and where each
        broken chain first breaks (engine/store/chain.py)."""
        policy.require(policy.is_admin(actor), "only administrators may verify the audit trail")
        with self.store.reading() as uow:
            checked, breaks = chain.verify(uow.session)
        return {"checked": checked, "breaks": [{"table": b.table, "row_id": b.row_id, "case_id": b.case_id,
                                                "reason": b.reason, "text": str(b)} for b in breaks]}

    def access_log(self, actor: Actor, case_id: int) -> list[dict]:
        """Who read the client's record, what and why, newest first (supervisors and admins)."""
        policy.require(policy.may_read_audit(actor), "only supervisors and administrators may see who read a record")
        with self.store.reading() as uow:
            visible_case(uow, actor, case_id)
            events = uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                                  AuditEvent.kind.in_(ACCESS_KINDS))
                                         .order_by(AuditEvent.id.desc()))
            return [{"at": iso(e.at), "who": e.actor, "what": (e.data or {}).get("what"),
                     "why": (e.data or {}).get("why"), "kind": ACCESS_KINDS[e.kind],
                     "to": (e.data or {}).get("to")} for e in events]

    def audit(self, actor: Actor, case_id: int) -> list[dict]:
        policy.require(policy.may_read_audit(actor), "only supervisors and administrators may read the audit trail")
        with self.store.reading() as uow:
            visible_case(uow, actor, case_id)
            events = uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                         .order_by(AuditEvent.id))
            return [{"id": e.id, "at": iso(e.at), "actor": e.actor, "kind": e.kind, "bpmn_id": e.bpmn_id,
                     "message": e.message, "data": e.data} for e in events]
