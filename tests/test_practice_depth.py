"""Issue 17, practice depth: the lifecycle follows the client, not only the calendar.

Stories of processes/case_lifecycle.bpmn with the clock moved forward: the risk response
has deadlines with teeth, a significant change or a request changes the plan, and a
client can stop at any stage."""
from __future__ import annotations

import pytest

from engine.errors import Conflict, InvalidData
from tests.support.lifecycle import APPROVE, CLOSURE, CONTACT, ENGAGED, FOLLOW_UP, PLAN, assessed

pytestmark = pytest.mark.lifecycle

CRISIS_PLAN = {"risk_summary": "Suicidal thoughts since the fall", "warning_signs": "Talks of being a burden",
               "safety_steps": ["Daily call", "Remove medication"],
               "crisis_line_given": True}
NOT_REPORTABLE = {"report_made": False, "not_reportable_reason": "Risk to self only; no abuse or neglect"}
RISK_REVIEW = {"reviewed_with_case_manager": True, "guidance": "See her in person this week"}
EARLY_CONTACT = {"contact_with": "client", "mode": "phone", "reached": True, "note": "Safe; crisis line on the fridge"}
FOLLOWED_UP = {"action_taken": "Called the case manager; the crisis plan is being written now"}


def _escalations(case) -> list[str]:
    return sorted(t["bpmn_id"] for t in case.refresh()["tasks"] if t["bpmn_id"].endswith("escalation"))


def test_a_suicide_risk_gets_contacts_at_once_and_overdue_risk_work_escalates(story):
    """NASW Standards for Social Work Case Management (2013): social workers respond promptly to
    changes in client needs; NACM (2017): a crisis plan when the risk screen is positive;
    acuity-based protocols (CMSA): high acuity means a contact every week.

    Ruth screens positive for suicide risk. Weekly contacts start the day she is assessed,
    beside the risk response and the planning, and carry on into monitoring without a gap
    or a double contact; the crisis plan left undone goes to the supervisor after a day and
    to the administrator after two."""
    ruth = story()
    ruth.screen(), ruth.engage()
    ruth.assess(risk=("suicide",))  # Monday 5 January, 09:00
    assert ruth.refresh()["acuity"] == "high"
    assert ruth.open_tasks() == ["crisis_plan", "mandated_report", "risk_alert", "write_plan"]
    timers = ruth.timers()
    assert timers["early_contact_due"] == "2026-01-12T09:00:00+00:00", "contacts start now, not after the plan"
    assert timers["crisis_plan_overdue"] == "2026-01-06T09:00:00+00:00"
    assert timers["crisis_plan_overdue_admin"] == "2026-01-07T09:00:00+00:00"
    assert timers["mandated_report_overdue"] == "2026-01-06T09:00:00+00:00"
    assert timers["risk_alert_overdue_admin"] == "2026-01-06T09:00:00+00:00"
    ruth.do("carol", "mandated_report", NOT_REPORTABLE)
    ruth.do("sam", "risk_alert", RISK_REVIEW)
    assert "mandated_report_overdue" not in ruth.timers(), "done in time: no escalation waits"

    ruth.wait("P1D")  # day 1: the crisis plan is a day late
    assert _escalations(ruth) == ["crisis_plan_escalation"]
    escalation = ruth.task("crisis_plan_escalation")
    assert escalation["purpose"] == "escalation" and escalation["lane"] == "supervisor"
    assert ruth.open_tasks().count("crisis_plan") == 1, "the crisis plan stays with the case manager"
    ruth.do("sam", "crisis_plan_escalation", FOLLOWED_UP)
    ruth.wait("P1D")  # day 2: two days late, the administrator is called in
    assert _escalations(ruth) == ["crisis_plan_admin_escalation"]
    assert ruth.task("crisis_plan_admin_escalation")["lane"] == "admin"
    ruth.do("carol", "crisis_plan", CRISIS_PLAN)
    ruth.do("ada", "crisis_plan_admin_escalation", FOLLOWED_UP)
    assert "crisis_plan_overdue_admin" not in ruth.timers()
    assert ruth.stage == "planning"

    ruth.wait("P5D")  # day 7: the first weekly contact falls due while the plan is still being written
    assert ruth.open_tasks() == ["log_early_contact", "write_plan"]
    assert ruth.stage == "planning", "contacts before the plan do not move the case on"
    ruth.do("carol", "log_early_contact", EARLY_CONTACT)
    assert ruth.timers()["early_contact_due"] == "2026-01-19T09:00:00+00:00"
    ruth.wait("P1D")  # day 8
    ruth.do("carol", "write_plan", PLAN)
    ruth.wait("P1D")  # day 9
    ruth.do("sam", "approve_plan", APPROVE)
    assert ruth.stage == "monitoring" and ruth.open_tasks() == []
    timers = ruth.timers()
    assert "early_contact_due" not in timers, "monitoring takes the contacts over"
    assert timers["contact_due"] == "2026-01-19T09:00:00+00:00", "the weekly rhythm goes on: no gap, no double"

    ruth.wait("P5D")  # day 14
    assert ruth.open_tasks() == ["log_contact"]
    ruth.do("carol", "log_contact", CONTACT)
    ruth.wait("P7D")  # day 21
    assert ruth.open_tasks() == ["log_contact"], "weekly, as high acuity sets"
    contacts = ruth.record("crisis_contact") + ruth.record("contact")
    assert [c["recorded_at"][:10] for c in contacts] == ["2026-01-12", "2026-01-19"]
    escalated = [e for e in ruth.record() if e["bpmn_id"] and e["bpmn_id"].endswith("escalation")]
    assert {e["bpmn_id"] for e in escalated} == {"crisis_plan_escalation", "crisis_plan_admin_escalation"}


