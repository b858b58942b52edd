"""Outcome and process measures (NASW Std 9; NACM evaluation) on a seeded set of cases with known
answers. Four cases, moved through the shipped lifecycle by the clock (day 0 = Monday 5 January 2026):

    A  opened day 0, screened day 1, assessed day 4, plan approved day 7; contact due day 40, done
       day 37 (on time) and closed: goal met, satisfaction 5, closure approved day 38; at the 30-day
       check-in (day 68) the client needs help again: case D re-enters after A.
    B  opened day 0, screened day 2, assessed day 10, plan approved day 20; contact due day 53, done
       day 55 (overdue); still open (carol's, low acuity).
    C  opened day 0, found ineligible at screening on day 3 (screened; not a closure of service).
    D  opened day 68, re-entering after A (to A's case manager, carol); in screening, no acuity yet.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from engine.errors import Forbidden
from tests.support.lifecycle import APPROVE, CLOSURE, CONTACT, FOLLOW_UP
from tests.support.people import START

pytestmark = pytest.mark.lifecycle


def at_day(clock, day: int):
    """Move the clock to day `day` of the story (it only goes forward)."""
    target = START + timedelta(days=day)
    assert clock.now() <= target, "days go forward"
    clock.advance(target - clock.now())


@pytest.fixture
def seeded(story, case_engine, clock):
    a, b, c = story(), story(confirm_new_client=True), story(confirm_new_client=True)
    at_day(clock, 1); a.screen()
    at_day(clock, 2); b.screen(); a.engage()
    at_day(clock, 3); c.screen(resides_in_service_area=False)
    c.do("ivy", "refer_elsewhere", {"referred_to": "County housing office", "reason_explained": True})
    at_day(clock, 4); a.assess()
    at_day(clock, 5); b.engage()
    at_day(clock, 7); a.plan()
    at_day(clock, 10); b.assess()
    at_day(clock, 20); b.plan()
    at_day(clock, 37); case_engine.timers.fire_due_timers()
    a.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    a.do("carol", "close_case", CLOSURE)
    at_day(clock, 38); a.do("sam", "approve_closure", APPROVE)
    at_day(clock, 50); case_engine.timers.fire_due_timers()
    at_day(clock, 55); case_engine.timers.fire_due_timers()
    b.do("carol", "log_contact", CONTACT)
    at_day(clock, 68); case_engine.timers.fire_due_timers()
    a.do("carol", "check_in_30", {**FOLLOW_UP, "reentry_needed": True, "status": "Fell again"})
    d = a.refresh()["next_case_id"]
    at_day(clock, 70)
    assert (a.stage, b.stage, c.stage) == ("follow_up", "monitoring", "ineligible")
    return {"A": a.id, "B": b.id, "C": c.id, "D": d}


def values(figures: dict) -> dict:
    return {part: cell["value"] for part, cell in figures.items()}


def test_each_measure_on_the_seeded_cases(seeded, case_engine, people):
    A, B, C, D = (seeded[k] for k in "ABCD")
    report = case_engine.measures.measures(people["sam"], from_="2026-01-01", to="2026-03-16")
    m = report["measures"]
    assert m["cases_opened"]["count"] == {"value": 4, "case_ids": sorted([A, B, C, D])}
    assert m["cases_closed"]["count"] == {"value": 1, "case_ids": [A]}, "an ineligible referral is not a closure"
    assert values(m["time_to_screening"]) == {"cases": 3, "median_days": 2.0, "p90_days": 3.0}
    assert m["time_to_screening"]["cases"]["case_ids"] == sorted([A, B, C])
    assert values(m["time_to_assessment"]) == {"cases": 2, "median_days": 7.0, "p90_days": 10.0}
    assert values(m["time_to_approved_plan"]) == {"cases": 2, "median_days": 13.5, "p90_days": 20.0}
    assert values(m["contacts"]) == {"on_time": 1, "overdue": 1, "on_time_rate": 0.5}
    assert (m["contacts"]["on_time"]["case_ids"], m["contacts"]["overdue"]["case_ids"]) == ([A], [B])
    assert values(m["reassessments"]) == {"on_time": 0, "overdue": 0, "on_time_rate": None}, "none due yet"
    assert values(m["goals_at_closure"]) == {"met": 1, "partially_met": 0, "not_met": 0}
    assert values(m["satisfaction"]) == {"responses": 1, "average_overall": 5.0}
    assert values(m["reentry"]) == {"closed": 1, "reentered": 1, "rate": 1.0}
    assert m["reentry"]["reentered"]["case_ids"] == [A]
    caseload = {row["worker"]: {k: v["value"] for k, v in row.items() if k != "worker"} for row in report["caseload"]}
    assert caseload == {"carol": {"cases": 2, "weighted": 2.0, "high": 0, "medium": 0, "low": 1, "unrated": 1}}, \
        "B (low) and D, which re-entered to A's case manager and is not assessed yet; A and C are closed"


def test_filters_period_and_who_sees_the_reports(seeded, case_engine, people):
    A, B, D = seeded["A"], seeded["B"], seeded["D"]
    carols = case_engine.measures.measures(people["sam"], worker="carol", from_="2026-01-01", to="2026-03-16")
    assert carols["measures"]["cases_opened"]["count"]["case_ids"] == [A, B, D], "C never had a case manager"
    late = case_engine.measures.measures(people["sam"], from_="2026-03-01", to="2026-03-16")
    assert late["measures"]["cases_opened"]["count"]["case_ids"] == [D]
    assert late["measures"]["time_to_screening"]["cases"]["value"] == 0
    south = case_engine.measures.measures(people["seth"], from_="2026-01-01", to="2026-03-16")
    assert south["measures"]["cases_opened"]["count"]["value"] == 0, "another team's cases are not counted"
    with pytest.raises(Forbidden):
        case_engine.measures.measures(people["carol"])


def test_the_api_answers_json_and_csv(seeded, login):
    sam = login("sam")
    report = sam.get("/api/reports/measures?from=2026-01-01&to=2026-03-16").get_json()
    assert report["period"] == {"from": "2026-01-01", "to": "2026-03-16"}
    response = sam.get("/api/reports/measures?from=2026-01-01&to=2026-03-16&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["measure", "part", "value", "case_ids"]
    assert ["time_to_approved_plan", "median_days", "13.5", ""] in rows
    assert ["contacts", "overdue", "1", str(seeded["B"])] in rows
    assert login("carol").get("/api/reports/measures").status_code == 403
    assert sam.get("/api/reports/measures?from=2026-13-01").status_code == 400


def test_the_reports_page_links_each_count_to_its_cases(seeded, browse):
    sam = browse("sam")
    page = sam.get("/reports?from=2026-01-01&to=2026-03-16")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Outcome and process measures" in html and "<svg" in html
    assert f'href="/cases/{seeded["B"]}"' in html and "Referral → approved plan" in html
    download = sam.get("/reports/measures.csv?from=2026-01-01&to=2026-03-16")
    assert download.status_code == 200 and download.get_data(as_text=True).startswith("measure,part,value,case_ids")
    assert browse("carol").get("/reports").status_code == 403
