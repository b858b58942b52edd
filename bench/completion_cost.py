"""What one task completion costs in work, not time: SQL statements and workflow loads.

Counts, on SQLite and PostgreSQL, for completing the 'Log monitoring contact' task of
tests/processes/monitoring_loop.bpmn (the case then waits on its weekly timer):

- engine: the completion call alone (checks, lock, load, step, rows, save, commit);
- browser: POST of the task's form through the real Flask app, signed in with the
  browser session, up to the redirect (what a case manager's click costs the server);
- browser, stale: the same POST for a task someone else completed first (the 409 page).

Statements are counted with SQLAlchemy's before_cursor_execute event (BEGIN/COMMIT
are not statements the driver sees, and are not counted); loads are calls that
deserialize a case's workflow.

    python bench/completion_cost.py [--db sqlite,postgresql] [--samples 20] [--show]

--show prints each statement of the last engine completion (SQL shortened).
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile

from common import case_engine, open_again
from sqlalchemy import event

CONTACT = {"note": "Weekly call: meals arriving, mood good", "done": False}
PASSWORD = "bench-password-1"


class Counter:
    def __init__(self, db, workflow_class):
        self.statements = 0
        self.loads = 0
        self.kinds: dict[str, int] = {}
        self.seen: list[str] = []
        event.listen(db, "before_cursor_execute", self._statement)
        original = workflow_class.load.__func__

        def counted(cls, *args, **kwargs):
            self.loads += 1
            return original(cls, *args, **kwargs)

        workflow_class.load = classmethod(counted)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        self.statements += 1
        verb = statement.split(None, 1)[0].upper()
        self.kinds[verb] = self.kinds.get(verb, 0) + 1
        many = executemany and isinstance(parameters, (list, tuple)) and parameters \
            and isinstance(parameters[0], (list, tuple, dict))
        rows = f" [{len(parameters)} rows]" if many else ""
        self.seen.append(" ".join(statement.split()) + rows)

    def reset(self):
        self.statements, self.loads, self.kinds, self.seen = 0, 0, {}, []


def workflow_class():
    try:
        from engine.runtime.workflow import CaseWorkflow
    except ImportError:  # before the restructure
        from engine.runtime.workflow import CaseWorkflow
    return CaseWorkflow


def _call(engine, service: str, method: str):
    return getattr(getattr(engine, service), method) if hasattr(engine, service) else getattr(engine, method)


def measure(kind: str, samples: int) -> dict:
    with case_engine(kind) as (engine, clock, carol):
        db = engine.sessions.kw["bind"]
        counter = Counter(db, workflow_class())
        open_case, complete = _call(engine, "cases", "open_case"), _call(engine, "tasks", "complete")

        def contact_task(actor):
            case = open_again(open_case, actor)
            return case["tasks"][0]["id"]

        engine_runs = []
        for _ in range(samples):
            task_id = contact_task(carol)
            counter.reset()
            complete(carol, task_id, CONTACT)
            engine_runs.append((counter.statements, counter.loads, dict(counter.kinds), list(counter.seen)))

        from web import create_app
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app({"CASEPATH_ENV": "test", "DATABASE_URL": str(db.url), "SECRET_KEY": "bench" * 8,
                              "CASEPATH_INSTANCE_DIR": tmp}, engine=engine)
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            client.post("/login", data={"username": "carol", "password": PASSWORD, "csrf_token": token})
            page = client.get("/inbox").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            browser_runs, stale_runs = [], []
            for _ in range(samples):
                task_id = contact_task(carol)
                counter.reset()
                response = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "note": CONTACT["note"], "done": "false",
                                                                   "action": "complete"})
                assert response.status_code == 302, response.status_code
                browser_runs.append((counter.statements, counter.loads))
                counter.reset()
                response = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "note": CONTACT["note"], "done": "false",
                                                                   "action": "complete"})
                assert response.status_code == 409, response.status_code
                stale_runs.append((counter.statements, counter.loads))
        return {"engine": engine_runs, "browser": browser_runs, "stale": stale_runs}


def summary(runs) -> str:
    statements = statistics.median(r[0] for r in runs)
    loads = statistics.median(r[1] for r in runs)
    return f"{statements:5.0f} statements  {loads:3.0f} workflow load(s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--show", action="store_true", help="print each statement of one engine completion")
    parser.add_argument("--write", action="store_true", help="write the table into docs/PERFORMANCE.md")
    args = parser.parse_args()
    lines = ["| database | what | statements | workflow loads |", "|---|---|---|---|"]
    for kind in args.db.split(","):
        result = measure(kind, args.samples)
        print(f"{kind:10} engine completion     {summary(result['engine'])}   by kind {result['engine'][-1][2]}")
        if args.show:
            for number, statement in enumerate(result["engine"][-1][3], 1):
                print(f"    {number:2}. {statement[:220]}")
        print(f"{kind:10} browser completion    {summary(result['browser'])}")
        print(f"{kind:10} browser, already done {summary(result['stale'])}")
        for label, key in (("engine completion", "engine"), ("browser completion", "browser"),
                           ("browser, already done", "stale")):
            runs = result[key]
            lines.append(f"| {kind} | {label} | {statistics.median(r[0] for r in runs):.0f} | "
                         f"{statistics.median(r[1] for r in runs):.0f} |")
    if args.write:
        from report import write_section

        write_section("Statements per task completion", f"python bench/completion_cost.py --db {args.db}",
                      "Medians over the samples. BEGIN and COMMIT are not counted (SQLite's BEGIN IMMEDIATE, "
                      "how it takes its write lock, goes straight to the driver); SQLite sends rows that need "
                      "their ids back one statement each (calls into the library, not round trips).\n\n"
                      + "\n".join(lines))


if __name__ == "__main__":
    main()
