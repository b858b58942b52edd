"""Write docs/differential.md from what the differential suite finds.

    python -m tests.differential.report

Runs every corpus diagram both ways (as the suite does) and writes the table,
so the page says what is true today rather than what someone remembered.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .compare import compare
from .deliberate import DELIBERATE
from .diagrams import all_diagrams

DOC = Path(__file__).resolve().parents[2] / "docs" / "differential.md"

HEADER = """# casepath runs SpiffWorkflow's diagrams as SpiffWorkflow does

`tests/differential` runs every executable diagram of SpiffWorkflow's own test
corpus (`tests/SpiffWorkflow/{bpmn,spiff,camunda}/data`, vendored in
`tests/differential/corpus`) twice, under the same fixed clock and the same
answers:

- **casepath**: parsed by casepath's loader, started with `CaseWorkflow.start`,
  scripts under the restricted script engine, and a `dump()` → `CaseWorkflow.load()`
  (history pruning, serialization, parse back) around every step;
- **SpiffWorkflow**: the folder's stock parser (`BpmnDmnParser`, `SpiffBpmnParser`,
  `CamundaParser`), a `BpmnWorkflow` with the default `PythonScriptEngine`, never saved.

One policy drives both: run what is automatic, complete the first ready human
task (user or manual task, by bpmn id) with the diagram's fixed answers
(`tests/differential/givens.py`), fire the earliest waiting timer by moving the
clock, stop when done, when nothing can move, or after 60 steps (hung). The
suite asserts the same end (completed, waiting, hung, error or refused), the same
human steps in order and the same final data. A diagram that differs on purpose
is listed in `tests/differential/deliberate.py` with its reason and must keep
differing. Diagrams the stock parsers refuse are not in the corpus (see its README).

A plain `bpmn:task` is nobody's work: casepath passes through it where SpiffWorkflow
waits for someone to run it, so the SpiffWorkflow side runs plain tasks as engine
steps too, and the rest of each diagram compares.

This page is generated: `python -m tests.differential.report`.
"""


def _ends(comparison) -> str:
    ends = []
    for raw, ours in comparison.runs.values():
        ends.append(raw.status if raw.status == ours.status else f"SpiffWorkflow {raw.status}, casepath {ours.status}")
    return ", ".join(ends)


def main() -> int:
    started = time.monotonic()
    rows, same_count, unexpected = [], 0, []
    for diagram in all_diagrams():
        comparison = compare(diagram)
        reason = DELIBERATE.get(diagram.key, "")
        if comparison.same:
            same_count += 1
            verdict = "same"
        else:
            verdict = "different"
            if not reason:
                unexpected.append(diagram.key)
                reason = "**not on purpose: a bug** (the suite fails)"
        rows.append(f"| `{diagram.key}` | {verdict} | {_ends(comparison)} | {reason} |")
    total = len(rows)
    summary = (f"\n**{total} diagrams run: {same_count} the same, {total - same_count} different "
               f"({total - same_count - len(unexpected)} on purpose"
               f"{', ' + str(len(unexpected)) + ' not' if unexpected else ''}).**\n\n")
    table = ["| diagram | casepath vs SpiffWorkflow | how it ends (each top-level process) | why it differs |",
             "|---|---|---|---|", *rows]
    DOC.write_text(HEADER + summary + "\n".join(table) + "\n")
    print(f"wrote {DOC} ({total} diagrams, {time.monotonic() - started:.1f}s)")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
