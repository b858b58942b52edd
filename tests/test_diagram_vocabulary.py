"""What a step is for comes from the diagram, not from ids in code: an agency that renames
its plan and approval steps keeps its Approvals queue, dashboard and case page; a risk
review is an escalation, the same on every page; a misspelt purpose is refused at deploy."""
from __future__ import annotations

import pytest

from engine.errors import DeploymentInvalid
from engine.services.inbox import InboxQuery
from tests.support.designer import LIFECYCLE, deploy_with
from tests.support.lifecycle import APPROVE, PLAN

pytestmark = pytest.mark.lifecycle


def approvals_tab(case_engine, person) -> list[str]:
    return [t["bpmn_id"] for t in case_engine.inbox.inbox(person, InboxQuery(tab="approvals")).tasks]


def waiting_on_dashboard(case_engine, person) -> list[str]:
    return [t["bpmn_id"] for t in case_engine.dashboard.dashboard(person)["awaiting_approval"]]


def test_an_agency_renames_its_plan_steps_and_keeps_its_pages(case_engine, people, story):
    renamed = LIFECYCLE.replace("write_plan", "draft_plan").replace("approve_plan", "sign_off_plan")
    assert 'id="sign_off_plan"' in renamed and 'name="purpose" value="approval"' in renamed
    assert deploy_with(case_engine, people, renamed) == 2

    ruth = story()
    ruth.screen()
    ruth.engage()
    ruth.assess()
    ruth.do("carol", "draft_plan", PLAN)

    sam = people["sam"]
    assert approvals_tab(case_engine, sam) == ["sign_off_plan"]
    assert waiting_on_dashboard(case_engine, sam) == ["sign_off_plan"]
    page = case_engine.pages.case_page(sam, ruth.id)
    assert page["plan"]["status"] == "awaiting approval"
    assert page["plan"]["data"]["goals"][0]["goal"] == PLAN["goals"][0]["goal"]

    ruth.do("sam", "sign_off_plan", APPROVE)
    assert case_engine.pages.case_page(sam, ruth.id)["plan"]["status"] == "approved"
    assert case_engine.pages.client_plan(sam, ruth.id)["plan"]["status"] == "approved"
    assert ruth.stage == "monitoring"


def test_a_risk_review_is_an_escalation_on_every_page(case_engine, people, story):
    ruth = story()
    ruth.screen()
    ruth.engage()
    ruth.assess(risk=("suicide",))
    assert "risk_alert" in ruth.open_tasks()
    sam = people["sam"]
    assert "risk_alert" not in approvals_tab(case_engine, sam)
    assert "risk_alert" not in waiting_on_dashboard(case_engine, sam)
    assert ruth.task("risk_alert")["purpose"] == "escalation"

    ruth.do("carol", "write_plan", PLAN)
    assert approvals_tab(case_engine, sam) == waiting_on_dashboard(case_engine, sam) == ["approve_plan"]


def test_a_misspelt_purpose_is_refused_naming_the_step(case_engine, people):
    typo = LIFECYCLE.replace('<spiffworkflow:property name="purpose" value="plan"/>',
                             '<spiffworkflow:property name="purpose" value="plans"/>', 1)
    saved = case_engine.designer.save_process_draft(people["ada"], "case_lifecycle", "case_lifecycle.bpmn",
                                                    typo.encode())
    assert [(p["element_id"], "purpose 'plans'" in p["message"]) for p in saved["problems"]] == [("write_plan", True)]
    with pytest.raises(DeploymentInvalid):
        case_engine.designer.deploy_process_drafts(people["ada"], "case_lifecycle")
