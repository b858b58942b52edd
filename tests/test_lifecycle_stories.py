"""The shipped case lifecycle (processes/case_lifecycle.bpmn), told as the stories of its users,
with the clock moved forward. Each story checks the stage, the open tasks, the timers and the record."""
from __future__ import annotations

import pytest

from engine.errors import Forbidden, InvalidData
from tests.support.lifecycle import (APPROVE, CLOSURE, CONTACT, FOLLOW_UP, MANY_NEEDS, MEALS_RELEASE, NO_ANSWER,
                                     PLAN)

pytestmark = pytest.mark.lifecycle


def test_happy_path_from_referral_to_the_90_day_follow_up(story):
    ruth = story()
    assert (ruth.stage, ruth.open_tasks()) == ("screening", ["screen_referral"])
    ruth.screen()
    assert (ruth.stage, ruth.open_tasks()) == ("engagement", ["engage_client"])
    ruth.engage()
    assert ruth.stage == "assessment"
    assert ruth.timers()["consent_renewal_due"] == "2026-06-01T00:00:00+00:00", "30 days before the release expires"
    ruth.assess()
    assert (ruth.stage, ruth.open_tasks(), ruth.case["acuity"]) == ("planning", ["write_plan"], "low")
    ruth.plan()
    assert ruth.stage == "monitoring" and ruth.open_tasks() == []
    timers = ruth.timers()
    assert timers["contact_due"] == "2026-02-04T09:00:00+00:00", "low acuity: a contact every 30 days"
    assert timers["reassessment_due"] == "2026-04-05T09:00:00+00:00", "low acuity: reassess at 90 days"

    assert ruth.wait("P30D") == 1
    assert ruth.open_tasks() == ["log_contact"]
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    assert (ruth.stage, ruth.open_tasks()) == ("closure", ["close_case"])
    ruth.do("carol", "close_case", CLOSURE)
    assert ruth.open_tasks() == ["approve_closure"]
    ruth.do("sam", "approve_closure", APPROVE)
    assert ruth.stage == "follow_up" and ruth.open_tasks() == []
    assert ruth.case["closed_at"] is not None, "the case is closed; follow-up runs after closure"
    closed_at = ruth.case["closed_at"]
    assert set(ruth.timers()) == {"follow_up_30", "follow_up_90"}

    ruth.wait("P30D")
    assert ruth.open_tasks() == ["check_in_30"]
    ruth.do("carol", "check_in_30", FOLLOW_UP)
    ruth.wait("P60D")
    assert ruth.open_tasks() == ["check_in_90"]
    ruth.do("carol", "check_in_90", FOLLOW_UP)
    assert ruth.stage == "closed" and ruth.open_tasks() == [] and ruth.timers() == {}
    assert ruth.case["closed_at"] == closed_at
    kinds = [e["kind"] for e in ruth.record()]
    for kind in ("referral", "screening", "engagement", "assessment", "service_plan", "approval", "contact",
                 "closure", "followup", "stage_change"):
        assert kind in kinds, kind
    signed = ruth.record("service_plan")[0]
    assert signed["author"] == "carol" and signed["signed_at"] and signed["data"]["client_signature"]


def test_a_client_outside_the_service_area_is_ineligible_and_referred_elsewhere(story):
    tom = story()
    tom.screen(resides_in_service_area=False)
    assert (tom.stage, tom.open_tasks()) == ("screening", ["refer_elsewhere"])
    tom.do("ivy", "refer_elsewhere", {"referred_to": "County housing office", "reason_explained": True})
    assert tom.stage == "ineligible" and tom.open_tasks() == [] and tom.timers() == {}
    decision = [e for e in tom.engine.record.audit(tom.people["sam"], tom.id) if e["kind"] == "decision"][0]
    assert decision["data"]["matched"][0]["description"] == "Outside the service area"
    assert tom.record("referral_elsewhere")[0]["data"]["referred_to"] == "County housing office"


