"""Issue 17 item 5, goals carry the case: each goal of the plan has a status noted at contacts and
reassessments, closure gives an outcome for every goal, and referrals are followed through.
Stories of processes/case_lifecycle.bpmn with the clock moved forward."""
from __future__ import annotations

import pytest

from engine.errors import InvalidData
from tests.support.lifecycle import CLOSURE, CONTACT, PLAN, assessed

pytestmark = pytest.mark.lifecycle

GOAL = PLAN["goals"][0]["goal"]
MEALS = {"provider": "Meals on Wheels", "service": "home-delivered meals", "rationale": "Cannot cook since the fall"}


def _goals(ruth) -> dict[str, str]:
    return {g["goal"]: g["status"] for g in ruth.engine.pages.case_page(ruth.people["sam"], ruth.id)["goals"]}


def test_each_goal_carries_its_progress_from_contact_to_contact_and_closure_names_its_outcome(story):
    """NACM Case Management Practice Standards (2017): "goals/objectives are based on the results of
    the assessment", progress toward them is monitored, and the closure summary gives each goal's
    outcome; NASW (2013) Std 9: evaluation of progress toward the plan's goals.

    The first monthly contact opens with the plan's goal, not started; Carol notes it in progress;
    the next contact opens with that; closing without an outcome for the goal is refused by name."""
    ruth = story()
    ruth.to_monitoring()
    assert _goals(ruth) == {GOAL: "not_started"}
    ruth.wait("P30D")  # 4 February
    contact = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("log_contact")["id"])
    assert contact["data"]["goal_progress"] == [{"goal": GOAL, "status": "not_started"}], "prefilled from the plan"
    ruth.do("carol", "log_contact", {**CONTACT, "goal_progress": [
        {"goal": GOAL, "status": "in_progress", "note": "Meals three days a week so far"}]})
    assert _goals(ruth) == {GOAL: "in_progress"}
    page = ruth.engine.pages.case_page(ruth.people["sam"], ruth.id)
    assert page["goals"][0]["note"] == "Meals three days a week so far" and page["goals"][0]["noted_at"][:10] == "2026-02-04"

    ruth.wait("P30D")  # 6 March: the next contact opens where the last one left the goal
    contact = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("log_contact")["id"])
    assert contact["data"]["goal_progress"] == [{"goal": GOAL, "status": "in_progress"}]
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close",
                                     "goal_progress": [{"goal": GOAL, "status": "met"}]})
    with pytest.raises(InvalidData) as refused:
        ruth.do("carol", "close_case", {**CLOSURE, "goal_outcomes": []})
    assert refused.value.details == [{"field": "goal_outcomes", "message":
                                      f"the plan's goal '{GOAL}' has no outcome; give one for every goal of the plan"}]
    ruth.do("carol", "close_case", CLOSURE)
    assert _goals(ruth) == {GOAL: "met"}


def test_a_reassessment_notes_goal_progress_too(story):
    """NACM (2017): the plan is reviewed at reassessment against its goals."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P90D")
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("reassess")["id"])
    assert task["data"]["goal_progress"] == [{"goal": GOAL, "status": "not_started"}]
    ruth.do("carol", "reassess", {**assessed(), "goal_progress": [
        {"goal": GOAL, "status": "partially_met", "note": "Meals come; she skips two a week"}]})
    assert _goals(ruth) == {GOAL: "partially_met"}


def test_a_referral_with_no_word_after_two_weeks_is_flagged_for_follow_up(story, browse):
    """NACM (2017): referral and linkage; "evaluate appropriateness and effectiveness of referrals".
    A referral is made, then accepted, service started, declined or unanswered; one still without
    word after 14 days is flagged for a follow-up call."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")  # 4 February; the release signed at engagement is in force
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})

    def referral():
        return ruth.engine.pages.case_page(ruth.people["carol"], ruth.id)["referrals"][0]
    assert (referral()["status"], referral()["follow_up_due"]) == ("made", False)
    ruth.clock.advance("P14D")  # 18 February
    assert referral()["follow_up_due"], "two weeks without word: follow up"
    page = browse("carol").get(f"/cases/{ruth.id}").get_data(as_text=True)
    assert "no word yet: follow up" in page and "not started" in page, "the case page shows both"
    ruth.engine.record.add_record_entry(ruth.people["carol"], ruth.id, "referral_status", {
        "provider": "Meals on Wheels", "status": "service_started", "on": "2026-02-16", "note": "First delivery"})
    assert (referral()["status"], referral()["status_on"], referral()["follow_up_due"]) == (
        "service_started", "2026-02-16", False)
