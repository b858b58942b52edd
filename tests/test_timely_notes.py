"""Issue 17 item 6, timely documentation: a contact records when it happened apart from when
its note was signed; a note signed after the agency's deadline is flagged and counted.

NASW Standards for Social Work Case Management (2013), Std 10: the record holds "dates,
times, and descriptions of contact"."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest

from engine.definitions.forms import FormCatalog
from engine.definitions.timeliness import due_by, working_days_between
from engine.errors import Forbidden, InvalidData
from engine.facade import CaseEngine
from tests.support.lifecycle import CONTACT, Story
from tests.support.paths import FORMS
from tests.support.people import CHEAP_HASHING
from web.config import ConfigError, Settings

pytestmark = pytest.mark.lifecycle

PHONE_CALL = {"contact_with": "client", "mode": "phone", "note": "Ruth says the meals come on time"}


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_a_note_signed_past_three_working_days_is_flagged_counted_and_a_future_contact_refused(
        story, people, case_engine, browse):
    """NASW Standards for Social Work Case Management (2013), Std 10: "dates, times, and
    descriptions of contact". The contact is dated when it happened; its note is due within
    three working days (Monday to Friday); signed later, it is late on the record, in the
    supervisor's count and on the dashboard."""
    ruth = story()
    ruth.to_monitoring()  # Monday 5 January 2026, 09:00
    ruth.wait("P30D")  # Wednesday 4 February: the monthly contact is due
    assert ruth.open_tasks() == ["log_contact"]
    with pytest.raises(InvalidData) as refused:  # carol writes up a call she has not made yet
        ruth.do("carol", "log_contact", {**CONTACT, "occurred_at": "2026-02-04T10:00:00Z"})
    assert refused.value.details == [{"field": "occurred_at",
                                      "message": "the contact cannot have taken place in the future"}]

    ruth.wait("P6D")  # Tuesday 10 February: the call of Wednesday 4 February is written up now
    ruth.do("carol", "log_contact", {**CONTACT, "occurred_at": "2026-02-04T10:00:00Z"})
    # The same day, a note of Friday's call, due by Wednesday 11 February; carol mistypes the month.
    mistyped = case_engine.record.add_record_entry(people["carol"], ruth.id, "contact",
                                                   {**PHONE_CALL, "occurred_at": "2026-01-06T15:30"})
    late, wrong = ruth.record("contact")
    assert late["data"]["occurred_at"] == "2026-02-04T10:00:00Z" and late["signed_at"].startswith("2026-02-10")
    assert late["timeliness"] == {"occurred_at": "2026-02-04T10:00:00+00:00", "note_due_by": "2026-02-09",
                                  "late": True, "working_days_late": 1}
    assert wrong["timeliness"]["late"] is True and wrong["timeliness"]["note_due_by"] == "2026-01-09"
    assert case_engine.record.late_notes(people["sam"])["by_author"] == {"carol": 2}
    # Corrected, the note (first signed on Tuesday 10 February) was on time after all; it counts once.
    case_engine.record.correct_record_entry(people["carol"], ruth.id, mistyped["id"],
                                            {**PHONE_CALL, "occurred_at": "2026-02-06T15:30"}, "wrong month")
    assert ruth.record("contact")[-1]["timeliness"]["late"] is False
    with pytest.raises(InvalidData):  # nor can a correction date a contact in the future
        case_engine.record.correct_record_entry(people["carol"], ruth.id, ruth.record("contact")[-1]["id"],
                                                {**PHONE_CALL, "occurred_at": "2026-03-01T10:00"}, "typo")

    counted = case_engine.record.late_notes(people["sam"])
    assert counted["deadline_days"] == 3 and counted["total"] == 1 and counted["by_author"] == {"carol": 1}
    assert {k: counted["notes"][0][k] for k in ("case_id", "author", "note_due_by")} == {
        "case_id": ruth.id, "author": "carol", "note_due_by": "2026-02-09"}
    assert case_engine.record.late_notes(people["sam"], since=date(2026, 2, 11))["total"] == 0
    assert case_engine.record.late_notes(people["seth"])["total"] == 0, "another team's supervisor: not theirs"
    with pytest.raises(Forbidden):
        case_engine.record.late_notes(people["carol"])

    board = case_engine.dashboard.dashboard(people["sam"])
    assert board["late_notes_total"] == 1
    assert {w["username"]: w["late_notes"] for w in board["workers"]} == {"carol": 1, "cody": 0}
    page = text(browse("sam").get("/dashboard"))
    assert "late notes in the last 30 days" in page and '<td data-label="Late notes" class="bad">1</td>' in page
    case_page = text(browse("sam").get(f"/cases/{ruth.id}"))
    assert "Late note: due by 9 February 2026 (3 working days)" in case_page
    assert "contact 4 February 2026, 10:00" in case_page


