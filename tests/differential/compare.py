"""Run one diagram both ways and say whether casepath did what SpiffWorkflow did."""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import DeploymentInvalid

from .diagrams import Diagram, casepath_specs, raw_specs
from .drive import Outcome, drive
from .givens import given
from .sides import CasepathSide, RawSide


@dataclass
class Comparison:
    diagram: Diagram
    # process id -> (SpiffWorkflow's outcome, casepath's outcome)
    runs: dict[str, tuple[Outcome, Outcome]] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        return all(raw.comparable() == ours.comparable() for raw, ours in self.runs.values())

    def explain(self) -> str:
        lines = []
        for process_id, (raw, ours) in self.runs.items():
            if raw.comparable() != ours.comparable():
                lines.append(f"{process_id}:\n  SpiffWorkflow: {raw}\n  casepath:      {ours}")
        return "\n".join(lines)


def compare(diagram: Diagram) -> Comparison:
    start, answers = given(diagram.key).start, given(diagram.key).answers
    comparison = Comparison(diagram)
    try:
        ours_specs = casepath_specs(diagram)
    except DeploymentInvalid as refused:
        ours_specs = {}
        refusal = Outcome("refused at deploy", detail="; ".join(d["message"] for d in refused.details)[:300])
    for process_id, specs in raw_specs(diagram).items():
        raw = drive(lambda: RawSide(*specs, start), answers)
        if process_id in ours_specs:
            ours = drive(lambda: CasepathSide(*ours_specs[process_id], start), answers)
        else:
            ours = refusal
        comparison.runs[process_id] = (raw, ours)
    return comparison
