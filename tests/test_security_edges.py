"""The edges of sign-in and configuration: where `next` may send you, one throttle for the
browser and the API, tokens that can be revoked, failed sign-ins on the record, and a
production instance that refuses what only a demo may do."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.definitions.forms import FormCatalog
from engine.facade import CaseEngine
from engine.store.db import make_engine, session_factory
from engine.store.models import AuditEvent
from tests.support.apps import web_app
from tests.support.clients import ApiClient
from tests.support.paths import TESTS
from tests.support.people import CHEAP_HASHING, PASSWORD
from web.config import ConfigError, Settings
from web.session import safe_next

LONG_KEY = "k" * 40


@pytest.mark.parametrize("target", [
    "/\t/evil.example",  # what /login?next=/%09/evil.example decodes to; browsers drop the tab
    "/\n/evil.example", "/\r\n//evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/", "javascript:alert(1)", "/ /evil.example", "evil.example", "",
])
def test_next_refuses_anything_but_a_path_on_this_site(target):
    assert safe_next(target, "/inbox") == "/inbox"


@pytest.mark.parametrize("target", ["/cases/3", "/inbox?tab=team&client=Ruth Okafor", "/tasks/ab-12#form"])
def test_next_keeps_a_path_on_this_site(target):
    assert safe_next(target, "/inbox") == target


def test_signing_in_with_a_hostile_next_lands_on_the_inbox(browse):
    browser = browse()
    browser.get("/login")
    response = browser.client.post("/login?next=/%09/evil.example",
                                   data={"username": "carol", "password": PASSWORD, "csrf_token": browser.csrf,
                                         "next": "/\t/evil.example"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")


def test_guessing_through_the_api_locks_the_name_for_the_browser_too(login, browse):
    anonymous = login()
    for _ in range(5):
        assert anonymous.post("/api/auth/token", json={"username": "carol", "password": "guess"}).status_code == 401
    right = anonymous.post("/api/auth/token", json={"username": "carol", "password": PASSWORD})
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    assert right.get_json()["error"]["code"] == "too_many_sign_ins"
    assert browse().sign_in("carol").status_code == 429
    assert browse().sign_in("cody").status_code == 302, "a colleague is not locked out"


def test_a_second_serving_process_counts_the_same_failed_sign_ins(login, case_engine, database_url, tmp_path, clock):
    """`serve --workers 2`: a guesser landing on the other worker, or on a restarted one, meets the
    same lock, because failures are kept in the database and not in one process's memory."""
    other = CaseEngine(session_factory(make_engine(database_url)), clock, FormCatalog(TESTS / "forms"),
                       password_hasher=CHEAP_HASHING)
    other_app = web_app(other, database_url, tmp_path / "other", TESTS / "forms")
    for _ in range(3):
        assert login().post("/api/auth/token", json={"username": "carol", "password": "guess"}).status_code == 401
    for _ in range(2):
        assert ApiClient(other_app, None).post("/api/auth/token",
                                               json={"username": "carol", "password": "guess"}).status_code == 401
    right = login().post("/api/auth/token", json={"username": "carol", "password": PASSWORD})
    assert right.status_code == 429, "five failures across two processes lock the name"
    clock.advance("PT16M")
    assert login().post("/api/auth/token", json={"username": "carol", "password": PASSWORD}).status_code == 200, \
        "the lock lifts once the failures are older than the window"


def test_failed_sign_ins_are_on_the_record(login, case_engine):
    login().post("/api/auth/token", json={"username": "carol", "password": "guess"})
    with case_engine.sessions() as session:
        failed = session.scalars(select(AuditEvent).where(AuditEvent.kind == "login_failed")).all()
    assert [(e.actor, e.case_id) for e in failed] == [("carol", None)]


def test_signing_out_of_the_api_revokes_the_token(login):
    carol = login("carol")
    assert carol.post("/api/auth/logout").status_code == 204
    assert carol.get("/api/me").status_code == 401


def test_an_administrator_signs_a_user_out_everywhere(login):
    carol, ada = login("carol"), login("ada")
    listed = ada.get("/api/users/carol/tokens").get_json()
    assert len(listed) == 1 and set(listed[0]) == {"id", "created_at", "expires_at"}
    assert carol.get("/api/users/ada/tokens").status_code == 403
    revoked = ada.client.delete("/api/users/carol/tokens", headers=ada.headers)
    assert revoked.get_json() == {"revoked": 1}
    assert carol.get("/api/me").status_code == 401
    assert ada.get("/api/users/nobody/tokens").status_code == 404


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_short_secret_key_is_refused(env):
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        Settings.from_environment({"CASEPATH_ENV": env, "SECRET_KEY": "s"})


def test_production_sends_hsts_and_refuses_the_demo(case_engine, database_url, tmp_path):
    from web.cli import demo_command

    app = web_app(case_engine, database_url, tmp_path, TESTS / "forms", secret_key=LONG_KEY)
    app.config["CASEPATH"].env = "production"
    headers = app.test_client().get("/healthz").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    refused = app.test_cli_runner().invoke(demo_command)
    assert refused.exit_code == 1 and "refuses to run when CASEPATH_ENV=production" in refused.stderr
    assert case_engine.identity.actor("ivy") is None, "no demo user was made"
