"""Server time of the browser UI's busiest pages on a large PostgreSQL database.

A few real cases are worked through the shipped lifecycle with the engine (one per
stage: screening, engagement, a plan waiting for approval, monitoring); their rows are
then cloned with SQL (INSERT ... SELECT, 5,000 cases a transaction, a progress bar on stdout)
to --cases cases over 5 teams and 40 case managers, with their template's open tasks (due
dates spread so some are overdue) and timers, --completed-tasks finished tasks of history
(10 a case unless told), and ten record entries and ten audit events per case. Then
the real Flask app serves the pages in-process (test client: no network) and each
request is timed:

    python bench/ui_pages.py [--cases 100000] [--completed-tasks N] [--requests 200] [--explain] [--write]

Figures are server time per page: p50, p95 and max in milliseconds. --write puts the table and
the EXPLAIN (ANALYZE, BUFFERS) plan of each inbox query into docs/PERFORMANCE.md.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import POSTGRES_URL, START, database, percentiles  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from engine.facade import CaseEngine  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.store.db import make_engine, session_factory, upgrade  # noqa: E402
from engine.definitions.forms import FormCatalog  # noqa: E402
from tests.support.lifecycle import PLAN, Story  # noqa: E402
from tests.support.paths import FORMS, PROCESSES  # noqa: E402
from engine.policy import operator

PASSWORD = "bench-password-1"
TEAMS = 5
MANAGERS_PER_TEAM = 8


def build(engine: CaseEngine, clock: FixedClock) -> dict:
    """Users and one real case per stage (the templates the bulk load clones)."""
    people = {"ada": engine.identity.add_user("ada", PASSWORD, ["admin"])}
    for team in range(1, TEAMS + 1):
        people[f"sup{team}"] = engine.identity.add_user(f"sup{team}", PASSWORD, ["supervisor"], f"team{team}")
        people[f"ivy{team}"] = engine.identity.add_user(f"ivy{team}", PASSWORD, ["intake"], f"team{team}")
        for n in range(MANAGERS_PER_TEAM):
            name = f"cm{team}{n}"
            people[name] = engine.identity.add_user(name, PASSWORD, ["case_manager"], f"team{team}")
    # The Story helper speaks of ivy, carol and sam: team 1's intake, first case manager, supervisor.
    cast = {**people, "ivy": people["ivy1"], "carol": people["cm10"], "sam": people["sup1"]}
    screening = Story(engine, cast, clock, confirm_new_client=True)
    engagement = Story(engine, cast, clock, confirm_new_client=True)
    engagement.screen()
    planning = Story(engine, cast, clock, confirm_new_client=True)
    planning.screen(); planning.engage(); planning.assess()
    planning.do("carol", "write_plan", PLAN)
    monitoring = Story(engine, cast, clock, confirm_new_client=True)
    monitoring.to_monitoring()
    return {"people": people, "templates": {"screening": screening.id, "engagement": engagement.id,
                                            "planning": planning.id, "monitoring": monitoring.id}}


# One chunk of cases at a time (:lo..:hi of the whole run's numbering g), so the progress bar
# moves and each transaction stays small. :case0 and :client0 are the largest ids before the chunk:
# the chunk's rows get the next ids (one session inserts them, so the sequence has no gaps).
CHUNK = """
-- clients and cases, spread over teams, case managers, stages and acuity
INSERT INTO clients (first_name, last_name, birth_date, preferred_language, created_at)
SELECT 'Client' || g, (ARRAY['Okafor','Lopez','Kim','Brown','Nguyen','Young','Baker','Reyes','Singh','Haddad'])[1 + g % 10] || g,
       DATE '1935-01-01' + (g % 12000), 'English', :start
FROM generate_series(:lo, :hi - 1) g;

INSERT INTO cases (client_id, program, team, stage, status, case_manager_id, supervisor_id, acuity, opened_by,
                   opened_at, process_version_id, lock_version, updated_at)
SELECT :client0 + 1 + g - :lo, 'Aging services', 'team' || (1 + g % :teams),
       (ARRAY['screening','engagement','planning','monitoring','monitoring','monitoring'])[1 + g % 6],
       'active',
       CASE WHEN g % 6 = 0 THEN NULL ELSE (:managers)[1 + (g % :teams) * :per_team + (g / :teams) % :per_team] END,
       (:supervisors)[1 + g % :teams],
       CASE WHEN g % 6 >= 2 THEN (ARRAY['low','medium','high'])[1 + g % 3] END,
       'bench', :start - make_interval(days => g % 400), :version, 1, :start
