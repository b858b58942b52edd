"""SpiffWorkflow's timers read the engine's clock, so a fixed clock (tests, demos, a timer
fired as of when it fell due) decides when a timer is due."""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions import timer

from ..clock import ClockedDatetime

_installed = False


def install_spiff_clock() -> None:
    global _installed
    if _installed:
        return
    timer.datetime = ClockedDatetime
    _installed = True
