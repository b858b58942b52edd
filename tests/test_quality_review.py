"""The monthly quality review (AAA quality-assurance review; NASW Std 9 evaluation), moved through
a month by the clock: the first poll of February draws each case manager's sample, the supervisor
works the checklist, an item not met goes back to the case manager as a task, she closes it, and
the reports count it. Day 0 is Monday 5 January 2026."""
from __future__ import annotations

import pytest

from engine import scheduler
from engine.services.quality_sample import draw_sample
from engine.store.models import AuditEvent
from sqlalchemy import select
from tests.support.lifecycle import ENGAGED, Story

pytestmark = pytest.mark.lifecycle

CHECKLIST_ONE_NOT_MET = {"checklist": {
    "record_complete_and_signed": {"answer": "yes"},
    "plan_current": {"answer": "yes"},
    "reassessment_on_time": {"answer": "yes", "comment": "not due yet"},
    "consents_valid": {"answer": "no", "comment": "The Meals on Wheels release expires in July: renew it"},
    "notes": {"answer": "n_a"}},
    "summary": "A careful record; one consent to renew"}


def test_the_draw_is_random_per_worker_and_repeatable_from_its_seed():
    cases = {1: [10, 11, 12, 13], 2: [20], 3: []}
    drawn = draw_sample(cases, 2, "2026-02:seed")
    assert len(drawn[1]) == 2 and set(drawn[1]) <= {10, 11, 12, 13}
    assert drawn[2] == [20] and drawn[3] == []  # fewer cases than the sample: all of them
    assert draw_sample({3: [], 2: [20], 1: [13, 12, 11, 10]}, 2, "2026-02:seed") == drawn  # order does not matter
    assert len({tuple(draw_sample(cases, 2, f"2026-02:{s}")[1]) for s in range(20)}) > 1  # the seed does
    with pytest.raises(ValueError):
        draw_sample(cases, 0, "x")


