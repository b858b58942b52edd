"""Fixtures: every database-facing test runs on SQLite and on PostgreSQL.

PostgreSQL is the one at 127.0.0.1:5432 (database `test`, trust auth); each
test gets its own schema, dropped afterwards. Set CASEPATH_TEST_POSTGRES_URL
to point elsewhere.

Tests drive the small diagrams of tests/processes; a module marked `lifecycle`
(`pytestmark = pytest.mark.lifecycle`) drives the shipped lifecycle instead: there
`case_engine` is `lifecycle_engine` and `app` is `lifecycle_app`. What the fixtures
use (paths, people, clients, answers) is in tests/support.
"""
from __future__ import annotations

import contextlib

import pytest

from engine.facade import CaseEngine
from engine.clock import FixedClock
from engine.store.db import make_engine, session_factory, upgrade
from engine.definitions.forms import FormCatalog
from tests.support.apps import web_app
from tests.support.clients import ApiClient, Browser
from tests.support.lifecycle import Story
from tests.support.paths import FORMS, PROCESSES, TESTS
from tests.support.people import CHEAP_HASHING, PASSWORD, START, USERS
from tests.support.postgres import PostgresUnreachable, fresh_schema
from engine.policy import operator



def pytest_configure(config):
    config.addinivalue_line("markers", "lifecycle: the module's tests drive the shipped lifecycle "
                                       "(case_engine is lifecycle_engine, app is lifecycle_app)")


def pytest_terminal_summary(terminalreporter):
    """Figures a passing test asked to show (user property "figure"), so the CI log has them
    even with output captured and under xdist: the scale-out test's throughput."""
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "figure":
                terminalreporter.write_line(value)


def runs_the_lifecycle(request) -> bool:
    return request.node.get_closest_marker("lifecycle") is not None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'casepath.sqlite'}"
        return
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(fresh_schema("t"))
        except PostgresUnreachable as unreachable:
            pytest.fail(f"{unreachable}; the suite needs it")
        yield url


@pytest.fixture
def db_engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def case_engine(request, db_engine, clock):
    """The engine under test: tests/processes and tests/forms, or in a `lifecycle` module, lifecycle_engine."""
    if runs_the_lifecycle(request):
        return request.getfixturevalue("lifecycle_engine")
    engine = CaseEngine(session_factory(db_engine), clock, FormCatalog(TESTS / "forms"), case_process="plan_approval",
                        password_hasher=CHEAP_HASHING)
    engine.processes.deploy_path(operator("ada"), TESTS / "processes")
    return engine


@pytest.fixture
def lifecycle_engine(db_engine, clock):
    """An engine running the shipped lifecycle (processes/, forms/) instead of the small test diagrams."""
    engine = CaseEngine(session_factory(db_engine), clock, FormCatalog(FORMS), case_process="case_lifecycle",
                        password_hasher=CHEAP_HASHING)
    engine.processes.deploy_path(operator("ada"), PROCESSES)
    return engine


@pytest.fixture
def lifecycle_app(lifecycle_engine, database_url, tmp_path):
    app = web_app(lifecycle_engine, database_url, tmp_path, FORMS)
    app.testing = True
    return app


@pytest.fixture
def people(case_engine):
    """The agency's staff: {username: Actor}."""
    return {name: case_engine.identity.add_user(name, PASSWORD, roles, team) for name, roles, team in USERS}


@pytest.fixture
def app(request, case_engine, database_url, tmp_path):
    """The web app over case_engine, or in a `lifecycle` module, lifecycle_app."""
    if runs_the_lifecycle(request):
        return request.getfixturevalue("lifecycle_app")
    app = web_app(case_engine, database_url, tmp_path, TESTS / "forms")
    app.testing = True
    return app


@pytest.fixture
def login(app, people):
    """Sign in to the JSON API: login("carol"), or login() for no one."""
    return lambda username=None: ApiClient(app, username)


@pytest.fixture
def browse(app, people):
    """Sign in to the pages through the login form: browse("carol"), or browse() for no one."""
    return lambda username=None, **kw: Browser(app, username, **kw)


@pytest.fixture
def story(case_engine, people, clock):
    """In a `lifecycle` module, a new case told as a Story: story(), or story(client={...})."""
    return lambda **kw: Story(case_engine, people, clock, **kw)
