"""Does the 500th monitoring contact cost more than the 5th?

Runs a weekly monitoring loop (tests/processes/monitoring_loop.bpmn) through
the full engine for 500 weeks: each week the case manager logs a contact, the
clock moves seven days and the timer fires. Prints the cost of one week
(contact + timer, both committed) around week 5 and around week 500, and the
size of the saved workflow state. For comparison it runs the same loop on
SpiffWorkflow with the stock serializer and no history pruning.

    python bench/loop_history.py [--weeks 500] [--db sqlite,postgresql] [--write]
"""
from __future__ import annotations

import argparse
import statistics
import time

from common import START, CLIENT, TEST_PROCESSES, case_engine

from sqlalchemy import select

from engine.definitions.loader import build_specs, load_files
from engine.clock import FixedClock, using_clock
from engine.runtime.spiff_clock import install_spiff_clock
from engine.store.models import WorkflowState
from engine.definitions.catalog import read_path
from engine.definitions.scripting import restricted_script_engine
from engine.runtime.codec import full_dumps, full_loads
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

WINDOW = 5  # weeks averaged on each side


def window_ms(costs: dict[int, float], week: int) -> float:
    lo = max(1, min(week - WINDOW // 2, max(costs) - WINDOW + 1))
    return statistics.median(costs[w] for w in range(lo, lo + WINDOW)) * 1000


def casepath(kind: str, weeks: int) -> tuple[dict, dict]:
    costs, sizes = {}, {}
    with case_engine(kind) as (engine, clock, carol):
        case = engine.cases.open_case(carol, CLIENT)
        task_id = case["tasks"][0]["id"]
        for week in range(1, weeks + 1):
            started = time.perf_counter()
            case = engine.tasks.complete(carol, task_id, {"note": f"week {week}", "done": False})["case"]
            clock.advance("P7D")
            engine.timers.fire_due_timers()
            task_id = engine.tasks.list_tasks(carol, "mine")[0]["id"]
            costs[week] = time.perf_counter() - started
            with engine.sessions() as session:
                sizes[week] = session.scalar(select(WorkflowState.size).where(WorkflowState.case_id == case["id"]))
    return costs, sizes


def stock_spiff(weeks: int) -> tuple[dict, dict]:
    install_spiff_clock()
    spec, subprocess_specs = build_specs(load_files(read_path(TEST_PROCESSES / "monitoring_loop.bpmn")),
                                         "monitoring_loop")
    script_engine = restricted_script_engine()
    clock = FixedClock(START)
    costs, sizes = {}, {}
    with using_clock(clock):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.do_engine_steps()
        state = full_dumps(workflow)
        for week in range(1, weeks + 1):
            started = time.perf_counter()
            workflow = full_loads(state)
            workflow.script_engine = script_engine
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.set_data(note=f"week {week}", done=False)
            task.run()
            workflow.do_engine_steps()
            state = full_dumps(workflow)
            clock.advance("P7DT1S")  # stock Spiff fires only once strictly past due
            workflow = full_loads(state)
            workflow.script_engine = script_engine
            workflow.refresh_waiting_tasks()
            workflow.do_engine_steps()
            state = full_dumps(workflow)
            costs[week] = time.perf_counter() - started
            sizes[week] = len(state)
    return costs, sizes


def report(label: str, costs: dict, sizes: dict, weeks: int) -> str:
    early, late = window_ms(costs, 5), window_ms(costs, weeks)
    print(f"{label:<34} week 5: {early:7.2f} ms, {sizes[5] / 1024:6.1f} KB   "
          f"week {weeks}: {late:7.2f} ms, {sizes[weeks] / 1024:6.1f} KB   ratio {late / early:.2f}x")
    return (f"| {label} | {early:.2f} | {sizes[5] / 1024:.1f} | {weeks} | {late:.2f} | {sizes[weeks] / 1024:.1f} | "
            f"{late / early:.2f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=500)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--no-stock", action="store_true", help="skip the unpruned SpiffWorkflow comparison")
    parser.add_argument("--write", action="store_true", help="write the table into docs/PERFORMANCE.md")
    args = parser.parse_args()
    print(f"one week = log a contact, move the clock 7 days, fire the timer; median of {WINDOW} weeks around each point")
    lines = ["| what | week 5 ms | state KB | late week | ms | state KB | late to week 5 |",
             "|---|---|---|---|---|---|---|"]
    for kind in args.db.split(","):
        lines.append(report(f"casepath on {kind}", *casepath(kind, args.weeks), args.weeks))
    if not args.no_stock:
        # Unpruned, the task tree grows three levels a week; SpiffWorkflow's task
        # iterator stops at depth 1000 (its max_depth default), so near week 333
        # the ready task vanishes and the workflow reports itself completed.
        stock_weeks = min(args.weeks, 300)
        lines.append(report("stock SpiffWorkflow (no pruning)", *stock_spiff(stock_weeks), stock_weeks))
    if args.write:
        from report import write_section

        write_section("History growth: a weekly loop run for years",
                      f"python bench/loop_history.py --weeks {args.weeks} --db {args.db}",
                      "One week = the case manager logs a contact, the clock moves 7 days, the timer fires "
                      f"(both committed); median of {WINDOW} weeks around each point. Stock SpiffWorkflow keeps "
                      "every finished task and stops at its iterator's depth limit near week 333, so it runs "
                      "300 weeks.\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
