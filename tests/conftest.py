"""Fixtures: every database-facing test runs on SQLite and on PostgreSQL.

PostgreSQL is the one at 127.0.0.1:5432 (database `test`, trust auth); each
test gets its own schema, dropped afterwards. Set CASEPATH_TEST_POSTGRES_URL
to point elsewhere.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine.facade import CaseEngine
from engine.clock import FixedClock
from engine.store.db import make_engine, session_factory, upgrade
from engine.definitions.forms import FormCatalog
from engine.policy import operator

TESTS = Path(__file__).parent
ROOT = TESTS.parent
POSTGRES_URL = os.environ.get("CASEPATH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)  # a Monday morning
PASSWORD = "correct-horse-battery"

USERS = [
    ("ada", ["admin"], None),
    ("sam", ["supervisor"], "north"),
    ("sue", ["supervisor"], "north"),
    ("carol", ["case_manager"], "north"),
    ("cody", ["case_manager"], "north"),
    ("ivy", ["intake"], "north"),
    ("olga", ["case_manager"], "south"),
    ("seth", ["supervisor"], "south"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'casepath.sqlite'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable ({exc}); the suite needs it")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


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
def forms():
    return FormCatalog(TESTS / "forms")


@pytest.fixture
def case_engine(db_engine, clock, forms):
    engine = CaseEngine(session_factory(db_engine), clock, forms, case_process="plan_approval")
    engine.processes.deploy_path(operator("ada"), TESTS / "processes")
    return engine


@pytest.fixture
def lifecycle_engine(db_engine, clock):
    """An engine running the shipped lifecycle (processes/, forms/) instead of the small test diagrams."""
    engine = CaseEngine(session_factory(db_engine), clock, FormCatalog(ROOT / "forms"), case_process="case_lifecycle")
    engine.processes.deploy_path(operator("ada"), ROOT / "processes")
    return engine


@pytest.fixture
def lifecycle_app(lifecycle_engine, database_url, tmp_path):
    from web import create_app

    app = create_app({"CASEPATH_ENV": "test", "DATABASE_URL": database_url, "SECRET_KEY": "test",
                      "CASEPATH_INSTANCE_DIR": str(tmp_path / "instance"), "CASEPATH_FORMS_DIR": str(ROOT / "forms")},
                     engine=lifecycle_engine)
    app.testing = True
    return app


@pytest.fixture
def people(case_engine):
    """The agency's staff: {username: Actor}."""
    return {name: case_engine.identity.add_user(name, PASSWORD, roles, team) for name, roles, team in USERS}


@pytest.fixture
def app(case_engine, database_url, tmp_path):
    from web import create_app

    app = create_app({"CASEPATH_ENV": "test", "DATABASE_URL": database_url,
                      "CASEPATH_INSTANCE_DIR": str(tmp_path / "instance"),
                      "CASEPATH_FORMS_DIR": str(TESTS / "forms"), "SECRET_KEY": "test"},
                     engine=case_engine)
    app.testing = True
    return app


class ApiClient:
    """A Flask test client that signs in as one user and speaks JSON."""

    def __init__(self, app, username: str | None):
        self.client = app.test_client()
        self.headers = {}
        if username:
            response = self.client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.get_json()
            self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, path, **kw):
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(path, json=json, headers=self.headers, **kw)


@pytest.fixture
def login(app, people):
    return lambda username=None: ApiClient(app, username)


ADULT = {"first_name": "Ruth", "last_name": "Okafor", "birth_date": "1948-03-14", "preferred_language": "English"}
PLAN = {"goal": "Meals delivered five days a week", "target_date": "2026-03-01"}
