"""The supervision cadence (issue 17 item 9): every active case manager has a supervision session
each month (NASW 2013 Std 11, workload sustainability; Std 12, professional development), opened
by the scheduler's first poll of the month, held by the supervisor, acknowledged by the case
manager. A session is about a worker, not a client: no caseload, no case in the reports, no
client on its pages. Day 0 is Monday 5 January 2026."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import scheduler
from engine.services.inbox import InboxQuery
from engine.store.models import AuditEvent, SupervisionSession, User
from tests.support.lifecycle import Story

pytestmark = pytest.mark.lifecycle

SESSION_NOTES = {
    "held_on": "2026-02-03", "duration_minutes": 60, "format": "individual",
    "cases_discussed": [1],
    "caseload_concerns": "Three high-acuity cases at once; no new intakes this month",
    "ethical_or_safety_concerns": "Ruth's son asks for her records: release first",
    "training_needs": "Motivational interviewing refresher",
    "action_items": [{"action": "Book the MI course", "by": "case_manager", "due_on": "2026-02-20"}],
    "summary": "Caseload reviewed; Ruth's plan is on track",
    "next_session_on": "2026-03-03",
}


def _sessions(engine, month: str) -> dict[str, int]:
    with engine.store.reading() as uow:
        rows = uow.session.scalars(select(SupervisionSession).where(SupervisionSession.month == month))
        return {row.worker.username: row.session_case_id for row in rows}


def test_a_month_of_supervision(case_engine, people, clock, browse, login):
    """NASW Std 11: one session per case manager per month, however often the scheduler polls;
    the supervisor holds it, the case manager signs that she read the notes."""
    engine = case_engine
    ruth = Story(engine, people, clock)
    ruth.to_monitoring()  # carol carries Ruth's case

    # The first poll of January opens a session for each active case manager; the second none.
    scheduler._job(engine)
    scheduler._job(engine)
    january = _sessions(engine, "2026-01")
    assert sorted(january) == ["carol", "cody", "olga"]
    assert engine.supervision.open_if_due() is None
    olgas = engine.cases.get_case(people["seth"], january["olga"])  # team south has one supervisor: his
    assert olgas["supervisor"] == "seth" and [t["assignee"] for t in olgas["tasks"]] == ["seth"]

    # February: new sessions, one each; olga has left the agency and gets none.
    with engine.store.transaction() as uow:
        uow.session.scalar(select(User).where(User.username == "olga")).active = False
    clock.advance("P27D")  # Monday 2 February
    scheduler._job(engine)
    scheduler._job(engine)
    february = _sessions(engine, "2026-02")
    assert sorted(february) == ["carol", "cody"]
    assert set(february.values()).isdisjoint(january.values())
    session_id = february["carol"]

    # The session is a case about carol, with no client: team north's supervisors hold it.
    session = engine.cases.get_case(people["sam"], session_id)
    assert session["client"] is None and session["stage"] == "supervision"
    assert session["case_manager"] == "carol" and session["team"] == "north"
    hold = next(t for t in session["tasks"] if t["bpmn_id"] == "hold_session")
    assert hold["lane"] == "supervisor" and hold["assignee"] is None  # north has two supervisors: either claims
    inbox = browse("sam").get("/inbox?tab=team").get_data(as_text=True)
    assert "Hold the monthly supervision session" in inbox and "Supervision: carol" in inbox
    # The inbox's "Client or case number" filter finds a session by its worker, or every session.
    by_worker = browse("sam").get("/inbox?tab=team&client=carol").get_data(as_text=True)
    assert "Supervision: carol" in by_worker and "Supervision: cody" not in by_worker
    every = browse("sam").get("/inbox?tab=team&client=supervision").get_data(as_text=True)
    assert "Supervision: carol" in every and "Supervision: cody" in every
    # Sorted by client, the team's clients come first by name and the sessions (no client) last,
    # on both databases (the task's copy of its client's sort name is empty for a session).
    by_client = engine.inbox.inbox(people["sam"], InboxQuery(tab="team", sort="client")).tasks
    labels = [t["client"] for t in by_client]
    sessions = [label for label in labels if label.startswith("Supervision")]
    assert sessions and labels[-len(sessions):] == sessions and labels[0] == "Ruth Okafor"
    page = browse("sam").get(f"/cases/{session_id}")
    assert page.status_code == 200
    assert "The supervision session of 2026-02 with carol" in page.get_data(as_text=True)
    assert browse("sam").get(f"/tasks/{hold['id']}").status_code == 200
    api = login("sam")
    assert api.get(f"/api/cases/{session_id}").get_json()["client"] is None
    assert any(t["case_id"] == session_id for t in api.get("/api/tasks?scope=available").get_json())

    # Sam holds it; carol acknowledges the notes; the record keeps both, signed.
    clock.advance("P1D")
    engine.tasks.complete(people["sam"], hold["id"], SESSION_NOTES)
    session = engine.cases.get_case(people["carol"], session_id)
    ack = next(t for t in session["tasks"] if t["bpmn_id"] == "acknowledge_session")
    assert ack["assignee"] == "carol"
    assert browse("carol").get(f"/tasks/{ack['id']}").status_code == 200
    engine.tasks.complete(people["carol"], ack["id"], {"acknowledged": True, "comment": "Agreed"})
    assert engine.cases.get_case(people["sam"], session_id)["status"] == "completed"
    entries = engine.record.timeline(people["sam"], session_id)
    notes = [e for e in entries if (e.get("data") or {}).get("summary") == SESSION_NOTES["summary"]]
    signed = [e for e in entries if (e.get("data") or {}).get("acknowledged") is True]
    assert len(notes) == 1 and notes[0]["author"] == "sam" and notes[0]["signed_at"]
    assert len(signed) == 1 and signed[0]["author"] == "carol" and signed[0]["signed_at"]

    # No caseload, no case opened in the reports, no case on the dashboard; no record to export.
    report = engine.measures.measures(people["sam"], from_="2026-01-01", to="2026-02-28")
    assert report["measures"]["cases_opened"]["count"]["value"] == 1
    assert {row["worker"]: row["cases"]["value"] for row in report["caseload"]} == {"carol": 1}
    board = engine.dashboard.dashboard(people["sam"])
    carol = next(w for w in board["workers"] if w["username"] == "carol")
    assert carol["cases"] == 1
    assert browse("sam").get(f"/cases/{session_id}/export?format=json").status_code == 400
    assert browse("sam").get("/cases").status_code == 200
    pages = {path: browse("sam").get(f"/cases/{session_id}{path}").status_code
             for path in ("/access", "/diagram.bpmn", "/plan")}
    assert pages == {"/access": 200, "/diagram.bpmn": 200, "/plan": 404}  # no service plan: no client's copy
    api = login("sam")  # a day on: a new token
    for path in ("/timeline", "/access", "/audit"):
        assert api.get(f"/api/cases/{session_id}{path}").status_code == 200
    assert api.get(f"/api/cases/{session_id}/export").status_code == 400
    with engine.store.reading() as uow:
        opened = list(uow.session.scalars(select(AuditEvent).where(AuditEvent.kind == "supervision_sessions_opened")))
    assert [e.data["month"] for e in opened] == ["2026-01", "2026-02"]


def test_a_session_is_never_drawn_for_the_quality_review(case_engine, people, clock):
    """AAA quality review samples clients' records; a supervision session has none (NASW Std 11)."""
    engine = case_engine
    engine.quality.seed = "story"
    assert engine.supervision.open_if_due() is not None
    drawn = engine.quality.draw_if_due()
    assert drawn is not None and drawn["reviews"] == []