def test_a_contact_open_when_the_plan_is_approved_carries_over_into_monitoring(story):
    """NASW (2013): respond promptly to changes in client needs. A high-acuity contact that fell
    due while the plan waited for approval is not lost when monitoring begins."""
    ruth = story()
    ruth.screen(), ruth.engage()
    ruth.assess(risk=("suicide",))
    ruth.do("carol", "crisis_plan", CRISIS_PLAN)
    ruth.do("carol", "mandated_report", NOT_REPORTABLE)
    ruth.do("sam", "risk_alert", RISK_REVIEW)
    ruth.do("carol", "write_plan", PLAN)
    ruth.wait("P7D")
    assert "log_early_contact" in ruth.open_tasks() and "second_approve_plan" in ruth.open_tasks()
    ruth.do("ada", "second_approve_plan", APPROVE)
    assert ruth.stage == "monitoring"
    assert ruth.timers()["contact_due"] == "2026-01-12T09:00:00+00:00", "the contact due today is monitoring's first"
    ruth.wait("PT1M")  # the next timer run
    assert ruth.open_tasks() == ["log_contact"]
    ruth.do("carol", "log_contact", CONTACT)
    assert ruth.timers()["contact_due"] == "2026-01-19T09:01:00+00:00"


def test_a_low_acuity_client_gets_no_contacts_before_the_plan(story):
    """Acuity-based protocols (CMSA; NASW Std 11): low acuity, monthly contacts once the plan is in place."""
    ruth = story()
    ruth.screen(), ruth.engage(), ruth.assess()
    assert "early_contact_due" not in ruth.timers()
    ruth.plan()
    assert ruth.timers()["contact_due"] == "2026-02-04T09:00:00+00:00"


