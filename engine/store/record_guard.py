"""A signed record entry cannot change or be deleted through the ORM (NASW Std 10:
corrections are new entries that point at the original)."""
from __future__ import annotations

from sqlalchemy import event

from .models import RecordEntry


class RecordEntryImmutable(Exception):
    pass


@event.listens_for(RecordEntry, "before_update")
def _refuse_update(_mapper, _connection, entry: RecordEntry) -> None:
    raise RecordEntryImmutable(f"record entry {entry.id} is signed and cannot change; add a correction instead")


@event.listens_for(RecordEntry, "before_delete")
def _refuse_delete(_mapper, _connection, entry: RecordEntry) -> None:
    raise RecordEntryImmutable(f"record entry {entry.id} is signed and cannot be deleted; add a correction instead")
