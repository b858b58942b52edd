"""Accounting of access: every time a person reads a client's record (the case, its page,
its timeline, a task, the printed plan) it is on the record with who, when and from
which page or route, and a supervisor can see the list."""
from __future__ import annotations

from tests.support.people import ADULT
from tests.support.plan_approval import PLAN


def test_a_supervisor_sees_who_read_the_record_and_from_where(case_engine, people, login, browse):
    case = case_engine.cases.open_case(people["carol"], ADULT)
    task_id = case["tasks"][0]["id"]
    carol_api, carol_pages = login("carol"), browse("carol")
    assert carol_api.get(f"/api/cases/{case['id']}/timeline").status_code == 200
    assert carol_pages.get(f"/cases/{case['id']}").status_code == 200
    assert carol_pages.get(f"/tasks/{task_id}").status_code == 200
    case_engine.tasks.complete(people["carol"], task_id, PLAN)

    reads = login("sam").get(f"/api/cases/{case['id']}/access").get_json()
    assert [(r["who"], r["what"], r["why"]) for r in reversed(reads)] == [
        ("carol", "timeline", f"GET /api/cases/{case['id']}/timeline"),
        ("carol", "case page", f"GET /cases/{case['id']}"),
        ("carol", "task", f"GET /tasks/{task_id}"),
    ], "the engine's own steps and the opening of the case are not reads"

    page = browse("sam").get(f"/cases/{case['id']}/access").get_data(as_text=True)
    assert f"GET /cases/{case['id']}" in page and "carol" in page
    # reading the list is itself a supervisor's privilege, and the case page links to it
    assert carol_api.get(f"/api/cases/{case['id']}/access").status_code == 403
    assert browse("carol").get(f"/cases/{case['id']}/access").status_code == 403
    assert "Who has read this record" in browse("sam").get(f"/cases/{case['id']}").get_data(as_text=True)