def test_a_hospital_admission_reported_by_any_staff_member_opens_a_reassessment(story):
    """NACM Case Management Practice Standards (2017): the assessment is updated when indicated
    (a significant change) or according to policy, not only on the calendar."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P10D")
    ruth.engine.messages.deliver(ruth.people["sam"], ruth.id, "significant_change",
                                 {"kind": "hospital_admission", "note": "Admitted to St Mary's after a fall"})
    assert ruth.stage == "monitoring" and ruth.open_tasks() == ["reassess"]
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("reassess")["id"])
    assert task["data"]["significant_change"]["kind"] == "hospital_admission", "the form opens with the change"
    assert "reassessment_due" not in ruth.timers() and "contact_due" not in ruth.timers()
    ruth.do("carol", "reassess", {**assessed(needs=("physical_health",) * 1 + ("basic_needs_housing",)),
                                  "significant_change": task["data"]["significant_change"]})
    ruth.do("carol", "revise_plan", PLAN)
    ruth.do("sam", "approve_revision", APPROVE)
    timers = ruth.timers()
    assert timers["reassessment_due"] == "2026-04-15T09:00:00+00:00", "the next reassessment counts from this one"
    assert ruth.record("assessment")[-1]["data"]["significant_change"]["note"] == "Admitted to St Mary's after a fall"
    audit = [e for e in ruth.engine.record.audit(ruth.people["sam"], ruth.id) if e["kind"] == "message_received"]
    assert audit and audit[-1]["data"]["message"] == "significant_change"


def test_the_client_asks_for_a_plan_change_and_monitoring_goes_on_beside_it(story):
    """NASW Standards (2013), Std 1 self-determination: the client chooses what they want help
    with; Encyclopedia of Social Work: the service contract is revised as it changes."""
    ruth = story()
    ruth.to_monitoring()
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "plan_change_requested",
                                 {"requested_by": "client", "note": "Ruth wants meals three days a week, not five"})
    assert ruth.open_tasks() == ["revise_plan_on_request"]
    assert ruth.timers()["contact_due"] == "2026-02-04T09:00:00+00:00", "monitoring carries on"
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("revise_plan_on_request")["id"])
    assert task["data"]["goals"] == PLAN["goals"], "the revision starts from the plan in force"
    assert task["data"]["change_requested"]["requested_by"] == "client"
    fewer = {**PLAN, "change_requested": task["data"]["change_requested"],
             "goals": [{**PLAN["goals"][0], "measure": "Meals delivered 3 days a week"}]}
    ruth.do("carol", "revise_plan_on_request", fewer)
    ruth.do("sam", "approve_requested_revision", APPROVE)
    assert ruth.open_tasks() == [] and ruth.stage == "monitoring"
    plan = ruth.engine.pages.case_page(ruth.people["sam"], ruth.id)["plan"]
    assert plan["bpmn_id"] == "revise_plan_on_request" and plan["status"] == "approved"
    assert plan["data"]["goals"][0]["measure"] == "Meals delivered 3 days a week"
    ruth.wait("P30D")
    assert ruth.open_tasks() == ["log_contact"]


def test_a_significant_change_before_monitoring_is_refused_by_name(story):
    """NACM (2017): before the plan is in place the assessment itself is still open."""
    ruth = story()
    ruth.screen(), ruth.engage()
    with pytest.raises(Conflict) as refused:
        ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "significant_change", {"kind": "move"})
    assert "client_withdrew" in str(refused.value)


def test_a_client_who_withdraws_during_monitoring_gets_a_short_closure_and_no_follow_up_calls(story):
    """NASW Standards (2013), Std 1 self-determination: clients choose what they want help with
    and what they do not; AAA: the right to refuse services."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P10D")
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "client_withdrew",
                                 {"reason": "My daughter is moving in and will help me"})
    assert ruth.open_tasks() == ["record_withdrawal"] and ruth.timers() == {}, "services end at once"
    assert ruth.stage == "closure"
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("record_withdrawal")["id"])
    assert task["data"]["withdrawal_reason"] == "My daughter is moving in and will help me"
    ruth.do("carol", "record_withdrawal", {"withdrawal_reason": task["data"]["withdrawal_reason"],
                                           "withdrawn_on": "2026-01-29", "told_how_to_return": True,
                                           "follow_up_calls_wanted": False})
    case = ruth.refresh()
    assert case["stage"] == "withdrawn" and case["status"] == "completed" and case["closed_at"]
    assert ruth.timers() == {}, "no 30- or 90-day calls for a client who refused them"
    assert ruth.record("withdrawal")[0]["data"]["withdrawal_reason"].startswith("My daughter")


def test_a_client_who_withdraws_during_planning_but_accepts_calls_is_followed_up(story):
    """NASW (2013), Std 1 self-determination; Encyclopedia of Social Work: follow-up after closure."""
    ruth = story()
    ruth.screen(), ruth.engage(), ruth.assess()
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "client_withdrew", {"reason": "Not now"})
    ruth.do("carol", "record_withdrawal", {"withdrawal_reason": "Not now", "withdrawn_on": "2026-01-05",
                                           "follow_up_calls_wanted": True})
    assert ruth.stage == "follow_up" and set(ruth.timers()) == {"follow_up_30", "follow_up_90"}
    ruth.wait("P30D")
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "client_withdrew", {"reason": "Please stop calling"})
    assert ruth.stage == "closed" and ruth.timers() == {} and ruth.open_tasks() == []


@pytest.mark.parametrize("where", ["screening", "engagement", "transition", "closure"])
def test_a_client_can_withdraw_at_every_stage(story, where):
    """NASW (2013), Std 1 self-determination: at every stage."""
    ruth = story()
    if where != "screening":
        ruth.screen()
    if where in ("transition", "closure"):
        ruth.engage(), ruth.assess(), ruth.plan()
        ruth.wait("P30D")
        ruth.do("carol", "log_contact", {**CONTACT, "next_step": "transition" if where == "transition" else "close"})
    assert ruth.stage == where
    reporter = "ivy" if where == "screening" else "carol"  # whoever works the case at that stage
    ruth.engine.messages.deliver(ruth.people[reporter], ruth.id, "client_withdrew", {"reason": "Changed my mind"})
    assert ruth.open_tasks() == ["record_withdrawal"]
    ruth.do("carol", "record_withdrawal", {"withdrawal_reason": "Changed my mind", "withdrawn_on": "2026-01-05",
                                           "follow_up_calls_wanted": False})
    assert ruth.stage == "withdrawn"


