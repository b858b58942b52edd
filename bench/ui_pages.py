"""Server time of the browser UI's busiest pages on a large PostgreSQL database.

A few real cases are worked through the shipped lifecycle with the engine (one per
stage: screening, engagement, a plan waiting for approval, monitoring); their rows are
then cloned with SQL to --cases cases over 5 teams and 40 case managers, with one or
two open tasks each (due dates spread so some are overdue), --completed-tasks finished
tasks of history, timers, and ten record entries and ten audit events per case. Then
the real Flask app serves the pages in-process (test client: no network) and each
request is timed:

    python bench/ui_pages.py [--cases 50000] [--completed-tasks 500000] [--requests 200]

Figures are server time per page: p50, p95 and max in milliseconds.
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
from tests.lifecycle import FORMS, PLAN, PROCESSES, Story  # noqa: E402
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
    screening = Story(engine, cast, clock)
    engagement = Story(engine, cast, clock)
    engagement.screen()
    planning = Story(engine, cast, clock)
    planning.screen(); planning.engage(); planning.assess()
    planning.do("carol", "write_plan", PLAN)
    monitoring = Story(engine, cast, clock)
    monitoring.to_monitoring()
    return {"people": people, "templates": {"screening": screening.id, "engagement": engagement.id,
                                            "planning": planning.id, "monitoring": monitoring.id}}


BULK = """
-- clients and cases, spread over teams, case managers, stages and acuity
INSERT INTO clients (first_name, last_name, birth_date, preferred_language, created_at)
SELECT 'Client' || g, (ARRAY['Okafor','Lopez','Kim','Brown','Nguyen','Young','Baker','Reyes','Singh','Haddad'])[1 + g % 10] || g,
       DATE '1935-01-01' + (g % 12000), 'English', :start
FROM generate_series(1, :n) g;

INSERT INTO cases (client_id, program, team, stage, status, case_manager_id, supervisor_id, acuity, opened_by,
                   opened_at, process_version_id, lock_version, updated_at)
SELECT :first_client + g - 1, 'Aging services', 'team' || (1 + g % :teams),
       (ARRAY['screening','engagement','planning','monitoring','monitoring','monitoring'])[1 + g % 6],
       'active',
       CASE WHEN g % 6 = 0 THEN NULL ELSE (:managers)[1 + (g % :teams) * :per_team + (g / :teams) % :per_team] END,
       (:supervisors)[1 + g % :teams],
       CASE WHEN g % 6 >= 2 THEN (ARRAY['low','medium','high'])[1 + g % 3] END,
       'bench', :start - make_interval(days => g % 400), :version, 1, :start
FROM generate_series(1, :n) g;

INSERT INTO workflow_states (case_id, state, size, updated_at)
SELECT c.id, w.state, w.size, :start FROM cases c
JOIN template t ON t.stage = c.stage JOIN workflow_states w ON w.case_id = t.case_id
WHERE c.id > :last_template;

-- the open tasks of each stage's template, due between 10 days ago and 20 days ahead
INSERT INTO human_tasks (id, case_id, bpmn_id, name, lane, team, form, state, assignee_id, due_at, created_at)
SELECT gen_random_uuid()::text, c.id, h.bpmn_id, h.name, h.lane, c.team, h.form, 'open',
       CASE WHEN h.lane = 'case_manager' THEN c.case_manager_id END,
       :start + make_interval(days => (c.id % 30) - 10), :start - make_interval(days => c.id % 5)
FROM cases c JOIN template t ON t.stage = c.stage
JOIN human_tasks h ON h.case_id = t.case_id AND h.state = 'open'
WHERE c.id > :last_template;

-- monitoring cases also wait on their next contact
INSERT INTO human_tasks (id, case_id, bpmn_id, name, lane, team, form, state, assignee_id, due_at, created_at)
SELECT gen_random_uuid()::text, c.id, 'log_contact', 'Contact the client and review services', 'case_manager',
       c.team, 'contact', 'open', c.case_manager_id, :start + make_interval(days => (c.id % 40) - 12), :start
FROM cases c WHERE c.stage = 'monitoring' AND c.id > :last_template;

-- history: completed tasks spread over the cases
INSERT INTO human_tasks (id, case_id, bpmn_id, name, lane, team, form, state, assignee_id, due_at, created_at,
                         completed_at, completed_by)
SELECT gen_random_uuid()::text, :first_case + (g % :n),
       (ARRAY['screen_referral','engage_client','assess','write_plan','approve_plan','log_contact'])[1 + g % 6],
       'A finished task', 'case_manager', 'team' || (1 + (g % :n) % :teams), 'contact', 'completed', NULL,
       :start - make_interval(days => g % 700), :start - make_interval(days => g % 700 + 3),
       :start - make_interval(days => g % 700), 'bench'
FROM generate_series(1, :completed) g;

INSERT INTO timers (id, case_id, bpmn_id, name, kind, due_at, created_at)
SELECT gen_random_uuid()::text, c.id, x.bpmn_id, x.name, 'duration',
       :start + make_interval(days => (c.id % x.spread) + 1), :start
FROM cases c CROSS JOIN (VALUES ('reassessment_due', 'Reassessment due', 90),
                                ('contact_due', 'Next contact due', 30)) AS x(bpmn_id, name, spread)
WHERE c.stage = 'monitoring' AND c.id > :last_template;

