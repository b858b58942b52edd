"""Pruning, serialization and the sandbox never change what a diagram does.

Every executable diagram of SpiffWorkflow's own test corpus runs twice under the
same clock and answers: through casepath the way a case runs (a save and load,
with history pruned, around every step) and through SpiffWorkflow alone. Both
must end the same way (completed, waiting, hung, failed), with the same human
steps in the same order and the same data. A diagram that differs on purpose is
in deliberate.py with its reason, and must still differ.
"""
from __future__ import annotations

import pytest

from .compare import compare
from .deliberate import DELIBERATE
from .diagrams import Diagram, all_diagrams


@pytest.mark.parametrize("diagram", all_diagrams(), ids=lambda d: d.key)
def test_casepath_runs_the_diagram_as_spiffworkflow_does(diagram):
    comparison = compare(diagram)
    reason = DELIBERATE.get(diagram.key)
    if reason is None:
        assert comparison.same, f"casepath differs from SpiffWorkflow:\n{comparison.explain()}"
    else:
        assert not comparison.same, f"now runs the same as SpiffWorkflow; take it out of deliberate.py ({reason})"


def test_a_parallel_gateway_loop_goes_round_again_after_history_is_pruned():
    """The reported hang: x = 0, then a parallel join in a loop increments x until it is 2.
    The join finds the loop's entry flow in the first round's history, which pruning cut."""
    comparison = compare(Diagram("bpmn", "gateway_loop_input.bpmn"))
    spiff, casepath = comparison.runs["main"]
    assert casepath.status == spiff.status == "completed"
    assert casepath.human_steps == spiff.human_steps == [], "the loop's plain task passes through"
    assert casepath.data == spiff.data == {"x": 2}
