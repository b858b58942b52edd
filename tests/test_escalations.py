"""Issue 17 follow-up: overdue engagement and overdue contacts go to the supervisor.

Stories of processes/case_lifecycle.bpmn with the clock moved forward. `engagement_overdue`
(ten days on `engage_client`) and `contact_overdue` (seven days on `log_contact`) are
non-interrupting timers: the work stays with the case manager, and the supervisor gets a task
to follow it up (`engagement_escalation`, `contact_escalation`) that ends when the supervisor
says what was done about it, or is withdrawn when the stage it is about ends (the stage's end is
a terminate end event: an open escalation never holds a case in a stage whose work is done)."""
from __future__ import annotations

import pytest

from engine.services.inbox import InboxQuery
from tests.support.lifecycle import CONTACT

pytestmark = pytest.mark.lifecycle

FOLLOWED_UP = {"action_taken": "Talked it through with Carol; she sees the client tomorrow"}


def _escalations_for(story_case, user: str) -> list[str]:
    engine, people = story_case.engine, story_case.people
    return [t["bpmn_id"] for t in engine.inbox.inbox(people[user], InboxQuery(tab="escalations")).tasks]


def test_engagement_left_past_its_deadline_goes_to_the_supervisor(story):
    """NASW Standards for Social Work Case Management (2013), Std 11 (workload sustainability):
    "social workers, managers or administrators, and organizations have joint responsibility"
    for a workload that allows "adequate and appropriate interventions and monitoring"; Std 9:
    "use of peer review, supervision, and consultation". A case the case manager cannot get to
    is the supervisor's business, not something the calendar silently swallows.

    Ruth is screened on Monday 5 January. Carol has a week to engage her; ten days on, with
    no engagement, Sam (the supervisor) gets a task telling him so, with two days to act. The
    engagement stays with Carol. When she engages Ruth and Sam records what he did, the case
    goes on to assessment."""
    ruth = story()
    ruth.screen()
    assert ruth.task("engage_client")["due_at"] == "2026-01-12T09:00:00+00:00"
    assert ruth.timers()["engagement_overdue"] == "2026-01-15T09:00:00+00:00"

    ruth.wait("P9D")  # day 9: late, but not yet escalated
    assert ruth.open_tasks() == ["engage_client"]
    assert _escalations_for(ruth, "sam") == []

    ruth.wait("P1D")  # day 10: the deadline has passed
    assert ruth.open_tasks() == ["engage_client", "engagement_escalation"]
    escalation = ruth.task("engagement_escalation")
    assert escalation["name"] == "Engagement overdue: follow up with the case manager"
    assert (escalation["lane"], escalation["purpose"], escalation["form"]) == ("supervisor", "escalation", "escalation")
    assert escalation["due_at"] == "2026-01-17T09:00:00+00:00", "two days to act"
    assert _escalations_for(ruth, "sam") == ["engagement_escalation"]
    assert ruth.task("engage_client")["lane"] == "case_manager", "the engagement stays with the case manager"

    ruth.engage()
    # The engagement is done, so its escalation is moot: withdrawn, and the assessment opens at
    # once instead of waiting on the supervisor's follow-up.
    assert ruth.open_tasks() == ["assess"] and ruth.stage == "assessment"
    assert _escalations_for(ruth, "sam") == []
    assert ruth.engine.tasks.get_task(ruth.people["sam"], escalation["id"])["state"] == "cancelled"
    assert "engagement_overdue" not in ruth.timers()


def test_engagement_done_in_time_raises_no_escalation(story):
    """NASW (2013) Std 11: the supervisor is called in only when work is overdue."""
    ruth = story()
    ruth.screen()
    ruth.wait("P6D")
    ruth.engage()
    assert "engagement_overdue" not in ruth.timers()
    ruth.wait("P10D")
    assert "engagement_escalation" not in ruth.open_tasks()
    assert _escalations_for(ruth, "sam") == []


def test_an_overdue_monitoring_contact_goes_to_the_supervisor_and_the_rhythm_resumes(story):
    """NACM Case Management Practice Standards (2017), monitoring, coordinating and adjusting
    service delivery: the case manager "ensures that services are effective and satisfactory";
    NASW (2013) Std 6: monitoring "enables the social worker to respond promptly to changes in
    client needs", and Std 11: managers share responsibility for "monitoring of services".

    Ruth is low acuity: a contact every thirty days. The contact falls due on 4 February with
    three days to log it; a week later there is still none, and Sam gets a task to follow it up
    with Carol. Carol then calls Ruth: the next contact is set thirty days from that call, and
    the escalation closes when Sam records what he did; no second escalation comes."""
    ruth = story()
    ruth.to_monitoring()
    assert ruth.refresh()["acuity"] == "low"
    assert ruth.timers()["contact_due"] == "2026-02-04T09:00:00+00:00"

    ruth.wait("P30D")  # 4 February: the contact is due
    contact = ruth.task("log_contact")
    assert contact["due_at"] == "2026-02-07T09:00:00+00:00"
    assert ruth.timers()["contact_overdue"] == "2026-02-11T09:00:00+00:00"

    ruth.wait("P6D")  # 10 February: late, not yet escalated
    assert ruth.open_tasks() == ["log_contact"]
    ruth.wait("P1D")  # 11 February: a week late
    assert ruth.open_tasks() == ["contact_escalation", "log_contact"]
    escalation = ruth.task("contact_escalation")
    assert escalation["name"] == "Contact overdue: follow up with the case manager"
    assert (escalation["lane"], escalation["purpose"], escalation["form"]) == ("supervisor", "escalation", "escalation")
    assert escalation["assignee"] == "sam", "Ruth's supervisor, not the whole lane"
    assert escalation["due_at"] == "2026-02-13T09:00:00+00:00"
    assert _escalations_for(ruth, "sam") == ["contact_escalation"]
    assert ruth.task("log_contact")["assignee"] == "carol", "the contact stays with the case manager"
    assert ruth.stage == "monitoring"

    ruth.wait("P1D")  # 12 February: Carol reaches Ruth
    ruth.do("carol", "log_contact", CONTACT)
    timers = ruth.timers()
    assert timers["contact_due"] == "2026-03-14T09:00:00+00:00", "thirty days from the contact made, not the one due"
    assert "contact_overdue" not in timers
    assert ruth.open_tasks() == ["contact_escalation"], "the supervisor still says what was done"
    assert len(ruth.record("contact")) == 1

    ruth.do("sam", "contact_escalation", FOLLOWED_UP)
    assert ruth.open_tasks() == [] and ruth.stage == "monitoring"
    assert _escalations_for(ruth, "sam") == []

    ruth.wait("P30D")  # 14 March: the next contact, logged the same day
    ruth.do("carol", "log_contact", CONTACT)
    ruth.wait("P10D")
    assert "contact_escalation" not in ruth.open_tasks(), "a contact made on time raises nothing"


def test_a_decision_to_close_is_not_lost_behind_an_open_escalation(story):
    """NASW (2013) Std 6: respond promptly to changes in client needs. Carol's contact is a week
    late and Sam has the escalation; when Carol reaches Ruth and they decide to close, the case
    goes to closure at once: the open escalation is withdrawn, not left to hold the case in
    monitoring until a reassessment timer overrides the decision."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P37D")
    assert ruth.open_tasks() == ["contact_escalation", "log_contact"]
    escalation = ruth.task("contact_escalation")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    assert (ruth.stage, ruth.open_tasks()) == ("closure", ["close_case"])
    assert ruth.engine.tasks.get_task(ruth.people["sam"], escalation["id"])["state"] == "cancelled"
    assert _escalations_for(ruth, "sam") == []
