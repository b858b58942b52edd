"""Hash chains over the audit trail and the signed record: tampering shows.

Each case's audit events form one chain and its record entries another; events that
belong to no case (sign-ins, deploys) form one more. Every row carries the SHA-256 of
its content and of the row before it in its chain, so a row changed or removed by
plain SQL breaks the link after it, and `casepath audit verify` names the first break.
(NASW Std 10: entries dated, signed and unalterable; HIPAA §164.312(c): integrity
controls.) The database also refuses UPDATE and DELETE on both tables (migration 0006):
the chain is what catches someone who got past that too.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from .models import AuditEvent, Case, RecordEntry

GENESIS = "0" * 64
# PostgreSQL advisory-lock class for appending to the chains of events of no case (a case's
# chains are guarded by its row lock). The key includes the schema, so two casepath databases
# in one server never wait on each other.
_LOCK_CLASS = 71000


def _instant(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def audit_content(row) -> list:
    return [row.case_id, _instant(row.at), row.actor, row.kind, row.bpmn_id, row.message, row.data]


def entry_content(row) -> list:
    return [row.case_id, row.kind, row.title, row.author, _instant(row.recorded_at), _instant(row.signed_at),
            row.bpmn_id, row.data, row.corrects_id]


CONTENT = {"audit_events": audit_content, "record_entries": entry_content}
MODELS = {"audit_events": AuditEvent, "record_entries": RecordEntry}


def digest(table: str, previous: str, row) -> str:
    return hashlib.sha256((previous + _canonical(CONTENT[table](row))).encode()).hexdigest()


HEAD_COLUMNS = {"audit_events": "audit_head", "record_entries": "record_head"}


class Chains:
    """The heads of the chains one unit of work appends to (each read once, then kept).

    A case's heads live on its row (cases.audit_head, cases.record_head), so the row lock a
    step takes anyway serializes appends and no chain is read. A case the unit of work holds
    (locked or new, see `hold`) gets its heads written with its own UPDATE; for any other
    case the row is locked when its chain is first touched and the heads are written by
    `write_heads` before commit. Events of no case keep an advisory lock and read their tail."""

    def __init__(self, session: Session, is_postgres: bool):
        self.session = session
        self.is_postgres = is_postgres
        self._heads: dict[tuple[str, int | None], str] = {}
        self._held: dict[int, Case] = {}
        self._unheld: dict[int, dict[str, str]] = {}  # case id -> head column -> hash, to write
        self._locked: set[int | None] = set()

    def hold(self, case: Case) -> None:
        """The unit of work holds this case's row (locked, or inserted by it): keep heads on it."""
        self._held[case.id] = case
        self._unheld.pop(case.id, None)
        for table, column in HEAD_COLUMNS.items():  # heads moved earlier in this unit of work win
            if (table, case.id) in self._heads:
                setattr(case, column, self._heads[(table, case.id)])

    def seal(self, table: str, row) -> None:
        """Link a new row to the head of its chain (call before it is flushed)."""
        key = (table, row.case_id)
        previous = self._heads.get(key)
        if previous is None:
            previous = self._read_head(table, row.case_id)
        row.prev_hash = previous
        row.entry_hash = digest(table, previous, row)
        self._heads[key] = row.entry_hash
        if row.case_id is not None:
            column = HEAD_COLUMNS[table]
            case = self._held.get(row.case_id)
            if case is not None:
                setattr(case, column, row.entry_hash)
            else:
                self._unheld.setdefault(row.case_id, {})[column] = row.entry_hash

    def write_heads(self) -> None:
        """Store the heads of chains of cases the unit of work does not hold (before commit)."""
        for case_id, heads in self._unheld.items():
            self.session.execute(update(Case.__table__).where(Case.__table__.c.id == case_id).values(**heads))
        self._unheld.clear()

    def _read_head(self, table: str, case_id: int | None) -> str:
        if case_id is None:
            return self._tail_of_caseless_chain(table)
        case = self._held.get(case_id)
        if case is not None:
            head = getattr(case, HEAD_COLUMNS[table])
        else:
            query = select(Case.audit_head, Case.record_head).where(Case.id == case_id)
            if self.is_postgres:  # the row guards its heads; SQLite runs one writer at a time
                query = query.with_for_update()
            with self.session.no_autoflush:
                row = self.session.execute(query).one_or_none()
            heads = {"audit_events": row.audit_head, "record_entries": row.record_head} if row else {}
            for other, value in heads.items():
                if value is not None:
                    self._heads.setdefault((other, case_id), value)
            head = heads.get(table)
        return head if head is not None else self._tail(table, case_id)

    def _tail_of_caseless_chain(self, table: str) -> str:
        if self.is_postgres and None not in self._locked:  # SQLite runs one writer at a time (BEGIN IMMEDIATE)
            self.session.execute(text("SELECT pg_advisory_xact_lock(:kind, hashtext(current_schema() || ':' "
                                      "|| CAST(:chain AS text)))"), {"kind": _LOCK_CLASS, "chain": 0})
            self._locked.add(None)
        return self._tail(table, None)

    def _tail(self, table: str, case_id: int | None) -> str:
        """The hash of a chain's last row (a case whose row carries no head yet, or no case)."""
        model = MODELS[table]
        where = model.case_id == case_id if case_id is not None else model.case_id.is_(None)
        with self.session.no_autoflush:  # rows of this chain added earlier are already counted
            head = self.session.scalar(select(model.entry_hash).where(where).order_by(model.id.desc()).limit(1))
        return head or GENESIS


@dataclass
class Break:
    table: str
    row_id: int
    case_id: int | None
    reason: str

    def __str__(self) -> str:
        chain = f"case {self.case_id}" if self.case_id is not None else "events of no case"
        return f"{self.table} row {self.row_id} ({chain}): {self.reason}"


def verify(session: Session) -> tuple[int, list[Break]]:
    """Walk every chain; return how many rows were checked and the first break of each chain."""
    checked, breaks = 0, []
    for table, model in MODELS.items():
        heads: dict[int | None, tuple[str, int | None]] = {}
        broken: set[int | None] = set()
        rows = session.execute(select(model).order_by(model.id).execution_options(yield_per=2000)).scalars()
        for row in rows:
            checked += 1
            if row.case_id in broken:
                continue
            previous, previous_id = heads.get(row.case_id, (GENESIS, None))
            reason = None
            if row.entry_hash is None:
                reason = "it carries no hash"
            elif row.prev_hash != previous:
                reason = (f"it does not follow row {previous_id}: a row before it was changed or removed"
                          if previous_id is not None else "it does not start its chain: rows before it were removed")
            elif digest(table, previous, row) != row.entry_hash:
                reason = "its content does not match its hash: it was changed after it was written"
            if reason:
                breaks.append(Break(table, row.id, row.case_id, reason))
                broken.add(row.case_id)
                continue
            heads[row.case_id] = (row.entry_hash, row.id)
    return checked, breaks
