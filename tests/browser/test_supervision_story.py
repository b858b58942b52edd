"""The monthly supervision session from the supervisor's seat (NASW 2013 Std 11): the month's
first poll opens a session for each case manager; Sam finds Carol's in the team inbox, claims
it, writes the notes and signs them; Carol acknowledges them from her inbox."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_every_control_is_labelled, complete, fill_form, open_task, sign_in

pytestmark = pytest.mark.browser

NOTES = {"held_on": "2026-01-07", "duration_minutes": 45, "format": "individual",
         "caseload_concerns": "Two high-acuity cases; hold new intakes",
         "action_items": [{"action": "Book the MI refresher", "due_on": "2026-01-30"}],
         "summary": "Caseload reviewed", "next_session_on": "2026-02-04"}


def test_a_supervisor_holds_the_monthly_session(page, live_server, people, lifecycle_engine):
    opened = lifecycle_engine.supervision.open_if_due()
    carols = next(s["case_id"] for s in opened["sessions"] if s["worker"] == "carol")

    # --- sam's seat: the session waits in the team's inbox, named for the case manager
    sign_in(page, live_server, "sam")
    open_task(page, live_server, "team", "Hold the monthly supervision session", client="Supervision: carol")
    expect(page.locator(".breadcrumb")).to_contain_text(f"Supervision: carol (case #{carols})")
    assert_every_control_is_labelled(page)
    fill_form(page, NOTES)
    complete(page)
    page.goto(f"{live_server.url}/cases/{carols}")
    expect(page.locator("#supervision-of")).to_contain_text("The supervision session of 2026-01 with carol")
    expect(page.locator("main")).to_contain_text("Acknowledge the supervision notes")

    # --- carol's seat: she reads and signs
    sign_in(page, live_server, "carol")
    open_task(page, live_server, "mine", "Acknowledge the supervision notes", client="Supervision: carol")
    fill_form(page, {"acknowledged": True, "comment": "Agreed"})
    complete(page)
    assert lifecycle_engine.cases.get_case(people["sam"], carols)["status"] == "completed"
    assert page.console_errors == []
