"""Claiming cases with due timers, so several workers fire disjoint batches.

On PostgreSQL a worker claims a batch of cases with a session advisory lock per case, taken
in the claim query itself (`pg_try_advisory_lock`, the way SKIP LOCKED skips rows): a case
another worker has claimed is skipped, so two workers never walk the same batch. The locks
live on a connection of their own that runs no transaction, so the short transaction that
fires each case (on another connection) neither waits on them nor holds them; they are
released after each batch, and by PostgreSQL itself if the worker dies. Exactly-once does
not rest on the claim: each case is still fired under its row lock with its timers re-read.
SQLite runs one writer at a time and has no such locks: the claim is a plain read there.

Workers past the cores do not help: on PostgreSQL a worker first takes one of `slots` worker
slots (another advisory lock class) and fires nothing without one, so a third and fourth worker
on a two-core machine stand by instead of taking CPU from the two that fire (`busy`).
"""
from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from .models import Case, Timer

if TYPE_CHECKING:
    from .unit_of_work import Store


def _due_cases(now: datetime, skip: set[int]):
    """Active cases with a timer due by `now`, soonest first."""
    due = (select(Timer.case_id, func.min(Timer.due_at).label("due_at")).where(Timer.due_at <= now)
           .group_by(Timer.case_id).subquery())
    query = (select(Case.id).join(due, due.c.case_id == Case.id).where(Case.status == "active")
             .order_by(due.c.due_at, Case.id))
    if skip:
        query = query.where(Case.id.not_in(skip))
    return query


class TimerClaims:
    def __init__(self, store: Store, connection: Connection | None, slots: int | None = None):
        self.store = store
        self.connection = connection  # PostgreSQL: the claims' own connection (autocommit)
        self._lock_class = None
        self._claimed: list[int] = []
        self.busy = False  # every worker slot was taken: this worker stands by
        if connection is not None:  # lock classes per schema: two databases in one server never meet
            self._lock_class, slot_class = connection.execute(text(
                "SELECT hashtext(current_schema() || ' timer claims'), "
                "hashtext(current_schema() || ' timer worker slots')")).one()
            if slots is not None:
                # Try the slots in a random order: workers starting together rarely try the same one.
                taken = connection.scalar(text(
                    "SELECT slot FROM (SELECT slot FROM generate_series(1, :slots) AS slot ORDER BY random() "
                    "OFFSET 0) AS free WHERE pg_try_advisory_lock(CAST(:class AS integer), slot) LIMIT 1"),
                    {"slots": slots, "class": slot_class})
                self.busy = taken is None

    def claim(self, now: datetime, limit: int, skip: set[int]) -> list[int]:
        """Up to `limit` cases with due timers, soonest first, none claimed by another worker
        (PostgreSQL) and none in `skip`. Claims from the previous batch are released first."""
        if self.connection is None:
            with self.store.reading() as uow:
                return list(uow.session.scalars(_due_cases(now, skip).limit(limit)))
        if self.busy:
            return []
        self.release()
        # OFFSET 0 keeps the lock call outside the sorted candidates: PostgreSQL tries the
        # lock on candidates in order and stops at `limit` claimed, never locking one it skips.
        candidates = _due_cases(now, skip).offset(0).subquery()
        query = (select(candidates.c.id).where(func.pg_try_advisory_lock(self._lock_class, candidates.c.id))
                 .limit(limit))
        self._claimed = list(self.connection.scalars(query))
        return self._claimed

    def release(self) -> None:
        """Release the last batch's claims (the worker slot stays taken until the run ends)."""
        if self.connection is not None and self._claimed:
            self.connection.execute(text("SELECT pg_advisory_unlock(CAST(:class AS integer), id) FROM unnest(CAST(:ids AS integer[])) AS id"),
                                    {"class": self._lock_class, "ids": self._claimed})
            self._claimed = []


@contextlib.contextmanager
def timer_claims(store: Store, slots: int | None = None) -> Iterator[TimerClaims]:
    """Claims for one run; `slots`: at most that many workers fire at once (None: no limit)."""
    if not store.is_postgres:
        yield TimerClaims(store, None)
        return
    engine = store.sessions.kw["bind"].engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        claims = TimerClaims(store, connection, slots)
        try:
            yield claims
        finally:
            # the batch's claims and the worker slot: a pooled connection must not keep them
            connection.execute(text("SELECT pg_advisory_unlock_all()"))
