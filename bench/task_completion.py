"""Task completion latency: casepath on SQLite and PostgreSQL against raw SpiffWorkflow.

What is timed, per sample, is completing the 'Log monitoring contact' task of
tests/processes/monitoring_loop.bpmn (the case then waits on its weekly timer):

- casepath: CaseEngine.complete(): access checks, form validation, the case row
  lock, workflow load, the step, task/timer/audit/record rows, workflow save,
  commit.
- raw SpiffWorkflow: the same step on an in-memory workflow with the stock
  serializer's round trip (deserialize, complete, run the engine, serialize),
  the least any durable SpiffWorkflow application must do per step.

    python bench/task_completion.py [--cases 300] [--db sqlite,postgresql] [--write]

`--db sqlite-normal` runs SQLite with synchronous=NORMAL instead of casepath's FULL (no fsync
per commit; a power cut can undo the last commits), to show what the fsync costs.
"""
from __future__ import annotations

import argparse
import time

from sqlalchemy import event

from common import START, TEST_PROCESSES, case_engine, fmt, open_again, percentiles

from engine.definitions.loader import build_specs, load_files
from engine.clock import FixedClock, using_clock
from engine.runtime.spiff_clock import install_spiff_clock
from engine.definitions.catalog import read_path
from engine.definitions.scripting import restricted_script_engine
from engine.runtime.codec import full_dumps, full_loads
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

CONTACT = {"note": "Weekly call: meals arriving, mood good", "done": False}


class RawSpiff:
    """The raw step, ready to time a few samples at a time."""

    def __init__(self) -> None:
        install_spiff_clock()
        spec, subprocess_specs = build_specs(load_files(read_path(TEST_PROCESSES / "monitoring_loop.bpmn")),
                                             "monitoring_loop")
        self.script_engine = restricted_script_engine()
        self.clock = FixedClock(START)
        with using_clock(self.clock):
            workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
            workflow.do_engine_steps()
            self.state = full_dumps(workflow)

    def samples(self, count: int) -> list[float]:
        times = []
        with using_clock(self.clock):
            for _ in range(count):
                started = time.perf_counter()
                workflow = full_loads(self.state)
                workflow.script_engine = self.script_engine
                task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
                task.set_data(**CONTACT)
                task.run()
                workflow.do_engine_steps()
                full_dumps(workflow)
                times.append(time.perf_counter() - started)
        return times


def casepath(raw: RawSpiff, kind: str, cases: int, block: int = 10) -> tuple[dict, dict]:
    """Completions on `kind`, and the raw step, timed in turns of `block` samples each: the
    machine's speed drifts over a run (a shared host's neighbours come and go), and samples
    taken side by side see the same machine. Returns (casepath, raw) percentiles."""
    synchronous = None
    if kind == "sqlite-normal":  # for reference only: casepath itself runs SQLite with synchronous=FULL
        kind, synchronous = "sqlite", "NORMAL"
    with case_engine(kind) as (engine, _clock, carol):
        if synchronous:
            db = engine.sessions.kw["bind"]
            db.dispose()
            event.listen(db, "connect", lambda dbapi, _record: dbapi.execute(f"PRAGMA synchronous={synchronous}"))
        task_ids = [open_again(engine.cases.open_case, carol)["tasks"][0]["id"] for _ in range(cases + 20)]
        for task_id in task_ids[:20]:  # the first few warm caches and connections
            engine.tasks.complete(carol, task_id, CONTACT)
        raw.samples(20)
        times, raw_times = [], []
        for start in range(20, len(task_ids), block):
            raw_times += raw.samples(block)
            for task_id in task_ids[start:start + block]:
                started = time.perf_counter()
                engine.tasks.complete(carol, task_id, CONTACT)
                times.append(time.perf_counter() - started)
    return percentiles(times), percentiles(raw_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--write", action="store_true", help="write the table into docs/PERFORMANCE.md")
    args = parser.parse_args()
    raw = RawSpiff()
    lines = ["| what | p50 ms | p95 ms | raw p50 ms in turns | p50 to it | raw p50 ms in a loop | p50 to it |",
             "|---|---|---|---|---|---|---|"]
    for kind in args.db.split(","):
        before = percentiles(raw.samples(args.cases + 20)[20:])
        stats, in_turns = casepath(raw, kind, args.cases)
        after = percentiles(raw.samples(args.cases + 20)[20:])
        looped = min(before, after, key=lambda found: found["p50"])
        print(f"raw SpiffWorkflow step + serialize round trip   {fmt(in_turns)}   (in turns with the completions)")
        print(f"                                 in a loop      {fmt(looped)}   (faster of just before and after)")
        print(f"casepath complete on {kind:<13}              {fmt(stats)}   "
              f"p50 to raw: {stats['p50'] / in_turns['p50']:.1f}x in turns, {stats['p50'] / looped['p50']:.1f}x "
              f"to the loop")
        lines.append(f"| casepath completion on {kind} | {stats['p50']:.2f} | {stats['p95']:.2f} | "
                     f"{in_turns['p50']:.2f} | {stats['p50'] / in_turns['p50']:.1f}x | "
                     f"{looped['p50']:.2f} | {stats['p50'] / looped['p50']:.1f}x |")
    if args.write:
        from report import write_section

        write_section("Task completion latency", f"python bench/task_completion.py --cases {args.cases} --db {args.db}",
                      f"{args.cases} completions per database after 20 to warm up; a completion is the whole "
                      "engine call (checks, lock, load, step, rows, save, commit). The raw step is timed "
                      "two ways: in turns with the completions, ten samples of each at a time (the machine's "
                      "speed drifts over a run as a shared host's neighbours come and go, and samples taken "
                      "side by side see the same machine), and in a loop of its own just before and just "
                      "after them, the faster of the two (warm caches: the stricter baseline when the "
                      "machine is steady). On a shared host the raw step itself swings between runs (0.95 to "
                      "1.6 ms on the machine below, one run to the next): read the ratios, and run it more "
                      "than once before drawing a conclusion.\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