def test_a_late_note_corrected_weeks_later_counts_where_its_first_signature_put_it(story, people, case_engine, clock):
    """NASW Standards for Social Work Case Management (2013), Std 10: a note is judged by when it
    was first signed. Corrected five weeks later, the late note still counts in February, when it
    was signed, and not in the dashboard's last 30 days of March (which reads only the notes signed
    in its window and the originals they correct)."""
    ruth = story()
    ruth.to_monitoring()  # Monday 5 January 2026
    clock.advance("P36D")  # Tuesday 10 February: a note of Wednesday 4 February's call, due by the 9th
    late = case_engine.record.add_record_entry(people["carol"], ruth.id, "contact",
                                               {**PHONE_CALL, "occurred_at": "2026-02-04T10:00"})
    clock.advance("P40D")  # Sunday 22 March: carol corrects what the client said
    case_engine.record.correct_record_entry(people["carol"], ruth.id, late["id"],
                                            {**PHONE_CALL, "note": "Ruth says the meals come late",
                                             "occurred_at": "2026-02-04T10:00"}, "wrong words")

    assert case_engine.record.late_notes(people["sam"], since=date(2026, 2, 1))["by_author"] == {"carol": 1}
    assert case_engine.record.late_notes(people["sam"], since=date(2026, 3, 1))["total"] == 0
    assert case_engine.dashboard.dashboard(people["sam"])["late_notes_total"] == 0


def test_the_deadline_is_the_agencys_to_set(story, people, case_engine, clock):
    """NASW (2013), Std 10: the agency sets how soon a contact is documented
    (CASEPATH_NOTE_DEADLINE_DAYS, 3 working days unless it says otherwise)."""
    assert Settings.from_environment({}).note_deadline_days == 3
    assert Settings.from_environment({"CASEPATH_NOTE_DEADLINE_DAYS": "5"}).note_deadline_days == 5
    with pytest.raises(ConfigError):
        Settings.from_environment({"CASEPATH_NOTE_DEADLINE_DAYS": "three"})
    patient = CaseEngine(case_engine.sessions, clock, FormCatalog(FORMS), password_hasher=CHEAP_HASHING,
                         note_deadline_days=5)
    ruth = Story(patient, people, clock)
    ruth.screen(), ruth.engage()
    ruth.wait("P6D")  # Sunday 11 January: the note of Monday's visit, five working days on
    patient.record.add_record_entry(people["carol"], ruth.id, "contact", {**PHONE_CALL, "occurred_at": START_ISO})
    assert ruth.record("contact")[0]["timeliness"]["late"] is False
    assert case_engine.record.timeline(people["sam"], ruth.id)[-1]["timeliness"]["late"] is True, "at three days"
    assert patient.record.late_notes(people["sam"])["total"] == 0


START_ISO = "2026-01-05T09:00:00Z"


@pytest.mark.parametrize("contact, due", [
    (date(2026, 1, 5), date(2026, 1, 8)),   # Monday -> Thursday
    (date(2026, 1, 9), date(2026, 1, 14)),  # Friday -> Wednesday
    (date(2026, 1, 10), date(2026, 1, 14)),  # Saturday -> Wednesday
])
def test_working_days_are_monday_to_friday(contact, due):
    """NASW (2013), Std 10: the deadline counts working days, so a weekend does not make a note late."""
    assert due_by(contact, 3) == due
    assert working_days_between(due, due) == 0 and working_days_between(date(2026, 1, 9), date(2026, 1, 12)) == 1
