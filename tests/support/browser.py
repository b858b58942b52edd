"""Helpers the browser tests share: the live server they drive, and signing in through the page."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import expect

from engine.facade import CaseEngine
from engine.clock import FixedClock
from tests.support.people import PASSWORD


@dataclass
class LiveServer:
    url: str
    engine: CaseEngine
    clock: FixedClock
    artifacts: Path

    def advance(self, duration: str) -> None:
        """Move the agency's clock forward and let the timer worker catch up."""
        self.clock.advance(duration)
        self.engine.timers.fire_due_timers()


def sign_in(page, server: LiveServer, username: str, password: str = PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(server.url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def fill_form(page, data, path: str = "") -> None:
    """Type answers into the rendered form the way a person would, field by field;
    repeating groups get rows with their "Add" button."""
    for key, value in data.items():
        name = f"{path}/{key}".strip("/")
        if isinstance(value, dict):
            fill_form(page, value, name)
        elif isinstance(value, list):
            group = page.locator(f'[id="f-{name.replace("/", "-")}"]')
            for index, item in enumerate(value):
                row = f"{name}/{index}"
                if isinstance(item, dict):
                    first = f'[name^="{row}/"]'
                    if page.locator(first).count() == 0:
                        group.locator(":scope > button.add-row").click()
                    fill_form(page, item, row)
                elif page.locator(f'input[type=checkbox][name="{name}"]').count():
                    page.locator(f'input[type=checkbox][name="{name}"][value="{item}"]').check()
                else:
                    if page.locator(f'[name="{row}"]').count() == 0:
                        group.locator(":scope > button.add-row").click()
                    page.locator(f'[name="{row}"]').fill(str(item))
        elif isinstance(value, bool):
            page.locator(f'input[type=radio][name="{name}"][value="{"true" if value else "false"}"]').check()
        elif value in ("", None):
            continue
        else:
            field = page.locator(f'[name="{name}"]')
            if field.count() > 1 or field.get_attribute("type") == "radio":  # a radio group: one input each
                page.locator(f'[name="{name}"][value="{value}"]').check()
            elif field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(str(value))
            else:
                field.fill(str(value))


def open_task(page, server, tab: str, task_name: str, client: str = "Ruth Okafor") -> None:
    page.goto(f"{server.url}/inbox?tab={tab}")
    row = page.locator("table.tasks tbody tr", has_text=task_name).filter(has_text=client)
    expect(row).to_have_count(1)
    claim = row.get_by_role("button", name=re.compile("^Claim"))
    if claim.count():
        claim.click()
        page.goto(f"{server.url}/inbox?tab=mine")
        row = page.locator("table.tasks tbody tr", has_text=task_name).filter(has_text=client)
    row.get_by_role("link", name=task_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(task_name)


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(e => e.type !== 'hidden' && !e.closest('template') && e.offsetParent !== null)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !(e.tagName === 'BUTTON' && e.textContent.trim()))
  .map(e => e.outerHTML.slice(0, 120))"""


def assert_every_control_is_labelled(page) -> None:
    """Screen readers announce a control by its label: none may be nameless."""
    assert page.evaluate(UNLABELLED) == []


def complete(page) -> None:
    page.get_by_role("button", name="Complete and sign").click()
    expect(page.locator(".flashes")).to_contain_text("is complete and signed by you")