def test_a_full_program_puts_the_client_on_the_waiting_list_until_a_slot_is_re_offered(story):
    ruth = story()
    ruth.screen(program_slot_available=False)
    assert ruth.stage == "screening" and ruth.open_tasks() == []
    assert ruth.timers() == {"waitlist_wait": "2026-01-19T09:00:00+00:00"}
    ruth.wait("P14D")
    ruth.do("ivy", "reoffer_slot", {"slot_available": False, "still_interested": True})
    assert ruth.timers() == {"waitlist_wait": "2026-02-02T09:00:00+00:00"}, "still full: wait another two weeks"
    ruth.wait("P14D")
    ruth.do("ivy", "reoffer_slot", {"slot_available": True, "still_interested": True})
    assert (ruth.stage, ruth.open_tasks()) == ("engagement", ["engage_client"])


def test_the_supervisor_returns_the_plan_and_approves_the_revision(story):
    ruth = story()
    ruth.screen(), ruth.engage(), ruth.assess()
    ruth.do("carol", "write_plan", PLAN)
    with pytest.raises(InvalidData) as returned_without_comment:
        ruth.do("sam", "approve_plan", {"decision": "return"})
    assert returned_without_comment.value.details[0]["field"] == "comments"
    ruth.do("sam", "approve_plan", {"decision": "return", "comments": "Add a goal for Ruth's daughter's visits"})
    assert ruth.open_tasks() == ["write_plan"]
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("write_plan")["id"])
    assert task["data"]["goals"] == PLAN["goals"], "the revision starts from the returned plan"
    assert task["data"]["comments"] == "Add a goal for Ruth's daughter's visits"
    revised = {**PLAN, "goals": PLAN["goals"] + [{"goal": "Daughter visits twice a week", "measure": "visits logged",
                                                  "target_date": "2026-02-15",
                                                  "objectives": [{"objective": "Agree days", "frequency": "once"}]}]}
    ruth.do("carol", "write_plan", revised)
    ruth.do("sam", "approve_plan", APPROVE)
    assert ruth.stage == "monitoring"
    plans = ruth.record("service_plan")
    assert [len(p["data"]["goals"]) for p in plans] == [1, 2], "every plan version stays in the record"
    assert [a["data"]["decision"] for a in ruth.record("approval")] == ["return", "approve"]


def test_an_approval_left_waiting_past_its_deadline_goes_to_the_second_level_approver(story):
    ruth = story()
    ruth.screen(), ruth.engage(), ruth.assess()
    ruth.do("carol", "write_plan", PLAN)
    ruth.wait("P5D")
    assert ruth.open_tasks() == ["second_approve_plan"]
    with pytest.raises(Forbidden):
        ruth.do("sam", "second_approve_plan", APPROVE)
    ruth.do("ada", "second_approve_plan", APPROVE)
    assert ruth.stage == "monitoring"


def test_a_positive_risk_screen_opens_a_crisis_plan_a_mandated_report_and_a_supervisor_alert(story):
    ruth = story()
    ruth.screen(), ruth.engage()
    ruth.assess(risk=("neglect",))
    assert ruth.refresh()["acuity"] == "high"
    assert ruth.open_tasks() == ["crisis_plan", "mandated_report", "risk_alert", "write_plan"]
    ruth.do("carol", "crisis_plan", {"risk_summary": "Self-neglect: not eating", "warning_signs": "Skips meals, stays in bed",
                                     "safety_steps": ["Daily call"],
                                     "crisis_line_given": True})
    ruth.do("carol", "mandated_report", {"report_made": True, "reported_to": "adult_protective_services",
                                         "reported_on": "2026-01-05"})
    ruth.do("sam", "risk_alert", {"reviewed_with_case_manager": True, "guidance": "Visit in person this week"})
    ruth.plan()
    assert ruth.stage == "monitoring"
    assert ruth.timers()["contact_due"] == "2026-01-12T09:00:00+00:00", "high acuity: weekly contact"


