"""Issue 17 item 9: check-ins while services overlap during a transition (NACM 2017, transition).

The supervision cadence (NASW Std 11/12) is in tests/test_supervision_sessions.py."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.lifecycle import APPROVE, CONTACT

pytestmark = pytest.mark.lifecycle

CHECK_IN = {"checked_with": ["client", "receiving_provider"], "services_continuing": True,
            "note": "County aide started Tuesday; meals still arriving"}


def _in_transition(story, overlap_start="2026-02-05", overlap_end="2026-02-26"):
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "transition"})
    ruth.sign_release("County in-home services", purpose="transfer of the case")
    ruth.do("carol", "plan_transition", {"readiness_indicators": ["Meals stable for 3 months"],
                                         "transition_plan": "Hand over to the county's in-home program",
                                         "receiving_provider": "County in-home services",
                                         "overlap_start": overlap_start, "overlap_end": overlap_end})
    ruth.do("sam", "approve_transition", APPROVE)
    return ruth


def test_a_weekly_check_in_opens_during_the_overlap_until_the_hand_over_ends(story):
    """NACM 2017, transition: services overlap while the receiving provider takes over; the case
    manager checks in weekly (a non-interrupting cycle timer on the overlap period) until it ends."""
    ruth = _in_transition(story)
    timers = ruth.timers()
    assert timers["overlap_ends"] == "2026-02-26T00:00:00+00:00"
    assert timers["overlap_weekly"] == "2026-02-12T00:00:00+00:00", "a week into the overlap"
    assert ruth.open_tasks() == []

    ruth.clock.set(datetime(2026, 2, 12, 9, tzinfo=timezone.utc))
    ruth.engine.timers.fire_due_timers()
    assert (ruth.stage, ruth.open_tasks()) == ("transition", ["check_in_overlap"])
    assert ruth.task("check_in_overlap")["lane"] == "case_manager"
    ruth.do("carol", "check_in_overlap", CHECK_IN)
    assert ruth.open_tasks() == []
    next_due = datetime.fromisoformat(ruth.timers()["overlap_weekly"])  # the engine fires "due now" 1 µs early
    assert abs(next_due - datetime(2026, 2, 19, tzinfo=timezone.utc)) < timedelta(seconds=1), "a week later"

    ruth.wait("P7D")  # the second week: this check-in is still open when the overlap ends
    assert ruth.open_tasks() == ["check_in_overlap"]
    ruth.wait("P7D")
    assert (ruth.stage, ruth.open_tasks()) == ("closure", ["close_case"]), "the hand-over ended: no more check-ins"
    assert "overlap_weekly" not in ruth.timers()
