"""Firing many due timers with several workers on PostgreSQL.

Seeds --timers cases of tests/processes/reminder.bpmn (each waits one day on a timer)
once, then for each worker count copies that seed into a fresh schema and times
`casepath timers run-due` run by that many processes at once, a day later, from start
to the last exit (process start-up included: that is what a cron'd worker costs). Each
run is checked: every timer fired exactly once.

    python bench/timers.py [--timers 10000] [--workers 1,2,4] [--write]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from common import CLIENT, ROOT, START, TEST_FORMS, TEST_PROCESSES, schema_url, schemas
from report import load, write_section
from sqlalchemy import text

from engine.clock import FixedClock
from engine.definitions.forms import FormCatalog
from engine.facade import CaseEngine
from engine.policy import operator
from engine.store.db import make_engine, session_factory, upgrade
from engine.store.models import Base

LATER = "2026-01-06T10:00:00+00:00"  # a day and an hour after START: every reminder is due


def progress(done: int, total: int, started: float) -> None:
    width = 40
    filled = width * done // total
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(f"\rseeding [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {rate:5.0f} cases/s")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def seed(url: str, count: int) -> None:
    db = make_engine(url)
    upgrade(db)
    engine = CaseEngine(session_factory(db), FixedClock(START), FormCatalog(TEST_FORMS), case_process="reminder")
    engine.processes.deploy_path(operator("bench"), TEST_PROCESSES)
    carol = engine.identity.add_user("carol", "bench-password-1", ["case_manager"], "north")
    started = time.perf_counter()
    for done in range(1, count + 1):
        engine.cases.open_case(carol, CLIENT, model_id="reminder", confirm_new_client=True)
        if done % 100 == 0 or done == count:
            progress(done, count, started)
    db.dispose()


def copy(admin, source: str, target: str) -> None:
    """The seed's rows into a schema migrated the same way (same columns, same order)."""
    db = make_engine(schema_url(target))
    upgrade(db)
    db.dispose()
    with admin.connect() as conn:
        for table in Base.metadata.sorted_tables:
            conn.execute(text(f'INSERT INTO "{target}".{table.name} SELECT * FROM "{source}".{table.name}'))
            for column in table.primary_key.columns:
                if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int
                                                    and len(table.primary_key.columns) == 1):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{target}\".{table.name}', "
                                      f"'{column.name}'), (SELECT COALESCE(max({column.name}), 0) + 1 FROM "
                                      f"\"{target}\".{table.name}), false)"))


def run_workers(url: str, workers: int) -> tuple[float, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": url, "CASEPATH_NOW": LATER, "CASEPATH_ENV": "test",
               "CASEPATH_FORMS_DIR": str(TEST_FORMS), "CASEPATH_INSTANCE_DIR": tmp,
               "CASEPATH_CASE_PROCESS": "reminder", "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "web", "timers", "run-due"], env=env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(workers)]
        outputs = [p.communicate() for p in procs]
        elapsed = time.perf_counter() - started
    for proc, (out, err) in zip(procs, outputs):
        if proc.returncode != 0:
            raise SystemExit(f"a worker failed ({proc.returncode}): {err[-2000:]}")
    # a worker past CASEPATH_TIMER_WORKERS (the cores) stands by: it fires nothing
    return elapsed, [out.split("fired ")[1].split()[0] if "fired " in out else "standby" for out, _ in outputs]


def check(admin, schema: str, count: int) -> None:
    with admin.connect() as conn:
        fired = conn.execute(text(f"SELECT count(*), count(DISTINCT data->>'timer_id') FROM \"{schema}\".audit_events "
                                  f"WHERE kind = 'timer_fired'")).one()
        left = conn.execute(text(f'SELECT count(*) FROM "{schema}".timers')).scalar()
    if tuple(fired) != (count, count) or left != 0:
        raise SystemExit(f"not exactly once: {fired[0]} fired events for {fired[1]} timers, {left} left")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--write", action="store_true", help="write the table into docs/PERFORMANCE.md")
    args = parser.parse_args()
    lines = ["| workers | seconds | timers/s | fired per worker | load average |", "|---|---|---|---|---|"]
    with schemas() as (make, admin):
        template = make()
        seed(schema_url(template), args.timers)
        for workers in (int(n) for n in args.workers.split(",")):
            schema = make()
            copy(admin, template, schema)
            elapsed, fired = run_workers(schema_url(schema), workers)
            check(admin, schema, args.timers)
            lines.append(f"| {workers} | {elapsed:.1f} | {args.timers / elapsed:.0f} | {' + '.join(fired)} | "
                         f"{load()} |")
            print(lines[-1], flush=True)
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(f"{args.timers:,} due timers on PostgreSQL",
                      f"python bench/timers.py --timers {args.timers} --workers {args.workers}",
                      "Each timer fired exactly once (checked after every run); seconds from starting the "
                      "workers to the last exit, process start-up included.\n\n" + table)


if __name__ == "__main__":
    main()
