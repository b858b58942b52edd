"""Browser tests: the real UI in headless Chromium (Debian's `chromium`, driven by Playwright).

The app runs in a thread of the test process on a free port, over the test's own database
(SQLite and PostgreSQL, like every database-facing test) and FixedClock, so a test can move
the clock and fire timers while the browser looks on. Playwright never downloads a browser
here: it launches /usr/bin/chromium.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.support.apps import web_app
from tests.support.browser import LiveServer
from tests.support.paths import FORMS, TESTS

CHROMIUM = os.environ.get("CASEPATH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def serve(engine, clock, database_url, tmp_path, forms):
    """Serve `engine` (its forms in `forms`) on a free port until the generator is closed."""
    app = web_app(engine, database_url, tmp_path, forms, secret_key="browser-test")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # Screenshots go to the test's temporary folder, or where CASEPATH_SCREENSHOTS says
    # (the README's command to refresh its pictures sets it to docs/screenshots).
    artifacts = Path(os.environ.get("CASEPATH_SCREENSHOTS") or tmp_path / "screenshots")
    artifacts.mkdir(parents=True, exist_ok=True)
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", engine, clock, artifacts)
    server.shutdown()
    thread.join(5)


@pytest.fixture
def live_server(lifecycle_engine, clock, database_url, tmp_path):
    """The shipped lifecycle (processes/, forms/)."""
    yield from serve(lifecycle_engine, clock, database_url, tmp_path, FORMS)


@pytest.fixture
def test_diagrams_server(case_engine, clock, database_url, tmp_path):
    """The small test diagrams (tests/processes, tests/forms)."""
    yield from serve(case_engine, clock, database_url, tmp_path, TESTS / "forms")
