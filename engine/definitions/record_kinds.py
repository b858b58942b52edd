"""Entries people add to the case record directly, besides what the workflow writes.

NASW Std 10: the record holds dated contacts, supervision notes, receipts and
disbursements and record releases; every entry carries its author and time and is
immutable once signed. A correction is a new entry that points at the one it
corrects; the original stays as it was.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntryKind:
    form: str
    title: str
    roles: tuple[str, ...]  # who may write it (admin always may)


ENTRY_KINDS = {
    "contact": EntryKind("record_contact", "Contact", ("case_manager", "supervisor")),
    "supervision_note": EntryKind("record_supervision_note", "Supervision note", ("supervisor",)),
    "financial": EntryKind("record_financial", "Receipt or disbursement", ("case_manager", "supervisor")),
    "record_release": EntryKind("record_release_disclosure", "Record released", ("case_manager", "supervisor")),
    # NASW Std 10 and AAA: written permission to release and obtain information, signed by the
    # client or guardian, can be given, renewed or taken back at any time, not only at engagement.
    "release_of_information": EntryKind("record_release_consent", "Release of information signed",
                                        ("case_manager", "supervisor")),
    "release_revoked": EntryKind("record_release_revocation", "Release of information revoked",
                                 ("case_manager", "supervisor")),
    # NACM (2017): evaluate the appropriateness and effectiveness of referrals.
    "referral_status": EntryKind("record_referral_status", "Referral status", ("case_manager", "supervisor")),
    # NASW 2013 Std 1: who may consent for a client who cannot (a guardian, a proxy), on the record.
    "legal_representative": EntryKind("record_legal_representative", "Guardian or legal representative",
                                      ("case_manager", "supervisor", "intake")),
}

# Top-level answers the record rules read back from earlier entries (definitions/record_rules.py):
# releases put on file or taken back, the plan's goals (closure gives each an outcome), whether
# the client needs an interpreter (screening; each contact then says who interpreted), and who
# may sign for the client (a release signed by a guardian names one).
RULE_ENTRY_FIELDS = ("releases", "revokes_release_to", "goals", "interpreter_needed", "may_sign")


def entry_form(kind: str, form_names, bpmn_id: str | None = None) -> str | None:
    """The form an entry of this kind was written with: the task form a completion's entry is
    named for (it has the step's `bpmn_id`), or a direct entry's own form (None: the engine's own,
    e.g. a stage change). A task's form may share a direct kind's name (the monitoring task's
    `contact` form and the record's `contact` entry): the step decides which form it was."""
    if bpmn_id and kind in form_names:
        return kind
    if kind in ENTRY_KINDS:
        return ENTRY_KINDS[kind].form
    return kind if kind in form_names else None


def rule_entry_kinds(forms) -> list[str]:
    """The record entry kinds the record rules read: task forms with one of RULE_ENTRY_FIELDS
    (entries of a task are named for its form) and direct entries whose form has one."""
    def carries(form_name: str) -> bool:
        return any(f in forms.get(form_name).schema.get("properties", {}) for f in RULE_ENTRY_FIELDS)
    task_kinds = [name for name in forms.names() if carries(name)]
    return task_kinds + [kind for kind, k in ENTRY_KINDS.items() if k.form in forms and carries(k.form)]
