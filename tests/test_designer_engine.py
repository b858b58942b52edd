"""The designer's engine side: drafts checked on save, deploy from drafts, version history
with what changed, migration of running cases (all or nothing per case, refused with the
reason), and hostile files refused with nothing stored."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import Conflict, DeploymentInvalid, Forbidden, InvalidData
from tests.support.designer import HOSTILE, LIFECYCLE, TIMER_60, TIMER_90, deploy_with, reassessment_due
from tests.support.lifecycle import APPROVE, ENGAGED, PLAN, SCREENED, assessed
from tests.support.paths import PROCESSES

pytestmark = pytest.mark.lifecycle


def test_an_admin_shortens_the_reassessment_and_a_migrated_case_follows_it(case_engine, people, story, clock):
    running = story()
    running.to_monitoring()
    started = clock.now()
    assert reassessment_due(running) - started == timedelta(days=90)  # low acuity

    clock.advance("P10D")
    assert TIMER_90 in LIFECYCLE
    version = deploy_with(case_engine, people, LIFECYCLE.replace(TIMER_90, TIMER_60))
    assert version == 2
    history = case_engine.designer.version_history(people["ada"], "case_lifecycle")
    assert history[0]["version"] == 2 and history[0]["deployed_by"] == "ada"
    assert [c["id"] for c in history[0]["changes"]["changed"]] == ["reassessment_due"]
    assert history[0]["changes"]["added"] == [] and history[0]["changes"]["removed"] == []
    assert history[1]["running_cases"] == 1 and history[0]["running_cases"] == 0

    new = story(client={"first_name": "Nia", "last_name": "Cole", "birth_date": "1950-02-02"})
    new.to_monitoring()
    assert reassessment_due(new) - clock.now() == timedelta(days=60)
    assert reassessment_due(running) - started == timedelta(days=90)  # still on version 1

    result = case_engine.designer.migrate_cases(people["ada"], "case_lifecycle", 2, [running.id])
    assert result["refused"] == [] and result["migrated"][0]["from_version"] == 1
    assert reassessment_due(running) - started == timedelta(days=60)  # counted from when it started waiting
    assert running.refresh()["process"]["version"] == 2
    assert any(e["kind"] == "case_migrated" for e in case_engine.record.audit(people["sam"], running.id))
    # and the case goes on working on the new version
    clock.set(reassessment_due(running) + timedelta(hours=1))
    case_engine.timers.fire_due_timers()
    assert "reassess" in running.open_tasks()


def test_a_case_parked_on_a_removed_element_is_refused_with_the_reason(case_engine, people, story):
    parked = story()
    parked.screen()  # waiting at "engage_client"
    monitored = story(client={"first_name": "Al", "last_name": "Moe", "birth_date": "1944-04-04"})
    monitored.to_monitoring()
    before = parked.refresh()
    without_engagement_task = LIFECYCLE.replace('id="engage_client"', 'id="engage_client_v2"') \
        .replace('targetRef="engage_client"', 'targetRef="engage_client_v2"') \
        .replace('sourceRef="engage_client"', 'sourceRef="engage_client_v2"') \
        .replace('>engage_client<', '>engage_client_v2<') \
        .replace('bpmnElement="engage_client"', 'bpmnElement="engage_client_v2"')
    deploy_with(case_engine, people, without_engagement_task)
    result = case_engine.designer.migrate_cases(people["ada"], "case_lifecycle", 2)
    assert [m["case_id"] for m in result["migrated"]] == [monitored.id]
    assert result["refused"] == [{"case_id": parked.id, "reason": f"case {parked.id} is at engage_client, engagement_overdue, which "
                                  f"version 2 does not have; it stays on version 1"}]
    after = parked.refresh()
    assert after["process"]["version"] == 1 and after["tasks"] == before["tasks"]
    assert any(e["kind"] == "migration_refused" for e in case_engine.record.audit(people["sam"], parked.id))


def test_a_claimed_task_keeps_its_claim_across_a_migration(case_engine, people, story):
    ruth = story()
    ruth.screen()
    task = ruth.task("engage_client")
    case_engine.tasks.claim(people["carol"], task["id"])
    deploy_with(case_engine, people, LIFECYCLE.replace(TIMER_90, TIMER_60))
    case_engine.designer.migrate_cases(people["ada"], "case_lifecycle", 2, [ruth.id])
    assert ruth.task("engage_client") == {**task, "assignee": "carol"}
    ruth.engage()
    assert ruth.stage == "assessment"


def test_a_draft_with_problems_is_kept_with_them_and_cannot_be_deployed(case_engine, people):
    broken = LIFECYCLE.replace('value="service_plan.schema.json"', 'value="no_such_form.schema.json"')
    saved = case_engine.designer.save_process_draft(people["ada"], "case_lifecycle", "case_lifecycle.bpmn", broken.encode())
    assert {p["element_id"] for p in saved["problems"]} >= {"write_plan"}
    with pytest.raises(DeploymentInvalid):
        case_engine.designer.deploy_process_drafts(people["ada"], "case_lifecycle")
    assert [v["version"] for v in case_engine.designer.version_history(people["ada"], "case_lifecycle")] == [1]


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_file_is_refused_as_a_draft_and_nothing_is_stored(case_engine, people, kind):
    with pytest.raises(DeploymentInvalid):
        case_engine.designer.save_process_draft(people["ada"], "case_lifecycle", "case_lifecycle.bpmn", HOSTILE[kind])
    assert case_engine.designer.model_files(people["ada"], "case_lifecycle", with_drafts=True)["files"][0]["draft"] is False


def test_only_admins_design(case_engine, people):
    for who in ("sam", "carol", "ivy"):
        with pytest.raises(Forbidden):
            case_engine.designer.save_process_draft(people[who], "case_lifecycle", "case_lifecycle.bpmn", LIFECYCLE.encode())
        with pytest.raises(Forbidden):
            case_engine.designer.migrate_cases(people[who], "case_lifecycle", 1)


def test_deploying_without_a_draft_is_a_conflict(case_engine, people):
    with pytest.raises(Conflict):
        case_engine.designer.deploy_process_drafts(people["ada"], "case_lifecycle")


def test_a_draft_is_simulated_on_a_sample_case_without_touching_real_cases(case_engine, people, story):
    real = story()
    case_engine.designer.save_process_draft(people["ada"], "case_lifecycle", "case_lifecycle.bpmn",
                                   LIFECYCLE.replace(TIMER_90, TIMER_60).encode())
    actions = [{"complete": "screen_referral", "data": SCREENED}, {"complete": "engage_client", "data": ENGAGED},
               {"complete": "assess", "data": assessed()}, {"complete": "write_plan", "data": PLAN}]
    halfway = case_engine.simulation.simulate(people["ada"], "case_lifecycle", actions)
    assert halfway["stage"] == "planning", (halfway["error"], [p["bpmn_id"] for p in halfway["path"]][-8:])
    assert [(t["bpmn_id"], t["lane"], t["approval"]) for t in halfway["tasks"]] == [("approve_plan", "supervisor", True)]
    assert any(p["bpmn_id"] == "decide_eligibility" for p in halfway["path"])

    later = case_engine.simulation.simulate(people["ada"], "case_lifecycle",
                                 actions + [{"complete": "approve_plan", "data": APPROVE}, {"advance": "P61D"}])
    assert later["stage"] == "monitoring"
    assert "reassess" in [t["bpmn_id"] for t in later["tasks"]]  # the draft's 60 days, not 90
    fired = [p for p in later["path"] if p["bpmn_id"] == "reassessment_due"]
    assert fired and fired[0]["at"].startswith("2026-03-06")  # 60 days after the plan's approval on 5 Jan
    # the real world did not move
    assert case_engine.clock.now().isoformat().startswith("2026-01-05")
    assert real.open_tasks() == ["screen_referral"]
    assert [v["version"] for v in case_engine.designer.version_history(people["ada"], "case_lifecycle")] == [1]


def test_a_simulation_step_that_does_not_fit_says_which(case_engine, people):
    with pytest.raises(InvalidData) as refused:
        case_engine.simulation.simulate(people["ada"], "case_lifecycle", [{"complete": "approve_plan", "data": {}}])
    assert "there is no open task 'approve_plan' (open: screen_referral)" in refused.value.message


def test_an_admin_changes_the_acuity_table_and_new_cases_follow_it(case_engine, people, story, clock):
    acuity = (PROCESSES / "acuity.dmn").read_text()
    low_90 = '<outputEntry id="a3_reassess"><text>"P90D"</text></outputEntry>'
    assert low_90 in acuity
    saved = case_engine.designer.save_process_draft(people["ada"], "case_lifecycle", "acuity.dmn",
                                           acuity.replace(low_90, low_90.replace("P90D", "P45D")).encode())
    assert saved["problems"] == []
    assert case_engine.designer.deploy_process_drafts(people["ada"], "case_lifecycle")["version"] == 2
    changes = case_engine.designer.version_history(people["ada"], "case_lifecycle")[0]["changes"]
    assert [(c["type"], c["file"]) for c in changes["changed"]] == [("rule", "acuity.dmn")]

    low = story()
    low.to_monitoring()
    assert reassessment_due(low) - clock.now() == timedelta(days=45)


def test_a_broken_decision_table_is_flagged_on_its_rule(case_engine, people):
    acuity = (PROCESSES / "acuity.dmn").read_text()
    broken = acuity.replace('<text>"P90D"</text>', '<text>__import__("os")</text>')
    saved = case_engine.designer.save_process_draft(people["ada"], "case_lifecycle", "acuity.dmn", broken.encode())
    assert [p["element_id"] for p in saved["problems"]] == ["a3_reassess"]
    with pytest.raises(DeploymentInvalid):
        case_engine.designer.deploy_process_drafts(people["ada"], "case_lifecycle")