def test_reassessment_fires_at_the_acuity_interval_and_a_second_cycle_follows(story):
    ruth = story()
    ruth.to_monitoring()
    assert ruth.timers()["reassessment_due"] == "2026-04-05T09:00:00+00:00"
    for _ in range(2):  # monthly contacts until the reassessment
        ruth.wait("P30D")
        ruth.do("carol", "log_contact", CONTACT)
    ruth.wait("P30D")
    assert ruth.open_tasks() == ["reassess"], "the reassessment takes the place of the third contact"
    ruth.reassess(needs=MANY_NEEDS)
    assert ruth.refresh()["acuity"] == "medium"
    ruth.do("carol", "revise_plan", PLAN)
    ruth.do("sam", "approve_revision", APPROVE)
    timers = ruth.timers()
    assert timers["reassessment_due"] == "2026-06-04T09:00:00+00:00", "medium acuity: next reassessment in 60 days"
    assert timers["contact_due"] == "2026-04-19T09:00:00+00:00", "medium acuity: contacts every 14 days"
    ruth.wait("P60D")
    ruth.wait("P1D")
    assert "reassess" in ruth.open_tasks(), "the second cycle's reassessment"
    ruth.reassess(needs=MANY_NEEDS)
    ruth.do("carol", "revise_plan", PLAN)
    ruth.do("sam", "approve_revision", {"decision": "return", "comments": "Update the target dates"})
    ruth.do("carol", "revise_plan", PLAN)
    ruth.do("sam", "approve_revision", APPROVE)
    assert len(ruth.record("assessment")) == 3 and len(ruth.record("service_plan")) == 4
    assert ruth.timers()["reassessment_due"] == "2026-08-04T09:00:00+00:00", "the third cycle is scheduled"


def test_a_referral_is_blocked_by_an_expired_release_of_information(story):
    ruth = story()
    ruth.screen()
    ruth.engage(releases=[{**MEALS_RELEASE, "expires_on": "2026-03-01"}])
    ruth.assess(), ruth.plan()
    assert ruth.timers()["consent_renewal_due"] == "2026-01-30T00:00:00+00:00"
    ruth.wait("P60D")  # the renewal task is ignored; the release expires on 1 March
    assert "renew_consent" in ruth.open_tasks()
    referral = {**CONTACT, "referrals": [{"provider": "Meals on Wheels", "service": "meals", "rationale": "not eating"}]}
    with pytest.raises(InvalidData) as blocked:
        ruth.do("carol", "log_contact", referral)
    assert blocked.value.details[0]["field"] == "referrals/0/provider"
    assert "expired on 2026-03-01" in blocked.value.details[0]["message"]
    assert ruth.record("contact") == [], "a refused referral changes nothing"
    with pytest.raises(InvalidData) as unknown:
        ruth.do("carol", "log_contact", {**referral, "referrals": [{**referral["referrals"][0], "provider": "Dial-a-Ride"}]})
    assert "no release of information" in unknown.value.details[0]["message"]

    renewed = {**MEALS_RELEASE, "expires_on": "2027-03-01", "signed_on": "2026-03-06"}
    ruth.do("carol", "renew_consent", {"releases": [renewed]})
    ruth.do("carol", "log_contact", referral)
    assert ruth.record("contact")[-1]["data"]["referrals"][0]["provider"] == "Meals on Wheels"
    assert ruth.timers()["consent_renewal_due"] == "2027-01-30T00:00:00+00:00"
    consents = ruth.refresh()["consents"]
    assert [(c["recipient"], c["status"]) for c in consents] == [("Meals on Wheels", "expired"),
                                                                 ("Meals on Wheels", "valid")]


def test_three_unanswered_contacts_lead_to_closure_for_no_contact(story):
    ruth = story()
    ruth.to_monitoring(needs=MANY_NEEDS)  # medium acuity: a contact every 14 days
    for _ in range(3):
        ruth.wait("P14D")
        ruth.do("carol", "log_contact", NO_ANSWER)
    assert (ruth.stage, ruth.open_tasks()) == ("closure", ["close_case"])
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("close_case")["id"])
    assert task["data"]["closure_reason"] == "no_contact"
    with pytest.raises(InvalidData) as no_attempts:
        ruth.do("carol", "close_case", {**CLOSURE, "closure_reason": "no_contact"})
    assert no_attempts.value.details[0]["field"] == "contact_attempts"
    attempts = [{"on": d, "method": "phone"} for d in ("2026-01-19", "2026-02-02", "2026-02-16")]
    ruth.do("carol", "close_case", {**CLOSURE, "closure_reason": "no_contact", "contact_attempts": attempts})
    ruth.do("sam", "approve_closure", APPROVE)
    assert ruth.stage == "follow_up"


