"""The API's contract: auth, the error format, the OpenAPI document."""
from __future__ import annotations

import re


def test_a_token_is_needed_and_a_bad_password_gets_401(login, app):
    anonymous = login()
    response = anonymous.get("/api/cases")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = anonymous.post("/api/auth/token", json={"username": "carol", "password": "wrong-password"})
    assert bad.status_code == 401
    unknown = anonymous.post("/api/auth/token", json={"username": "nobody", "password": "wrong-password"})
    assert unknown.status_code == 401 and unknown.get_json() == bad.get_json(), "no hint which one was wrong"
    forged = app.test_client().get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401


def test_me_says_who_and_what(login):
    assert login("carol").get("/api/me").get_json() == {"username": "carol", "roles": ["case_manager"],
                                                         "team": "north"}


def test_malformed_requests_get_400_and_unknown_things_404(login):
    carol = login("carol")
    not_json = carol.client.post("/api/cases", data="{nope", headers={**carol.headers,
                                                                      "Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.get_json()["error"]["code"] == "bad_request"
    assert carol.post("/api/cases", json=[1, 2]).status_code == 400
    missing = carol.post("/api/cases", json={"client": {"first_name": "", "birth_date": "2090-01-01"}})
    assert missing.status_code == 422
    fields = {d["field"] for d in missing.get_json()["error"]["details"]}
    assert fields == {"client/first_name", "client/last_name", "client/birth_date"}
    assert carol.get("/api/cases/999999").status_code == 404
    assert carol.get("/api/tasks/not-a-task").status_code == 404
    assert carol.get("/api/tasks?scope=everything").status_code == 400
    assert carol.get("/api/cases?stage=limbo").status_code == 400
    assert carol.get("/api/nowhere").get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_every_route(login, app):
    document = login().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api")}
    assert routes == set(document["paths"])
    assert "bearer" in document["components"]["securitySchemes"]


def test_security_headers_are_set(login):
    response = login().get("/login")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_process_models_list_versions_with_their_running_cases(login):
    carol, ada = login("carol"), login("ada")
    carol.post("/api/cases", json={"client": {"first_name": "A", "last_name": "B", "birth_date": "1940-01-01"}})
    listing = {(m["id"], m["version"]): m for m in ada.get("/api/process-models").get_json()}
    assert listing[("plan_approval", 1)]["running_cases"] == 1
    assert listing[("plan_approval", 1)]["deployed_by"] == "ada"
    assert set(listing) == {("plan_approval", 1), ("monitoring_loop", 1), ("reminder", 1)}
