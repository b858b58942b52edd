"""Bad input gets a 422 (or a 404 for an id that cannot exist) naming the field, on both
databases, and nothing is stored: over-long names, NUL bytes, lone surrogates, NaN and
Infinity, nesting past 32 levels, ids and versions past the integer columns, a duration
past the calendar, control characters in a saved filter."""
from __future__ import annotations

import json

import pytest

from tests.support.people import ADULT

NAME_121 = "x" * 121


def post_raw(client, path: str, body: str):
    return client.client.post(path, data=body, headers={**client.headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("client, field", [
    ({**ADULT, "first_name": NAME_121}, "client/first_name"),
    ({**ADULT, "last_name": NAME_121}, "client/last_name"),
    ({**ADULT, "preferred_language": "x" * 61}, "client/preferred_language"),
    ({**ADULT, "first_name": "Ru\x00th"}, "client/first_name"),
    ({**ADULT, "last_name": "\ud800"}, "client/last_name"),
])
def test_a_client_that_cannot_be_stored_is_refused_naming_the_field(login, client, field):
    carol = login("carol")
    response = carol.post("/api/cases", json={"client": client})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in [d["field"] for d in response.get_json()["error"]["details"]]
    assert carol.get("/api/cases").get_json() == [], "nothing was stored"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_numbers(login, number):
    carol = login("carol")
    response = post_raw(carol, "/api/cases", '{"client": {"first_name": "Ruth", "last_name": "Okafor"}, '
                                             f'"program": {number}}}')
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == "program"


def test_a_record_entry_nested_too_deep_is_refused(login, case_engine, people):
    case = case_engine.cases.open_case(people["carol"], ADULT)
    deep: dict = {"note": "bottom"}
    for _ in range(250):
        deep = {"more": deep}
    carol = login("carol")
    response = carol.post(f"/api/cases/{case['id']}/record", json={"kind": "contact", "data": deep})
    assert response.status_code == 422
    assert "nested deeper than 32 levels" in json.dumps(response.get_json())
    assert login("sam").get(f"/api/cases/{case['id']}").status_code == 200


def test_ids_and_pages_past_the_integer_range_are_not_found(login, browse):
    carol = login("carol")
    assert carol.get(f"/api/cases/{2**40}").status_code == 404
    assert carol.get(f"/api/cases/{2**40}/timeline").status_code == 404
    assert browse("carol").get(f"/inbox?page={10**30}").status_code == 200


def test_versions_past_the_integer_range_and_durations_past_the_calendar_are_422(login):
    ada = login("ada")
    migrate = ada.post("/api/process-models/plan_approval/migrate", json={"to_version": 2**70})
    assert migrate.status_code == 422 and migrate.get_json()["error"]["details"][0]["field"] == "to_version"
    simulate = ada.post("/api/process-models/plan_approval/simulate", json={"actions": [{"advance": "P99999Y"}]})
    assert simulate.status_code == 422, simulate.get_data(as_text=True)
    assert simulate.get_json()["error"]["details"][0]["field"] == "actions/0/advance"
    old = ada.post("/api/process-models/plan_approval/simulate", json={"actions": [], "version": 2**70})
    assert old.status_code == 422 and old.get_json()["error"]["details"][0]["field"] == "version"
    none = ada.post("/api/process-models/plan_approval/simulate", json={"actions": [], "version": 2**40})
    assert none.status_code == 404


def test_a_saved_filter_with_control_characters_is_refused(browse, case_engine, people):
    carol = browse("carol")
    response = carol.post("/inbox/filters", {"name": "mine\r\nSet-Cookie: x=1", "query": "tab=mine"})
    assert response.status_code == 422
    assert case_engine.inbox.saved_filters(people["carol"]) == []
    assert carol.get("/inbox?client=Ruth%00").status_code == 400


def test_an_entry_stored_deeper_than_the_page_shows_still_renders(case_engine, people, browse):
    """Entries written before nesting was bounded stay readable: the page stops at 12 levels."""
    case = case_engine.cases.open_case(people["carol"], ADULT)
    deep: dict = {"note": "bottom"}
    for _ in range(250):
        deep = {"more": deep}
    with case_engine.store.transaction() as uow:  # as an older version would have stored it
        uow.record(case["id"], "contact", "Contact", "carol", deep)
    page = browse("sam").get(f"/cases/{case['id']}")
    assert page.status_code == 200 and "…" in page.get_data(as_text=True)


def test_user_names_past_their_columns_are_refused(case_engine):
    from engine.errors import InvalidData

    with pytest.raises(InvalidData) as refused:
        case_engine.identity.add_user("u" * 81, "long-enough-password", ["case_manager"], "t" * 81)
    assert {d["field"] for d in refused.value.details} == {"username", "team"}


def test_a_nul_in_an_address_or_filter_is_a_bad_request(login, case_engine, people):
    carol = login("carol")
    assert carol.get("/api/cases?q=Ruth%00").status_code == 400  # found by the fuzzer: a 500 on PostgreSQL
    assert carol.get("/api/cases?stage=%00").status_code == 400
    from engine.errors import BadRequest
    with pytest.raises(BadRequest):
        case_engine.cases.list_cases(people["carol"], q="Ruth\x00")
