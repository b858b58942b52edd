"""Helpers the browser tests share: the live server they drive, and signing in through the page."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
