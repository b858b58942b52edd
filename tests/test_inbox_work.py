"""The inbox from a supervisor's and a case manager's seat: escalations have their own tab,
a task is found by its name as well as its id, a bulk reassignment names each task it could
not move, an empty reassignment says what is missing, and every page has its icon."""
from __future__ import annotations

import html

import pytest

from engine.errors import NotFound
from engine.services.inbox import InboxQuery
from tests.support.lifecycle import PLAN

pytestmark = pytest.mark.lifecycle


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_escalations_have_their_own_tab(case_engine, people, story):
    ruth = story()
    ruth.screen(), ruth.engage()
    ruth.assess(risk=("suicide",))
    ruth.do("carol", "write_plan", PLAN)
    sam = people["sam"]
    tab = lambda name: [t["bpmn_id"] for t in case_engine.inbox.inbox(sam, InboxQuery(tab=name)).tasks]  # noqa: E731
    assert tab("escalations") == ["risk_alert"]
    assert tab("approvals") == ["approve_plan"]
    assert case_engine.inbox.inbox(sam, InboxQuery(tab="escalations")).counts["escalations"] == 1
    with pytest.raises(NotFound):
        case_engine.inbox.inbox(people["carol"], InboxQuery(tab="escalations"))


def test_a_task_is_found_by_its_name_as_well_as_its_id(case_engine, people, story):
    ruth = story()
    ruth.screen()
    carol = people["carol"]
    by_name = case_engine.inbox.inbox(carol, InboxQuery(tab="available", task="Engage the")).tasks
    by_id = case_engine.inbox.inbox(carol, InboxQuery(tab="available", task="engage_client")).tasks
    assert [t["bpmn_id"] for t in by_name] == [t["bpmn_id"] for t in by_id] == ["engage_client"]


def test_each_bulk_refusal_names_its_task_and_an_empty_reassignment_is_no_dead_end(browse, story):
    ruth = story()
    ruth.screen()
    task_id = ruth.task("engage_client")["id"]
    sam = browse("sam")
    sam.get("/inbox?tab=team")
    refused = sam.client.post("/inbox/reassign", data={"task_ids": task_id, "username": "ivy", "csrf_token": sam.csrf},
                              follow_redirects=True)
    assert "Not reassigned: “Engage the client and obtain informed consent” for Ruth Okafor: ivy cannot work" in text(refused)

    empty = sam.client.post("/inbox/reassign", data={"username": "cody", "csrf_token": sam.csrf},
                            follow_redirects=True)
    assert empty.status_code == 200 and "Tick the tasks to reassign" in text(empty)


def test_every_page_has_an_icon(browse):
    carol = browse("carol")
    assert 'rel="icon"' in text(carol.get("/inbox"))
    icon = carol.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
