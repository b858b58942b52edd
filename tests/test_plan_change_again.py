"""Issue 17 item 2: the client or case manager can ask for a plan change at any time, and any
staff member can report a significant change, as often as they happen during monitoring.

Stories of processes/case_lifecycle.bpmn with the clock moved forward."""
from __future__ import annotations

import pytest

from engine.errors import Conflict
from tests.support.lifecycle import APPROVE, CONTACT, PLAN, assessed

pytestmark = pytest.mark.lifecycle


def _revised(task_data: dict, measure: str) -> dict:
    return {**PLAN, "change_requested": task_data["change_requested"],
            "goals": [{**PLAN["goals"][0], "measure": measure}]}


def test_the_client_asks_for_a_second_plan_change_months_after_the_first(story):
    """NASW Standards (2013), Std 1 self-determination: the client chooses what they want help
    with, not once but whenever it changes. Ruth asks for fewer meals; months later she asks for
    more again: each request opens its own revision, answered in turn."""
    ruth = story()
    ruth.to_monitoring()
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "plan_change_requested",
                                 {"requested_by": "client", "note": "Three days a week, not five"})
    with pytest.raises(Conflict, match="nothing in case .* waits for the message 'plan_change_requested'"):
        ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "plan_change_requested",
                                     {"requested_by": "family", "note": "Her son wants Sundays too"})
    assert ruth.open_tasks() == ["revise_plan_on_request"], "one revision at a time: fold it into the open one"
    first = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("revise_plan_on_request")["id"])
    ruth.do("carol", "revise_plan_on_request", _revised(first["data"], "Meals delivered 3 days a week"))
    ruth.do("sam", "approve_requested_revision", APPROVE)
    assert ruth.open_tasks() == []

    ruth.wait("P30D")
    ruth.do("carol", "log_contact", CONTACT)
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", CONTACT)
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "plan_change_requested",
                                 {"requested_by": "case_manager", "note": "Back to five days after the fall"})
    assert ruth.open_tasks() == ["revise_plan_on_request"], "the second request opens a revision too"
    second = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("revise_plan_on_request")["id"])
    assert second["data"]["change_requested"]["requested_by"] == "case_manager"
    assert second["data"]["goals"][0]["measure"] == "Meals delivered 3 days a week", "from the plan in force"
    ruth.do("carol", "revise_plan_on_request", _revised(second["data"], "Meals delivered 5 days a week"))
    ruth.do("sam", "approve_requested_revision", APPROVE)
    assert ruth.open_tasks() == [] and ruth.stage == "monitoring"
    plan = ruth.engine.pages.case_page(ruth.people["sam"], ruth.id)["plan"]
    assert plan["data"]["goals"][0]["measure"] == "Meals delivered 5 days a week"