def test_casepath_supervision_open_opens_what_is_missing(lifecycle_app, case_engine, people):
    from web.cli import supervision_open_command

    runner = lifecycle_app.test_cli_runner()
    first = runner.invoke(supervision_open_command, ["--month", "2026-03"])
    assert first.exit_code == 0, first.output
    assert "supervision of 2026-03: 3 session(s) opened" in first.output and "carol: case" in first.output
    again = runner.invoke(supervision_open_command, ["--month", "2026-03"])
    assert again.exit_code == 0 and "0 session(s) opened" in again.output
    bad = runner.invoke(supervision_open_command, ["--month", "March"])
    assert bad.exit_code == 1 and "month must look like 2026-05" in bad.output


def test_two_pollers_at_once_open_one_session_per_case_manager(case_engine, people):
    """Several `casepath worker`s poll one database: (month, worker) is unique, so each month
    still opens one session per case manager (NASW Std 11), and no half-opened case is left."""
    import threading

    from engine.policy import operator
    from engine.store.models import Case

    for month in ("2026-04", "2026-05", "2026-06"):
        barrier = threading.Barrier(2)
        failures = []

        def poll():
            barrier.wait()
            try:
                case_engine.supervision.open(operator("engine"), month)
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                failures.append(repr(exc))

        threads = [threading.Thread(target=poll) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == []
        assert sorted(_sessions(case_engine, month)) == ["carol", "cody", "olga"]
    with case_engine.store.reading() as uow:
        cases = list(uow.session.scalars(select(Case.id).where(Case.stage == "supervision")))
    assert len(cases) == 9
