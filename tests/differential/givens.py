"""What each diagram is given: data at the start and the answers every human task submits.

SpiffWorkflow's own tests set these by hand; without them most diagrams stop at
their first condition. Both sides get exactly the same. Keys are corpus paths
(folder/file); a diagram not listed starts empty and answers {}.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Given:
    start: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)  # submitted by every human task


_MI_OUT = {"output_item": 1}  # each multi-instance child must leave an output item

GIVENS: dict[str, Given] = {
    "bpmn/Test-Workflows/Parallel-Join-Long-Inclusive.bpmn20.xml": Given({"choice": "No"}, {"choice": "No"}),
    "bpmn/Test-Workflows/Parallel-One-Path-Ends.bpmn20.xml": Given(answers={"choice": "No"}),
    "bpmn/Test-Workflows/Parallel-Then-Exclusive.bpmn20.xml": Given(answers={"choice": "No"}),
    "bpmn/Test-Workflows/Parallel-Then-Exclusive-No-Inclusive.bpmn20.xml": Given(answers={"choice": "No"}),
    "bpmn/Test-Workflows/Parallel-Through-Same-Task.bpmn20.xml": Given(answers={"choice": "No"}),
    "bpmn/Test-Workflows/Timer-Intermediate.bpmn20.xml": Given({"due_time": "2026-01-06T09:00:00+00:00"}),
    "bpmn/boundary.bpmn": Given(answers={"answer": "Yes"}),
    "bpmn/exclusive_gateway_no_default.bpmn": Given({"x": 2}),
    "bpmn/inclusive_gateway.bpmn": Given(answers={"u": 1, "v": 0, "w": 1}),
    "bpmn/lanes.bpmn": Given(answers={"NeedClarification": "No"}),
    "bpmn/parallel_multiinstance_cardinality.bpmn": Given(answers=_MI_OUT),
    "bpmn/parallel_multiinstance_loop_input.bpmn": Given({"input_data": [1, 2, 3]}, _MI_OUT),
    "bpmn/sequential_multiinstance_cardinality.bpmn": Given(answers=_MI_OUT),
    "bpmn/sequential_multiinstance_loop_input.bpmn": Given({"input_data": [1, 2, 3]}, _MI_OUT),
    "bpmn/standard_loop.bpmn": Given({"done": False}, {"done": True}),
    "bpmn/timer-non-interrupt-boundary.bpmn": Given(answers={"work_done": "Yes"}),
    "bpmn/transaction.bpmn": Given(answers={"value": "x", "quantity": 1}),
    "spiff/spiff_multiinstance.bpmn": Given({"input_data": [1, 2, 3]}, _MI_OUT),
    "spiff/script_on_mi.bpmn": Given({"input_data": [1, 2, 3]}, _MI_OUT),
    "camunda/MessageBoundary.bpmn": Given(answers={"interrupt_task": "Yes"}),
    "camunda/noninterrupting-MessageBoundary.bpmn": Given(answers={"flag_task": "Yes", "work_done": "Yes"}),
    "camunda/parallel_multiinstance_cardinality.bpmn": Given({"input_data": 3}),
    "camunda/token_trial_parallel_simple.bpmn": Given(answers={"skipParallel": False}),
}


def given(key: str) -> Given:
    return GIVENS.get(key, Given())
