"""The work in front of the worker: intake and case managers land on a To do list of what
they hold and what they may take, most urgent first, with New referral one click away; a
referral for a client who already has an open case is caught before a second case opens;
after screening the page says what was decided and who is next, and the case that moved
out of intake's sight says so instead of "not found"."""
from __future__ import annotations

import html
import re

import pytest

from tests.support.lifecycle import SCREENED
from tests.support.people import ADULT

pytestmark = pytest.mark.lifecycle


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def as_form(answers: dict) -> dict:
    """Answers as a browser posts them (the task form's field names)."""
    return {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in answers.items()}


def referral(**changes) -> dict:
    return {**ADULT, "program": "Aging services", **changes}


def row_order(page: str, *clients: str) -> list[str]:
    return sorted(clients, key=lambda client: page.index(client))


# ---------------------------------------------------------------------- landing on the work
def test_intake_signs_in_to_a_to_do_list_with_new_referral_one_click_away(browse, story):
    ruth = story()  # a referral waits to be screened, claimed by no one
    ivy = browse("ivy")
    landing = ivy.get("/")
    assert landing.status_code == 302 and landing.headers["Location"] == "/inbox"
    page = text(ivy.get("/inbox"))
    assert 'aria-current="page" data-tab="todo"' in page
    assert "What you hold and what you may take, most urgent first" in page
    assert "Screen the referral" in page and f"#{ruth.id}" in page
    assert page.count('href="/cases/new"') == 2, "New referral in the menu and on the landing page"
    assert 'href="/cases/new"' in text(browse("carol").get("/inbox")), "case managers open cases too"


def test_a_case_manager_sees_what_she_holds_and_what_she_may_take_together_most_urgent_first(browse, story,
                                                                                            clock):
    ruth = story()
    ruth.screen()
    clock.advance("P3D")
    mary = story(client={"first_name": "Mary", "last_name": "Adeyemi", "birth_date": "1950-06-01"})
    mary.screen()
    carol = browse("carol")
    task = mary.task("engage_client")
    carol.post(f"/tasks/{task['id']}/claim")  # Mary's engagement is hers, Ruth's still in the queue

    page = text(carol.get("/inbox"))
    assert 'aria-current="page" data-tab="todo"' in page
    assert 'aria-label="2 tasks">2</span>' in page, "the To do count holds both"
    assert row_order(page, "Mary Adeyemi", "Ruth Okafor") == ["Ruth Okafor", "Mary Adeyemi"], \
        "Ruth's engagement is due first, though Mary's is the one carol holds"
    assert "My tasks" in page and "Available" in page, "the tabs stay for narrowing"
    assert "Ruth Okafor" not in text(carol.get("/inbox?tab=mine"))


def test_supervisors_still_land_on_the_approvals_queue(browse):
    assert 'aria-current="page" data-tab="approvals"' in text(browse("sam").get("/inbox"))


# ---------------------------------------------------------------------- a client already open
def test_intake_is_told_of_a_possible_duplicate_before_a_second_case_opens(browse, story, case_engine, people):
    ruth = story()
    ivy = browse("ivy")
    warned = ivy.post("/cases/new", referral(first_name="ruth", last_name="OKAFOR"))
    assert warned.status_code == 409
    page = text(warned)
    assert (f'Possible duplicate: <a href="/cases/{ruth.id}">Ruth Okafor, born 14 March 1948, '
            f'case #{ruth.id} (screening)</a>') in page
    assert "Open a new case anyway" in page
    assert 'value="OKAFOR"' in page, "what intake typed is kept"
    assert len(case_engine.cases.list_cases(people["sam"])) == 1, "nothing opened yet"

    opened = ivy.post("/cases/new", referral(first_name="ruth", last_name="OKAFOR", confirm_new_client="yes"))
    assert opened.status_code == 302
    assert len(case_engine.cases.list_cases(people["sam"])) == 2


def test_a_close_first_name_matches_and_a_different_person_does_not(browse, story):
    story()
    ivy = browse("ivy")
    assert ivy.post("/cases/new", referral(first_name="Ruthie")).status_code == 409
    assert ivy.post("/cases/new", referral(first_name="Rita")).status_code == 409, "same first initial"
    assert ivy.post("/cases/new", referral(first_name="Grace")).status_code == 302
    assert ivy.post("/cases/new", referral(first_name="Ruth", birth_date="1948-03-15")).status_code == 302
    assert ivy.post("/cases/new", referral(first_name="Ruth", birth_date="")).status_code == 302, \
        "without a birth date a name alone stops no one"


def test_a_duplicate_intake_may_not_see_is_named_only_by_whom_to_ask(browse, story):
    ruth = story()
    ruth.screen()
    ruth.engage()  # with carol now, out of intake's sight
    page = text(browse("ivy").post("/cases/new", referral()))
    assert "A possible duplicate exists in an open case you cannot see (team north). Ask carol" in page
    assert f"/cases/{ruth.id}" not in page and f"#{ruth.id}" not in page


def test_the_api_answers_409_possible_duplicate_until_the_new_client_is_confirmed(login, story):
    ruth = story()
    ivy = login("ivy")
    refused = ivy.post("/api/cases", json={"client": ADULT, "program": "Aging services"})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "possible_duplicate"
    assert error["details"][0]["case_id"] == ruth.id and error["details"][0]["stage"] == "screening"
    confirmed = ivy.post("/api/cases", json={"client": ADULT, "program": "Aging services",
                                             "confirm_new_client": True})
    assert confirmed.status_code == 201 and confirmed.get_json()["id"] != ruth.id
    assert ivy.post("/api/cases", json={"client": ADULT, "confirm_new_client": "yes"}).status_code == 400


# ---------------------------------------------------------------------- after screening
def test_after_screening_intake_hears_the_outcome_and_who_is_next_and_the_case_does_not_404(browse, story):
    ruth = story()
    ivy = browse("ivy")
    task = ruth.task("screen_referral")
    done = ivy.post(f"/tasks/{task['id']}", as_form(SCREENED))
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    page = text(ivy.get("/inbox"))
    assert "Screening complete: eligible. Next: Engagement, waiting for a case manager of team north." in page
    assert f"Case #{ruth.id} has moved on and is no longer in your view." in page

    moved = ivy.get(f"/cases/{ruth.id}")
    assert moved.status_code == 302 and moved.headers["Location"] == "/inbox"
    assert f"Case #{ruth.id} has moved on to engagement and is no longer in your view" in text(ivy.get("/inbox"))


def test_a_case_someone_never_worked_on_is_still_not_found(browse, story):
    ann = story(opener="carol", client={"first_name": "Ann", "last_name": "Lee", "birth_date": "1940-01-01"})
    ann.do("ada", "screen_referral", SCREENED)
    ann.engage()
    assert browse("ivy").get(f"/cases/{ann.id}").status_code == 404, "ivy never worked on Ann's case"
    assert browse("olga").get(f"/cases/{ann.id}").status_code == 404