def test_a_month_of_quality_review(case_engine, people, clock, browse):
    engine = case_engine
    engine.quality.seed = "story"  # CASEPATH_REVIEW_SEED: the same draw every run
    carols = [Story(engine, people, clock, confirm_new_client=True) for _ in range(3)]
    for case in carols:
        case.to_monitoring()
    codys = Story(engine, people, clock, confirm_new_client=True)
    codys.screen()
    codys.do("cody", "engage_client", ENGAGED)
    assert engine.quality.draw_if_due() is not None  # January was never drawn: the first poll draws it
    january = {r["case_id"] for r in _reviews_of(engine, "2026-01")}

    # The month turns; the scheduler's poll fires due timers and draws February's sample, once.
    clock.advance("P27D")  # Monday 2 February
    scheduler._job(engine)
    scheduler._job(engine)
    drawn = _reviews_of(engine, "2026-02")
    by_worker = {}
    for review in drawn:
        by_worker.setdefault(review["worker"], []).append(review["case_id"])
    assert {w: len(ids) for w, ids in by_worker.items()} == {"carol": 2, "cody": 1}
    assert set(by_worker["carol"]) <= {c.id for c in carols} and by_worker["cody"] == [codys.id]
    assert len(january) == 3  # and no review case was ever itself drawn
    first = drawn[0]
    reviewed, review_case = first["case_id"], first["review_case_id"]

    # Drawn: audited on the reviewed case and in the chain of events of no case, with the seed.
    with engine.store.reading() as uow:
        kinds = [e.kind for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == reviewed))]
        draws = list(uow.session.scalars(select(AuditEvent).where(AuditEvent.kind == "quality_sample_drawn")))
    assert kinds.count("quality_review_drawn") == 2  # January and February
    assert [d.data["month"] for d in draws] == ["2026-01", "2026-02"]
    assert draws[1].data["seed"] == "story"

    # The supervisor works the checklist; the review is no one's caseload and no case opened.
    review = engine.cases.get_case(people["sam"], review_case)
    assert review["stage"] == "quality_review"
    task = next(t for t in review["tasks"] if t["bpmn_id"] == "review_case")
    engine.tasks.complete(people["sam"], task["id"], CHECKLIST_ONE_NOT_MET)

    # The item not met is the case manager's task on the review case.
    worker = first["worker"]
    review = engine.cases.get_case(people[worker], review_case)
    findings = [t for t in review["tasks"] if t["bpmn_id"] == "act_on_finding"]
    assert len(findings) == 1
    finding = engine.tasks.get_task(people[worker], findings[0]["id"])
    assert finding["data"]["finding"] == {"item": "Consents valid",
                                          "comment": "The Meals on Wheels release expires in July: renew it"}
    report = engine.measures.measures(people["sam"], from_="2026-02-01", to="2026-02-28")
    quality = report["measures"]["quality_review"]
    assert quality["findings_open"] == {"value": 1, "case_ids": [reviewed]}

    clock.advance("P3D")
    engine.tasks.complete(people[worker], findings[0]["id"], {
        "finding": finding["data"]["finding"], "response": "fixed",
        "note": "Ruth signed a renewed release today"})
    assert engine.cases.get_case(people["sam"], review_case)["status"] == "completed"

    # The reviewed case's page links to its reviews; the review links back.
    page = engine.pages.case_page(people["sam"], reviewed)
    assert [(r["month"], r["review_case_id"], r["done"], r["findings_open"]) for r in page["quality_reviews"]][0] \
        == ("2026-02", review_case, True, 0)
    html = browse("sam").get(f"/cases/{reviewed}").get_data(as_text=True)
    assert f'href="/cases/{review_case}">Review of 2026-02</a>' in html
    back = browse("sam").get(f"/cases/{review_case}").get_data(as_text=True)
    assert f'href="/cases/{reviewed}">case #{reviewed}</a>' in back

    # The measures: four items checked (n.a. is not), three met, the finding closed; review
    # cases are no cases opened and no caseload.
    report = engine.measures.measures(people["sam"], from_="2026-02-01", to="2026-02-28")
    quality = report["measures"]["quality_review"]
    assert quality["reviews"] == {"value": 1, "case_ids": [reviewed]}
    assert quality["items_checked"]["value"] == 4 and quality["items_met"]["value"] == 3
    assert quality["share_met"] == {"value": 0.75}
    assert quality["findings_open"]["value"] == 0
    assert quality["findings_closed"] == {"value": 1, "case_ids": [reviewed]}
    year = engine.measures.measures(people["sam"], from_="2026-01-01", to="2026-02-28")
    assert year["measures"]["cases_opened"]["count"]["value"] == 4
    assert {row["worker"]: row["cases"]["value"] for row in year["caseload"]} == {"carol": 3, "cody": 1}
    reports = browse("sam").get("/reports?from=2026-02-01&to=2026-02-28").get_data(as_text=True)
    assert "Quality review" in reports and "Findings closed" in reports


def _reviews_of(engine, month: str) -> list[dict]:
    from engine.store.models import QualityReview

    with engine.store.reading() as uow:
        rows = uow.session.scalars(select(QualityReview).where(QualityReview.month == month)
                                   .order_by(QualityReview.reviewed_case_id))
        return [{"case_id": r.reviewed_case_id, "review_case_id": r.review_case_id,
                 "worker": r.reviewed_case.case_manager.username if r.reviewed_case.case_manager else None}
                for r in rows]


def test_casepath_review_draw_draws_a_month_once(lifecycle_app, case_engine, people, clock):
    from web.cli import review_draw_command

    Story(case_engine, people, clock).to_monitoring()
    runner = lifecycle_app.test_cli_runner()
    first = runner.invoke(review_draw_command, ["--month", "2026-03", "--size", "1", "--seed", "cron"])
    assert first.exit_code == 0, first.output
    assert "quality review of 2026-03: 1 case(s) drawn (seed cron)" in first.output
    again = runner.invoke(review_draw_command, ["--month", "2026-03"])
    assert again.exit_code == 1 and "drawn already" in again.output
    bad = runner.invoke(review_draw_command, ["--month", "March"])
    assert bad.exit_code == 1 and "month must look like 2026-05" in bad.output
