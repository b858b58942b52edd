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
}


def entry_form(kind: str, form_names) -> str | None:
    """The form an entry of this kind was written with: a direct entry's own form, or the task
    form a completion's entry is named for (None: the engine's own, e.g. a stage change)."""
    if kind in ENTRY_KINDS:
        return ENTRY_KINDS[kind].form
    return kind if kind in form_names else None
