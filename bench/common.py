"""Shared set-up for the benchmarks: a fresh database with the test diagrams deployed.

Benchmarks print figures; they assert nothing about time (see the brief:
speed is measured here, never in timed unit tests).
"""
from __future__ import annotations

import contextlib
import inspect
import os
import statistics
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, text

from engine.facade import CaseEngine
from engine.clock import FixedClock
from engine.store.db import make_engine, session_factory, upgrade
from engine.definitions.forms import FormCatalog
from engine.policy import operator

ROOT = Path(__file__).resolve().parent.parent
TEST_PROCESSES = ROOT / "tests" / "processes"
TEST_FORMS = ROOT / "tests" / "forms"
POSTGRES_URL = os.environ.get("CASEPATH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
CLIENT = {"first_name": "Ruth", "last_name": "Okafor", "birth_date": "1948-03-14", "preferred_language": "English"}


def open_again(open_case, actor, client=CLIENT) -> dict:
    """The bench opens one client hundreds of times on purpose, so it confirms each new case
    (engines from before the duplicate check take no such argument)."""
    confirm = {"confirm_new_client": True} if "confirm_new_client" in inspect.signature(open_case).parameters else {}
    return open_case(actor, client, **confirm)


@contextlib.contextmanager
def database(kind: str):
    """Yield a database URL of `kind` ('sqlite' or 'postgresql'), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return
    with schemas() as (make, _admin):
        yield schema_url(make())


def schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def schemas():
    """Make fresh schemas on demand; drop them all afterwards."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    made = []

    def make() -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        return name

    try:
        yield make, admin
    finally:
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def case_engine(kind: str, case_process: str = "monitoring_loop"):
    """A CaseEngine on a fresh database, its clock, and a case manager actor."""
    with database(kind) as url:
        db = make_engine(url)
        upgrade(db)
        clock = FixedClock(START)
        engine = CaseEngine(session_factory(db), clock, FormCatalog(TEST_FORMS), case_process=case_process)
        engine.processes.deploy_path(operator("bench"), TEST_PROCESSES)
        carol = engine.identity.add_user("carol", "bench-password-1", ["case_manager"], "north")
        try:
            yield engine, clock, carol
        finally:
            db.dispose()


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50/p95/mean of samples in seconds, returned in milliseconds."""
    ordered = sorted(samples_s)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": statistics.median(ordered) * 1000, "p95": p95 * 1000,
            "mean": statistics.fmean(ordered) * 1000, "n": len(ordered)}


def fmt(stats: dict[str, float]) -> str:
    return f"p50 {stats['p50']:7.2f} ms   p95 {stats['p95']:7.2f} ms   (n={stats['n']})"
