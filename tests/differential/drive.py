"""One deterministic policy that steers either side of a differential run.

Run what is automatic; then complete the first ready human task (by bpmn id)
with the diagram's fixed answers; when no one can act, move the fake clock to
the earliest waiting timer and fire it. Stop when the workflow is done, when
nothing can move it (it waits for a message, say), or after MAX_STEPS (a hang).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from engine.clock import FixedClock, using_clock
from engine.runtime.spiff_clock import install_spiff_clock

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
MAX_STEPS = 60


@dataclass
class Outcome:
    status: str  # completed | waiting | hung | error
    human_steps: list[str] = field(default_factory=list)
    data: object = None
    detail: str = ""  # an error's message: shown, not compared (the sandbox words it its own way)

    def comparable(self) -> dict:
        return {"status": self.status, "human_steps": self.human_steps, "data": self.data}


def _plain(value):
    """Data as it would read back from JSON: tuples are lists, other objects their text."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def drive(make_side, answers: dict) -> Outcome:
    """Run a side (made by make_side()) to its end under a fixed clock; every human
    task submits `answers`."""
    install_spiff_clock()
    clock = FixedClock(START)
    outcome = Outcome("hung")
    with using_clock(clock):
        try:
            side = make_side()
            for _ in range(MAX_STEPS):
                if side.completed():
                    outcome.status = "completed"
                    break
                ready = side.ready_human()
                if ready:
                    bpmn_id, task_id = ready[0]
                    side.complete(task_id, dict(answers))
                    outcome.human_steps.append(bpmn_id)
                    continue
                timers = side.waiting_timers()
                if timers:
                    due, task_id = timers[0]
                    side.fire(task_id, due, clock)
                    continue
                outcome.status = "waiting"
                break
            outcome.data = _plain(side.data())
        except Exception as exc:  # noqa: BLE001 - a failure is an outcome to compare
            # Compared as "error": casepath wraps Spiff's exceptions in its own.
            outcome.status = "error"
            outcome.detail = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
    return outcome
