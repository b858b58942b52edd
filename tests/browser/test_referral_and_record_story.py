"""Intake types a referral for a client whose case is already open: the page names the
possible duplicate with a link to it before anything opens, and intake opens a new case
anyway on purpose. A case manager writes a contact note from the case page and reads it
in the record, dates in words."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_every_control_is_labelled, sign_in
from tests.support.lifecycle import Story

pytestmark = pytest.mark.browser


def test_intake_is_warned_of_a_possible_duplicate_and_opens_a_new_case_anyway(page, live_server, people,
                                                                                lifecycle_engine, clock):
    ruth = Story(lifecycle_engine, people, clock)  # Ruth's referral is already in screening

    sign_in(page, live_server, "ivy")
    expect(page.locator('[data-tab="todo"]')).to_have_attribute("aria-current", "page")
    expect(page.locator("table.tasks tbody tr", has_text="Screen the referral")).to_have_count(1)
    page.locator("main").get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New referral")

    page.get_by_label("First name").fill("Ruth")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Date of birth").fill("1948-03-14")
    page.get_by_role("button", name="Record the referral").click()

    warning = page.locator("#duplicates")
    expect(warning).to_contain_text(
        f"Possible duplicate: Ruth Okafor, born 14 March 1948, case #{ruth.id} (screening)")
    expect(warning.get_by_role("link")).to_have_attribute("href", f"/cases/{ruth.id}")
    assert len(lifecycle_engine.cases.list_cases(people["sam"])) == 1, "nothing opened yet"
    assert_every_control_is_labelled(page)

    page.get_by_label("Open a new case anyway").check()
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator(".flashes")).to_contain_text("Referral recorded")
    assert len(lifecycle_engine.cases.list_cases(people["sam"])) == 2
    assert page.console_errors == []


def test_a_case_manager_adds_a_contact_note_from_the_case_page(page, live_server, people, lifecycle_engine, clock):
    ruth = Story(lifecycle_engine, people, clock)
    ruth.screen()
    ruth.engage()  # carol's case

    sign_in(page, live_server, "carol")
    page.goto(f"{live_server.url}/cases/{ruth.id}")
    expect(page.locator(".summary")).to_contain_text("14 March 1948")
    page.get_by_text("Add a contact note").click()
    form = page.locator("#add-contact")
    form.get_by_label("When the contact took place").fill("2026-01-05T08:15")  # NASW Std 10: when it happened
    form.get_by_label("Contact with").select_option("client")
    form.get_by_label("Mode").select_option("phone")
    form.get_by_role("button", name="Add contact to the record").click()
    # the note was left out: the same form comes back open, the message beside the field
    expect(page.locator("#add-contact #contact-f-note-error")).to_be_visible()

    form = page.locator("#add-contact")
    form.get_by_label("Note").fill("Ruth says the meals arrive hot")
    form.get_by_role("button", name="Add contact to the record").click()
    expect(page.locator(".flashes")).to_contain_text("Contact added to the record.")

    entry = page.locator("ol.timeline li.kind-contact")
    expect(entry).to_contain_text("signed by carol · 5 January 2026, 09:00")
    expect(entry).to_contain_text("contact 5 January 2026, 08:15")
    entry.locator("summary").click()
    expect(entry.locator("dl.values")).to_contain_text("Contact with")
    expect(entry.locator("dl.values")).to_contain_text("Ruth says the meals arrive hot")
    assert ruth.record("contact")[-1]["data"]["mode"] == "phone"
    assert_every_control_is_labelled(page)
    assert page.console_errors == []