FROM generate_series(:lo, :hi - 1) g;

INSERT INTO workflow_states (case_id, state, size, updated_at)
SELECT c.id, w.state, w.size, :start FROM cases c
JOIN template t ON t.stage = c.stage JOIN workflow_states w ON w.case_id = t.case_id
WHERE c.id > :case0;

-- the open tasks of each stage's template, due between 10 days ago and 20 days ahead
INSERT INTO human_tasks (id, case_id, bpmn_id, name, lane, team, form, purpose, state, assignee_id, due_at, created_at,
                         client_sort)
SELECT gen_random_uuid()::text, c.id, h.bpmn_id, h.name, h.lane, c.team, h.form, h.purpose, 'open',
       CASE WHEN h.lane = 'case_manager' THEN c.case_manager_id END,
       :start + make_interval(days => (c.id % 30) - 10), :start - make_interval(days => c.id % 5),
       lower(cl.last_name) || chr(31) || lower(cl.first_name)
FROM cases c JOIN clients cl ON cl.id = c.client_id JOIN template t ON t.stage = c.stage
JOIN human_tasks h ON h.case_id = t.case_id AND h.state = 'open'
WHERE c.id > :case0;

-- history: completed tasks spread over the chunk's cases
INSERT INTO human_tasks (id, case_id, bpmn_id, name, lane, team, form, state, assignee_id, due_at, created_at,
                         completed_at, completed_by)
SELECT gen_random_uuid()::text, :case0 + 1 + (g % (:hi - :lo)),
       (ARRAY['screen_referral','engage_client','assess','write_plan','approve_plan','log_contact'])[1 + g % 6],
       'A finished task', 'case_manager', 'team' || (1 + (:lo + g % (:hi - :lo)) % :teams), 'contact', 'completed',
       NULL, :start - make_interval(days => g % 700), :start - make_interval(days => g % 700 + 3),
       :start - make_interval(days => g % 700), 'bench'
FROM generate_series(1, :completed) g;

-- the template's waiting timers (reassessment, next contact), due over the coming months
INSERT INTO timers (id, case_id, bpmn_id, name, kind, purpose, due_at, created_at, team)
SELECT gen_random_uuid()::text, c.id, x.bpmn_id, x.name, x.kind, x.purpose,
       :start + make_interval(days => (c.id % 90) + 1), :start, c.team
FROM cases c JOIN template t ON t.stage = c.stage JOIN timers x ON x.case_id = t.case_id
WHERE c.id > :case0;

INSERT INTO record_entries (case_id, kind, title, author, recorded_at, signed_at, data)
SELECT c.id, (ARRAY['contact','stage_change','assessment','service_plan','approval'])[1 + k % 5], 'An entry',
       'bench', :start - make_interval(days => k * 7), :start - make_interval(days => k * 7),
       '{"note": "Called the client, services on track."}'
FROM cases c CROSS JOIN generate_series(1, 10) k WHERE c.id > :case0;