INSERT INTO record_entries (case_id, kind, title, author, recorded_at, signed_at, data)
SELECT c.id, (ARRAY['contact','stage_change','assessment','service_plan','approval'])[1 + k % 5], 'An entry',
       'bench', :start - make_interval(days => k * 7), :start - make_interval(days => k * 7),
       '{"note": "Called the client, services on track."}'
FROM cases c CROSS JOIN generate_series(1, 10) k WHERE c.id > :last_template;

INSERT INTO audit_events (case_id, at, actor, kind, message)
SELECT c.id, :start - make_interval(days => k * 7), 'bench', 'task_completed', 'a finished step'
FROM cases c CROSS JOIN generate_series(1, 10) k WHERE c.id > :last_template;
"""


def bulk_load(engine: CaseEngine, built: dict, cases: int, completed: int) -> float:
    started = time.perf_counter()
    people = built["people"]
    managers = [people[f"cm{team}{n}"].id for team in range(1, TEAMS + 1) for n in range(MANAGERS_PER_TEAM)]
    supervisors = [people[f"sup{team}"].id for team in range(1, TEAMS + 1)]
    with engine.transaction() as session:
        session.execute(text("CREATE TEMP TABLE template (stage text, case_id int) ON COMMIT DROP"))
        for stage, case_id in built["templates"].items():
            session.execute(text("INSERT INTO template VALUES (:s, :c)"), {"s": stage, "c": case_id})
        last_template = max(built["templates"].values())
        version = session.execute(text("SELECT process_version_id FROM cases WHERE id = :c"),
                                  {"c": last_template}).scalar()
        first_client = session.execute(text("SELECT coalesce(max(id), 0) + 1 FROM clients")).scalar()
        first_case = last_template + 1
        params = {"n": cases, "start": START, "first_client": first_client, "teams": TEAMS,
                  "per_team": MANAGERS_PER_TEAM, "managers": managers, "supervisors": supervisors,
                  "version": version, "last_template": last_template, "first_case": first_case,
                  "completed": completed}
        for statement in [s.strip() for s in BULK.split(";") if s.strip()]:
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--"))
            session.execute(text(body), {k: v for k, v in params.items() if f":{k}" in body})
    with engine.sessions.kw["bind"].connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--completed-tasks", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--explain", action="store_true", help="print the SQL and plans of one inbox request")
    args = parser.parse_args()
    from web import create_app

    with database("postgresql") as url, tempfile.TemporaryDirectory() as instance:
        db = make_engine(url)
        upgrade(db)
        clock = FixedClock(START)
        engine = CaseEngine(session_factory(db), clock, FormCatalog(FORMS), case_process="case_lifecycle")
        engine.processes.deploy_path(operator("bench"), PROCESSES)
        built = build(engine, clock)
        load_seconds = bulk_load(engine, built, args.cases, args.completed_tasks)
        with engine.sessions() as session:
            counts = {table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in ("cases", "human_tasks", "record_entries", "audit_events", "timers")}
            open_tasks = session.execute(text("SELECT count(*) FROM human_tasks WHERE state = 'open'")).scalar()
        print(f"PostgreSQL ({POSTGRES_URL.split('@')[-1]}): {counts['cases']:,} cases, "
              f"{counts['human_tasks'] - open_tasks:,} completed + {open_tasks:,} open tasks, "
              f"{counts['record_entries']:,} record entries, {counts['audit_events']:,} audit events, "
              f"{counts['timers']:,} timers; bulk load {load_seconds:.0f} s")
        app = create_app({"CASEPATH_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": "bench",
                          "CASEPATH_INSTANCE_DIR": instance, "CASEPATH_FORMS_DIR": str(FORMS)}, engine=engine)
        supervisor, manager = Signed(app, "sup1"), Signed(app, "cm13")
        with engine.sessions() as session:
            sample = {stage: session.execute(text(
                "SELECT id FROM cases WHERE stage = :s AND team = 'team1' ORDER BY random() LIMIT 1"),
                {"s": stage}).scalar() for stage in ("screening", "engagement", "planning", "monitoring")}
        pages = [
            ("supervisor: /inbox (approvals)", supervisor, "/inbox"),
            ("supervisor: /inbox?tab=team", supervisor, "/inbox?tab=team"),
            ("supervisor: team, overdue, by client", supervisor, "/inbox?tab=team&due=overdue&sort=client"),
            ("case manager: /inbox (mine)", manager, "/inbox"),
            ("case manager: /inbox?tab=available", manager, "/inbox?tab=available"),
            ("case manager: search a client", manager, "/inbox?tab=mine&client=lopez"),
        ] + [(f"case page ({stage})", supervisor, f"/cases/{case_id}") for stage, case_id in sample.items()] + [
            ("supervisor: /dashboard", supervisor, "/dashboard"),
        ]
        if args.explain:
            explain(engine, supervisor)
        print(f"{'page':<40} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for label, who, path in pages:
            stats = who.time(path, args.requests)
            print(f"{label:<40} {args.requests:>5} {stats['p50']:8.1f} {stats['p95']:8.1f} {stats['max']:8.1f}")
        db.dispose()


def explain(engine: CaseEngine, who: Signed) -> None:
    """EXPLAIN ANALYZE of every SELECT one team-inbox request makes."""
    captured = []
    bind = engine.sessions.kw["bind"]

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(bind, "before_cursor_execute", capture)
    who.client.get("/inbox?tab=team")
    event.remove(bind, "before_cursor_execute", capture)
    with bind.connect() as conn:
        for statement, parameters in captured:
            plan = conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters).scalars().all()
            print("\n".join([statement[:400], *plan[-3:], ""]))


if __name__ == "__main__":
    main()