def test_leaving_the_waiting_list_is_a_withdrawal_not_ineligibility(story):
    """NASW (2013), Std 1 self-determination: a client who no longer wants services withdrew;
    they were not found ineligible."""
    ruth = story()
    ruth.screen(program_slot_available=False)
    ruth.wait("P14D")
    with pytest.raises(InvalidData) as no_reason:
        ruth.do("ivy", "reoffer_slot", {"slot_available": False, "still_interested": False})
    assert no_reason.value.details[0]["field"] == "withdrawal_reason"
    ruth.do("ivy", "reoffer_slot", {"slot_available": False, "still_interested": False,
                                    "withdrawal_reason": "Found a private carer"})
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("record_withdrawal")["id"])
    assert task["data"]["withdrawal_reason"] == "Found a private carer"
    ruth.do("carol", "record_withdrawal", {"withdrawal_reason": "Found a private carer", "withdrawn_on": "2026-01-19",
                                           "follow_up_calls_wanted": False})
    assert ruth.stage == "withdrawn"


def test_a_client_who_declines_services_at_engagement_is_not_called_after_closure(story):
    """AAA Client-Centered Case Management Standards: informed consent and the right to refuse;
    NASW (2013), Std 1 self-determination."""
    ruth = story()
    ruth.screen()
    with pytest.raises(InvalidData) as no_reason:
        ruth.engage(consent_to_services=False)
    assert no_reason.value.details[0]["field"] == "refusal_reason"
    ruth.engage(consent_to_services=False, refusal_reason="I manage on my own")
    assert ruth.open_tasks() == ["record_withdrawal"]
    ruth.do("carol", "record_withdrawal", {"withdrawal_reason": "I manage on my own", "withdrawn_on": "2026-01-05",
                                           "follow_up_calls_wanted": False})
    assert ruth.stage == "withdrawn" and ruth.timers() == {}


def test_a_client_may_decline_to_sign_the_plan_and_the_plan_goes_on_with_the_reason(story):
    """NASW (2013), Std 1 self-determination and Std 6 (the plan is agreed with the client);
    Encyclopedia of Social Work: the written service contract's signatures."""
    ruth = story()
    ruth.screen(), ruth.engage(), ruth.assess()
    unsigned = {k: v for k, v in PLAN.items() if k != "client_signature"}
    with pytest.raises(InvalidData) as neither:
        ruth.do("carol", "write_plan", unsigned)
    assert neither.value.details[0]["field"] == "client_signature"
    ruth.do("carol", "write_plan", {**unsigned, "client_declined_to_sign": {
        "reason": "Agrees with the plan but does not sign papers", "on": "2026-01-05"}})
    ruth.do("sam", "approve_plan", APPROVE)
    assert ruth.stage == "monitoring"
    plan = ruth.record("service_plan")[0]["data"]
    assert plan["client_declined_to_sign"]["reason"].startswith("Agrees") and "client_signature" not in plan


def test_staff_tell_the_case_from_its_page(browse, story):
    """NACM (2017): updated when indicated; NASW (2013), Std 1 self-determination. Staff report a
    significant change, or the client's withdrawal, from the case page without the API."""
    ruth = story()
    ruth.to_monitoring()
    carol = browse("carol")
    page = carol.get(f"/cases/{ruth.id}").get_data(as_text=True)
    assert "Tell the case" in page and 'value="client_withdrew"' in page
    refused = carol.post(f"/cases/{ruth.id}/messages", {"message": "significant_change", "kind": ""})
    assert refused.status_code == 302 and ruth.open_tasks() == [], "no kind of change: nothing happens"
    carol.post(f"/cases/{ruth.id}/messages", {"message": "significant_change", "kind": "hospital_discharge",
                                             "note": "Home from St Mary's"})
    assert ruth.open_tasks() == ["reassess"]
    page = carol.get(f"/cases/{ruth.id}").get_data(as_text=True)
    assert "a reassessment is open" in page
    again = carol.post(f"/cases/{ruth.id}/messages", {"message": "significant_change", "kind": "move"})
    assert again.status_code == 302
    assert "nothing in case" in carol.get(f"/cases/{ruth.id}").get_data(as_text=True), "refused by name, on the page"
    carol.post(f"/cases/{ruth.id}/messages", {"message": "client_withdrew", "note": "Moving to my son's"})
    assert ruth.open_tasks() == ["record_withdrawal"]