def test_two_significant_changes_in_one_monitoring_stage_open_two_reassessments(story):
    """NACM Case Management Practice Standards (2017): the assessment is updated when indicated,
    each time: a hospital admission, and months later the loss of her caregiver."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P10D")
    ruth.engine.messages.deliver(ruth.people["sam"], ruth.id, "significant_change",
                                 {"kind": "hospital_admission", "note": "Admitted after a fall"})
    assert ruth.open_tasks() == ["reassess"]
    ruth.do("carol", "reassess", assessed())
    ruth.do("carol", "revise_plan", PLAN)
    ruth.do("sam", "approve_revision", APPROVE)
    assert ruth.open_tasks() == []
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", CONTACT)
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "significant_change",
                                 {"kind": "loss_of_caregiver", "note": "Her daughter moved away"})
    assert ruth.open_tasks() == ["reassess"], "the second change opens a reassessment too"
    task = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("reassess")["id"])
    assert task["data"]["significant_change"]["kind"] == "loss_of_caregiver"
    ruth.do("carol", "reassess", assessed())
    ruth.do("carol", "revise_plan", PLAN)
    ruth.do("sam", "approve_revision", APPROVE)
    assert ruth.open_tasks() == [] and ruth.stage == "monitoring"


def test_after_monitoring_ends_a_plan_change_or_a_significant_change_is_refused_by_name(story, login):
    """NASW Standards (2013), Std 1: a request is honoured while services run; once monitoring
    has ended (Ruth is ready to close) nothing waits for it, and the API says so with a 409
    naming the message, nothing changed."""
    ruth = story()
    ruth.to_monitoring()
    ruth.engine.messages.deliver(ruth.people["carol"], ruth.id, "plan_change_requested",
                                 {"requested_by": "client", "note": "Three days a week"})
    first = ruth.engine.tasks.get_task(ruth.people["carol"], ruth.task("revise_plan_on_request")["id"])
    ruth.do("carol", "revise_plan_on_request", _revised(first["data"], "Meals delivered 3 days a week"))
    ruth.do("sam", "approve_requested_revision", APPROVE)
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    assert ruth.stage != "monitoring"
    before = ruth.open_tasks()
    carol = login("carol")
    for name, payload in (("plan_change_requested", {"requested_by": "client", "note": "More meals"}),
                          ("significant_change", {"kind": "move", "note": "Moved in with her son"})):
        refused = carol.post(f"/api/cases/{ruth.id}/messages", json={"name": name, "payload": payload})
        assert refused.status_code == 409, refused.get_json()
        assert f"waits for the message '{name}'" in refused.get_json()["error"]["message"]
    assert ruth.open_tasks() == before


MEALS = {"provider": "Meals on Wheels", "service": "home-delivered meals", "rationale": "Cannot cook since the fall"}


def test_a_status_recorded_straight_to_the_record_answers_the_open_follow_up(story, login):
    """NACM Case Management Practice Standards (2017): evaluate the appropriateness and
    effectiveness of referrals. Meals on Wheels rings back before Carol gets to her follow-up
    call; she records the status on the record, and "Follow up the referral to Meals on Wheels"
    is answered by it in the same step (audited: who, which entry), so nobody calls twice. A
    status for another provider answers nothing."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})
    ruth.clock.advance("P14D")
    ruth.engine.referrals.open_due()
    task = ruth.task("follow_up_referral")
    today = ruth.clock.now().date().isoformat()

    carol = login("carol")
    other = carol.post(f"/api/cases/{ruth.id}/record", json={"kind": "referral_status", "data": {
        "provider": "Riverside Day Centre", "status": "accepted", "on": today}})
    assert other.status_code == 201 and ruth.open_tasks() == ["follow_up_referral"]

    answered = carol.post(f"/api/cases/{ruth.id}/record", json={"kind": "referral_status", "data": {
        "provider": "meals on  wheels", "status": "service_started", "on": today, "note": "First delivery Monday"}})
    assert answered.status_code == 201, answered.get_json()
    assert "follow_up_referral" not in ruth.open_tasks() and ruth.stage == "monitoring"
    done = ruth.engine.tasks.get_task(ruth.people["sam"], task["id"], with_answers=False)
    assert done["state"] == "completed" and done["assignee"] == "carol"
    statuses = ruth.record("referral_status") + ruth.record("record_referral_status")
    assert [s["data"]["status"] for s in statuses] == ["accepted", "service_started"], "one entry, not two"
    audit = ruth.engine.record.audit(ruth.people["sam"], ruth.id)
    completed = [e for e in audit if e["kind"] == "task_completed" and e["data"]["task_id"] == task["id"]]
    assert len(completed) == 1 and completed[0]["actor"] == "carol"
    assert completed[0]["data"]["entry_id"] == answered.get_json()["id"]
    assert "recorded the referral's status (service_started)" in completed[0]["message"]
    page = ruth.engine.pages.case_page(ruth.people["carol"], ruth.id)["referrals"]
    assert [(r["provider"], r["status"]) for r in page] == [("Meals on Wheels", "service_started")]
    ruth.clock.advance("P30D")
    assert ruth.engine.referrals.open_due() == [] and "follow_up_referral" not in ruth.open_tasks()


def test_casepath_referrals_follow_up_opens_what_is_due_once_from_cron(story, lifecycle_app):
    """NACM (2017): evaluate the effectiveness of referrals, on a schedule an agency can run from
    cron: `casepath referrals follow-up` opens the follow-ups due and says which; run again, it
    opens nothing more."""
    from web.cli import referrals_follow_up_command

    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})
    runner = lifecycle_app.test_cli_runner()
    early = runner.invoke(referrals_follow_up_command, [])
    assert early.exit_code == 0 and "0 follow-up(s) opened" in early.output and ruth.open_tasks() == []

    ruth.clock.advance("P14D")
    first = runner.invoke(referrals_follow_up_command, [])
    assert first.exit_code == 0, first.output
    assert "referrals without news after 14 days: 1 follow-up(s) opened" in first.output
    task = ruth.task("follow_up_referral")
    assert f"case {ruth.id}: Meals on Wheels (referred 2026-02-04), task {task['id']}" in first.output
    again = runner.invoke(referrals_follow_up_command, [])
    assert again.exit_code == 0 and "0 follow-up(s) opened" in again.output
    assert ruth.open_tasks() == ["follow_up_referral"]