def test_a_client_who_needs_help_again_re_enters_through_a_new_linked_screening(story, case_engine, people):
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    ruth.do("carol", "close_case", CLOSURE)
    ruth.do("sam", "approve_closure", APPROVE)
    ruth.wait("P30D")
    ruth.do("carol", "check_in_30", {**FOLLOW_UP, "reentry_needed": True, "status": "Fell again"})
    old = ruth.refresh()
    assert old["next_case_id"] is not None
    new = case_engine.cases.get_case(people["sam"], old["next_case_id"])
    assert new["previous_case_id"] == ruth.id and new["client"] == old["client"]
    assert (new["stage"], [t["bpmn_id"] for t in new["tasks"]]) == ("screening", ["screen_referral"])
    assert old["stage"] == "follow_up" and set(ruth.timers()) == {"follow_up_90"}, "the 90-day check-in still runs"


def test_the_transition_path_hands_over_after_the_overlap_period(story):
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "transition"})
    assert (ruth.stage, ruth.open_tasks()) == ("transition", ["plan_transition"])
    ruth.sign_release("County in-home services", purpose="transfer of the case")  # NASW Std 10: before disclosing
    ruth.do("carol", "plan_transition", {"readiness_indicators": ["Meals stable for 3 months"],
                                         "transition_plan": "Hand over to the county's in-home program",
                                         "receiving_provider": "County in-home services",
                                         "overlap_start": "2026-02-05", "overlap_end": "2026-02-19"})
    ruth.do("sam", "approve_transition", APPROVE)
    assert ruth.timers()["overlap_ends"] == "2026-02-19T00:00:00+00:00"
    ruth.wait("P15D")
    assert (ruth.stage, ruth.open_tasks()) == ("closure", ["close_case"])
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("close_case")["id"])
    assert task["data"]["closure_reason"] == "transferred"


def test_a_plan_where_a_participant_holds_no_task_is_refused(story):
    ruth = story()
    ruth.screen(), ruth.engage(), ruth.assess()
    lonely = {**PLAN, "participants": PLAN["participants"] + [{"name": "Dana Okafor", "party": "family_member"}]}
    with pytest.raises(InvalidData) as refused:
        ruth.do("carol", "write_plan", lonely)
    assert refused.value.details == [{"field": "participants/3",
                                      "message": "Dana Okafor holds no task in the plan; every participant "
                                                 "holds at least one"}]
    assert ruth.open_tasks() == ["write_plan"] and ruth.record("service_plan") == []


def test_a_reassessment_with_a_positive_risk_screen_opens_the_risk_response_again(story):
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P90D")
    ruth.reassess(risk=("abuse",))
    assert ruth.refresh()["acuity"] == "high"
    assert ruth.open_tasks() == ["re_crisis_plan", "re_mandated_report", "re_risk_alert", "revise_plan"]
    ruth.do("carol", "revise_plan", PLAN)
    ruth.do("sam", "approve_revision", APPROVE)
    assert "reassessment_due" not in ruth.timers(), "monitoring resumes once the risk response is done"
    ruth.do("carol", "re_crisis_plan", {"risk_summary": "Financial abuse by a neighbour",
                                        "warning_signs": "Unpaid bills, new 'friend' visiting",
                                        "safety_steps": ["Bank alert"], "crisis_line_given": True})
    ruth.do("carol", "re_mandated_report", {"report_made": True, "reported_to": "adult_protective_services",
                                            "reported_on": "2026-04-05"})
    ruth.do("sam", "re_risk_alert", {"reviewed_with_case_manager": True, "guidance": "Joint visit with APS"})
    timers = ruth.timers()
    assert timers["contact_due"] == "2026-04-12T09:00:00+00:00", "high acuity: weekly contact"
    assert timers["reassessment_due"] == "2026-05-05T09:00:00+00:00", "high acuity: reassess in 30 days"
