"""Retention from two seats (NASW Std 10): the administrator requests the disposal of a closed
record past its period, the supervisor finds the request on the Retention page and approves it
after a confirmation; a record under a legal hold shows the hold and cannot be disposed of."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from engine.policy import operator
from tests.support.browser import sign_in
from tests.support.lifecycle import APPROVE, CLOSURE, CONTACT, FOLLOW_UP, Story
from tests.support.people import ADULT

pytestmark = pytest.mark.browser


def finished_case(engine, people, clock, **kw) -> Story:
    case = Story(engine, people, clock, **kw)
    case.to_monitoring()
    case.wait("P30D")
    case.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    case.do("carol", "close_case", CLOSURE)
    case.do("sam", "approve_closure", APPROVE)
    case.wait("P30D")
    case.do("carol", "check_in_30", FOLLOW_UP)
    case.wait("P60D")
    case.do("carol", "check_in_90", FOLLOW_UP)
    assert case.refresh()["status"] == "completed"
    return case


def test_the_admin_requests_and_the_supervisor_approves(page, live_server, people, lifecycle_engine, clock):
    engine = lifecycle_engine
    engine.programs.add(operator("ada"), "Aging services", "case_lifecycle")
    engine.retention.set_period(operator("ada"), "Aging services", 365)
    ruth = finished_case(engine, people, clock)
    held = finished_case(engine, people, clock, client={**ADULT, "first_name": "Abe", "last_name": "Lind",
                                                         "birth_date": "1950-01-02"})
    clock.advance("P400D")

    # --- sam's seat: a legal hold placed from the page, with its reason
    sign_in(page, live_server, "sam")
    page.get_by_role("link", name="Retention").click()
    held_row = page.locator(f"#retention-{held.id}")
    held_row.get_by_text("Place a legal hold").click()
    held_row.get_by_label("Reason for the hold").fill("Subpoena, county court case 26-114")
    held_row.get_by_role("button", name="Place the hold").click()
    expect(page.locator(".flashes")).to_contain_text("legal hold")
    expect(held_row.locator(".hold")).to_contain_text("Subpoena, county court case 26-114")
    expect(held_row.locator(".disposal")).to_contain_text("Cannot be disposed of")
    expect(page.locator(f"#retention-{ruth.id}")).to_contain_text("Not requested yet")

    # --- ada's seat: the request, with a note for the approver
    sign_in(page, live_server, "ada")
    page.get_by_role("link", name="Retention").click()
    expect(page.locator(f"#retention-{held.id}").get_by_role("button", name="Request disposal")).to_have_count(0)
    row = page.locator(f"#retention-{ruth.id}")
    expect(row).to_contain_text("Aging services")
    expect(row).to_contain_text("365 days")
    row.get_by_label("Note for the approver").fill("past the period, no open matters")
    row.get_by_role("button", name="Request disposal").click()
    expect(page.locator(".flashes")).to_contain_text("a supervisor approves it")
    expect(row.locator(".disposal")).to_contain_text("Requested by ada")
    expect(row.get_by_role("link", name="Approve disposal…")).to_have_count(0)

    # --- sam's seat: the request is on the page; the approval asks first
    sign_in(page, live_server, "sam")
    page.get_by_role("link", name="Retention").click()
    row = page.locator(f"#retention-{ruth.id}")
    expect(row).to_contain_text("past the period, no open matters")
    page.screenshot(path=str(live_server.artifacts / "retention.png"), full_page=True)
    row.get_by_role("link", name="Approve disposal…").click()
    expect(page.locator("main")).to_contain_text("This cannot be undone")
    page.get_by_role("button", name="Dispose of the record").click()  # not yet confirmed: the browser refuses
    expect(page.locator("h1")).to_contain_text("Dispose of case")
    page.get_by_label(f"I confirm case #{ruth.id}'s record is to be destroyed").check()
    page.get_by_role("button", name="Dispose of the record").click()
    expect(page.locator(".flashes")).to_contain_text("was disposed of")
    expect(page.locator(f"#retention-{ruth.id}")).to_have_count(0)
    page.goto(f"{live_server.url}/cases/{ruth.id}")
    expect(page.locator("h1")).not_to_contain_text("Okafor")

    # the held record cannot be disposed of, even by posting the form directly
    assert page.request.post(f"{live_server.url}/retention/{held.id}/dispose", form={"confirm": "yes"},
                             max_redirects=0).status in (302, 303, 400)
    assert held.refresh()["status"] == "completed", "the held record is untouched"
    page.goto(f"{live_server.url}/retention")
    expect(page.locator(f"#retention-{held.id}")).to_contain_text("Legal hold")

    # and lifting the hold takes a reason
    held_row = page.locator(f"#retention-{held.id}")
    held_row.get_by_label("Why the hold is lifted").fill("the court case settled")
    held_row.get_by_role("button", name="Lift the hold").click()
    expect(page.locator(".flashes")).to_contain_text("lifted")
    expect(held_row.locator(".hold")).to_contain_text("None")
    assert page.console_errors == []


def test_the_reports_page_screenshot(page, live_server, people, lifecycle_engine, clock):
    engine = lifecycle_engine
    finished_case(engine, people, clock)
    Story(engine, people, clock, client={**ADULT, "first_name": "Abe", "last_name": "Lind",
                                         "birth_date": "1950-01-02"}).to_monitoring()
    sign_in(page, live_server, "sam")
    page.get_by_role("link", name="Reports").click()
    expect(page.locator("h1")).to_contain_text("Outcome and process measures")
    page.screenshot(path=str(live_server.artifacts / "reports.png"), full_page=True)
    assert page.console_errors == []
