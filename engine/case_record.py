"""Entries people add to the case record directly, and corrections.

NASW Std 10: the record holds dated contacts, supervision notes, receipts and
disbursements and record releases besides what the workflow writes; every entry
carries its author and time and is immutable once signed. A correction is a new
entry that points at the one it corrects; the original stays as it was.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event

from .models import RecordEntry


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


class RecordEntryImmutable(Exception):
    pass


@event.listens_for(RecordEntry, "before_update")
def _refuse_update(_mapper, _connection, entry: RecordEntry) -> None:
    raise RecordEntryImmutable(f"record entry {entry.id} is signed and cannot change; add a correction instead")


@event.listens_for(RecordEntry, "before_delete")
def _refuse_delete(_mapper, _connection, entry: RecordEntry) -> None:
    raise RecordEntryImmutable(f"record entry {entry.id} is signed and cannot be deleted; add a correction instead")