INSERT INTO audit_events (case_id, at, actor, kind, message)
SELECT c.id, :start - make_interval(days => k * 7), 'bench', 'task_completed', 'a finished step'
FROM cases c CROSS JOIN generate_series(1, 10) k WHERE c.id > :case0
"""
CHUNK_CASES = 5_000


class Progress:
    """A progress bar on stdout: tqdm's when it is installed, else a plain one."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done, self.started = total, label, 0, time.perf_counter()
        try:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=label, unit=" cases", file=sys.stdout)
        except ImportError:
            self.bar = None
            self.update(0)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        share = self.done / self.total if self.total else 1
        elapsed = time.perf_counter() - self.started
        left = f", {elapsed / share - elapsed:.0f} s left" if 0 < share < 1 else ""
        print(f"\r{self.label} [{'#' * int(share * 30):<30}] {self.done:,}/{self.total:,} "
              f"({elapsed:.0f} s{left})  ", end="", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        else:
            print(flush=True)


def bulk_load(db, built: dict, cases: int, completed: int) -> float:
    started = time.perf_counter()
    people = built["people"]
    managers = [people[f"cm{team}{n}"].id for team in range(1, TEAMS + 1) for n in range(MANAGERS_PER_TEAM)]
    supervisors = [people[f"sup{team}"].id for team in range(1, TEAMS + 1)]
    statements = [s.strip() for s in CHUNK.split(";") if s.strip()]
    statements = ["\n".join(line for line in s.splitlines() if not line.startswith("--")) for s in statements]
    with db.connect() as conn:
        conn.exec_driver_sql("SET synchronous_commit TO off")
        conn.exec_driver_sql("CREATE TEMP TABLE template (stage text, case_id int)")
        for stage, case_id in built["templates"].items():
            conn.execute(text("INSERT INTO template VALUES (:s, :c)"), {"s": stage, "c": case_id})
        version = conn.execute(text("SELECT process_version_id FROM cases WHERE id = :c"),
                               {"c": max(built["templates"].values())}).scalar()
        conn.commit()
        progress = Progress(cases, "seeding")
        for lo in range(0, cases, CHUNK_CASES):
            hi = min(cases, lo + CHUNK_CASES)
            params = {"start": START, "teams": TEAMS, "per_team": MANAGERS_PER_TEAM, "managers": managers,
                      "supervisors": supervisors, "version": version, "lo": lo, "hi": hi,
                      "completed": completed * (hi - lo) // cases,
                      "case0": conn.execute(text("SELECT max(id) FROM cases")).scalar(),
                      "client0": conn.execute(text("SELECT coalesce(max(id), 0) FROM clients")).scalar()}
            for body in statements:
                conn.execute(text(body), {k: v for k, v in params.items() if f":{k}" in body})
            conn.commit()
            progress.update(hi - lo)
        progress.close()
    with db.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - started


class Signed:
    def __init__(self, app, username: str):
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.status_code

    def time(self, path: str, samples: int) -> dict:
        times = []
        for _ in range(samples + 5):
            started = time.perf_counter()
            response = self.client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        stats = percentiles(times[5:])  # the first requests warm caches
        stats["max"] = max(times[5:]) * 1000
        return stats


def pages_to_time(supervisor: Signed, manager: Signed, sample: dict) -> list[tuple[str, Signed, str, bool]]:
    """(label, who, path, is an inbox view): every inbox view, a case page per stage, the dashboard."""
    inbox = [
        ("supervisor: approvals (/inbox)", supervisor, "/inbox"),
        ("supervisor: team", supervisor, "/inbox?tab=team"),
        ("supervisor: team, overdue", supervisor, "/inbox?tab=team&due=overdue"),
        ("supervisor: team, overdue, by client", supervisor, "/inbox?tab=team&due=overdue&sort=client"),
        ("supervisor: team, due soon", supervisor, "/inbox?tab=team&due=soon"),
        ("supervisor: escalations", supervisor, "/inbox?tab=escalations"),
        ("case manager: to do (/inbox)", manager, "/inbox"),
        ("case manager: my tasks", manager, "/inbox?tab=mine"),
        ("case manager: my tasks, overdue", manager, "/inbox?tab=mine&due=overdue"),
        ("case manager: my tasks, due soon", manager, "/inbox?tab=mine&due=soon"),
        ("case manager: unassigned (available)", manager, "/inbox?tab=available"),
        ("case manager: search a client", manager, "/inbox?tab=mine&client=lopez"),
    ]
    return [(label, who, path, True) for label, who, path in inbox] + [
        (f"case page ({stage})", supervisor, f"/cases/{case_id}", False) for stage, case_id in sample.items()] + [
        ("supervisor: /dashboard", supervisor, "/dashboard", False),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--completed-tasks", type=int, default=None, help="default: 10 per case")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print the plan of each inbox view's queries")
    parser.add_argument("--write", action="store_true", help="write the table and plans into docs/PERFORMANCE.md")
    args = parser.parse_args()
    completed = args.completed_tasks if args.completed_tasks is not None else 10 * args.cases
    from web import create_app

    with database("postgresql") as url, tempfile.TemporaryDirectory() as instance:
        db = make_engine(url)
        upgrade(db)
        clock = FixedClock(START)
        engine = CaseEngine(session_factory(db), clock, FormCatalog(FORMS), case_process="case_lifecycle")
        engine.processes.deploy_path(operator("bench"), PROCESSES)
        built = build(engine, clock)
        load_seconds = bulk_load(db, built, args.cases, completed)
        with db.connect() as conn:
            counts = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in ("cases", "human_tasks", "record_entries", "audit_events", "timers")}
            open_tasks = conn.execute(text("SELECT count(*) FROM human_tasks WHERE state = 'open'")).scalar()
            sample = {stage: conn.execute(text(
                "SELECT id FROM cases WHERE stage = :s AND team = 'team1' ORDER BY random() LIMIT 1"),
                {"s": stage}).scalar() for stage in ("screening", "engagement", "planning", "monitoring")}
        data = (f"{counts['cases']:,} cases, {counts['human_tasks'] - open_tasks:,} completed + "
                f"{open_tasks:,} open tasks, {counts['record_entries']:,} record entries, "
                f"{counts['audit_events']:,} audit events, {counts['timers']:,} timers")
        print(f"PostgreSQL ({POSTGRES_URL.split('@')[-1]}): {data}; bulk load {load_seconds:.0f} s")
        app = create_app({"CASEPATH_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": "bench",
                          "CASEPATH_INSTANCE_DIR": instance, "CASEPATH_FORMS_DIR": str(FORMS)}, engine=engine)
        supervisor, manager = Signed(app, "sup1"), Signed(app, "cm13")
        pages = pages_to_time(supervisor, manager, sample)
        header = f"{'page':<40} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        print(header)
        rows = []
        for label, who, path, _ in pages:
            stats = who.time(path, args.requests)
            rows.append((label, path, stats))
            print(f"{label:<40} {args.requests:>5} {stats['p50']:8.1f} {stats['p95']:8.1f} {stats['max']:8.1f}")
        plans = explain(db, [(label, who, path) for label, who, path, inbox in pages if inbox]) \
            if args.explain or args.write else []
        if args.explain:
            for label, path, statement, plan in plans:
                print(f"\n{label} ({path})\n{statement}\n{plan}")
        if args.write:
            from report import write_section

            table = ["| page | path | requests | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|---|"]
            table += [f"| {label} | `{path}` | {args.requests} | {s['p50']:.1f} | {s['p95']:.1f} | {s['max']:.1f} |"
                      for label, path, s in rows]
            explained = ["### Plans of the inbox queries", "",
                         "`EXPLAIN (ANALYZE, BUFFERS)` of each SQL statement on open tasks that an inbox view "
                         "sends (its tab counts, the page of task ids, and their rows), each statement once, "
                         "under the first view that sends it.", ""]
            for label, path, statement, plan in plans:
                explained += [f"#### {label} (`{path}`)", "", "```sql", statement, "```", "", "```", plan, "```", ""]
            write_section(
                f"Inbox, case page and dashboard at {args.cases:,} cases (PostgreSQL)",
                f"python bench/ui_pages.py --cases {args.cases} --requests {args.requests} --write",
                f"Server time per page in-process (Flask test client, no network), signed in as a supervisor "
                f"(sup1) or a case manager (cm13); the first 5 requests of each page warm caches and are not "
                f"counted. Data: {data}; seeded in {load_seconds:.0f} s.\n\n" + "\n".join(table)
                + "\n\n" + "\n".join(explained))
        db.dispose()


def explain(db, views: list[tuple[str, Signed, str]]) -> list[tuple[str, str, str, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT on human_tasks each inbox view sends, each once."""
    captured: list[tuple[str, str, str, dict]] = []
    seen = set()
    current = {}

    def capture(conn, cursor, statement, parameters, context, executemany):
        key = (statement, repr(parameters))
        if (statement.lstrip().upper().startswith("SELECT") and "human_tasks" in statement
                and "EXPLAIN" not in statement and key not in seen):
            seen.add(key)
            captured.append((current["label"], current["path"], statement, parameters))

    event.listen(db, "before_cursor_execute", capture)
    try:
        for label, who, path in views:
            current.update(label=label, path=path)
            who.client.get(path)
    finally:
        event.remove(db, "before_cursor_execute", capture)
    plans = []
    with db.connect() as conn:
        for label, path, statement, parameters in captured:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
            shown = statement
            for name, value in sorted((parameters or {}).items(), key=lambda kv: -len(kv[0])):
                shown = shown.replace(f"%({name})s", repr(value.isoformat() if hasattr(value, "isoformat") else value))
            plans.append((label, path, shown, "\n".join(plan)))
    return plans


if __name__ == "__main__":
    main()
