"""The record in the browser: from the case page a case manager adds a contact note, a
receipt or a record release, a supervisor a supervision note, and the author corrects an
entry, with the API's checks and each refusal beside its field. The case page speaks in
words: dates as "14 March 1948", deadlines as "due in 10 days", fields by their titles,
steps by their names, never an internal id."""
from __future__ import annotations

import html
import re

import pytest

pytestmark = pytest.mark.lifecycle

CONTACT_NOTE = {"kind": "contact", "occurred_at": "2026-01-05T08:30", "contact_with": "client",
                "mode": "in person", "note": "Visited at home; the meals arrive"}


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def ruth(story):
    case = story()
    case.screen()
    case.engage()  # carol's case now
    return case


def test_a_case_manager_adds_a_contact_note_and_reads_it_in_words(browse, ruth):
    carol = browse("carol")
    page = text(carol.get(f"/cases/{ruth.id}"))
    assert "Add a contact note" in page and "Add a receipt or disbursement" in page
    assert "Record a release of the record" in page
    assert "Add a supervision note" not in page, "supervision notes are for supervisors"

    added = carol.post(f"/cases/{ruth.id}/record", CONTACT_NOTE)
    assert added.status_code == 302 and "#entry-" in added.headers["Location"]
    page = text(carol.get(f"/cases/{ruth.id}"))
    assert "Contact added to the record." in page
    assert "<dt>Contact with</dt><dd>client</dd>" in page and "<dt>Mode</dt><dd>in person</dd>" in page
    assert ruth.record("contact")[-1]["author"] == "carol"


def test_a_refused_entry_comes_back_with_the_message_beside_its_field(browse, ruth):
    carol = browse("carol")
    refused = carol.post(f"/cases/{ruth.id}/record", {**CONTACT_NOTE, "note": ""})
    assert refused.status_code == 422
    page = text(refused)
    assert '<details class="add-entry" id="add-contact" open>' in page
    assert 'id="contact-f-note-error"' in page and 'aria-invalid="true"' in page
    assert 'value="in person" selected' in page, "what was typed is kept"
    assert ruth.record("contact") == []


def test_only_a_supervisor_adds_a_supervision_note(browse, ruth):
    assert browse("carol").post(f"/cases/{ruth.id}/record",
                                {"kind": "supervision_note", "note": "Discussed"}).status_code == 403
    sam = browse("sam")
    assert "Add a supervision note" in text(sam.get(f"/cases/{ruth.id}"))
    done = sam.post(f"/cases/{ruth.id}/record", {"kind": "supervision_note", "note": "Discussed the plan",
                                                  "follow_up_by": "2026-02-02"})
    assert done.status_code == 302
    page = text(sam.get(f"/cases/{ruth.id}"))
    assert "<dt>Follow up by</dt><dd>2 February 2026</dd>" in page


def test_a_receipt_reads_with_its_date_in_words(browse, ruth):
    carol = browse("carol")
    carol.post(f"/cases/{ruth.id}/record", {"kind": "financial", "direction": "receipt", "amount": "40",
                                            "party": "Ruth Okafor", "purpose": "meal contribution",
                                            "on": "2026-01-07"})
    page = text(carol.get(f"/cases/{ruth.id}"))
    assert "<dt>Paid to / received from</dt><dd>Ruth Okafor</dd>" in page
    assert "<dt>Date</dt><dd>7 January 2026</dd>" in page


def test_the_author_corrects_an_entry_which_stays_as_it_was(browse, ruth):
    carol = browse("carol")
    carol.post(f"/cases/{ruth.id}/record", CONTACT_NOTE)
    original = ruth.record("contact")[-1]
    form = text(carol.get(f"/cases/{ruth.id}/record/{original['id']}/correct"))
    assert "Correct “Contact”" in form and "Visited at home; the meals arrive" in form

    no_reason = carol.post(f"/cases/{ruth.id}/record/{original['id']}/correct",
                           {**CONTACT_NOTE, "note": "Visited at home; meals arrive on weekdays"})
    assert no_reason.status_code == 422 and 'id="reason-error"' in text(no_reason)

    corrected = carol.post(f"/cases/{ruth.id}/record/{original['id']}/correct",
                           {**CONTACT_NOTE, "note": "Visited at home; meals arrive on weekdays",
                            "reason": "wrong days"})
    assert corrected.status_code == 302
    page = text(carol.get(f"/cases/{ruth.id}"))
    assert "corrected by" in page and "corrects" in page and "an earlier entry" in page
    assert "<dt>Correction reason</dt><dd>wrong days</dd>" in page
    entries = ruth.record("contact")
    assert entries[0]["data"]["note"] == "Visited at home; the meals arrive"
    assert entries[-1]["corrects"] == original["id"]
    assert browse("cody").get(f"/cases/{ruth.id}/record/{original['id']}/correct").status_code in (403, 404)
    assert carol.get(f"/cases/{ruth.id}/record/{original['id']}/correct").status_code == 409, "corrected once"


def test_the_case_page_speaks_in_words_and_shows_no_internal_ids(browse, ruth):
    page = text(browse("carol").get(f"/cases/{ruth.id}"))
    assert "<dt>Born</dt><dd>14 March 1948</dd>" in page
    assert re.search(r"Due in \d+ days</strong> \(\d+ [A-Z][a-z]+ 2026\): Engagement deadline passed", page) \
        or "Engagement deadline" not in page
    caption = re.search(r"Highlighted: the stage and steps the case is at now \(([^)]*)\)", page).group(1)
    assert "_" not in caption and caption, caption
    assert "case_lifecycle" not in re.sub(r'(data-[a-z]+|href|src)="[^"]*"', "", page)
    assert re.search(r"\b(due|overdue by|overdue since) ", page)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "the record forms share the page without sharing ids"


def test_timers_read_due_in_or_overdue_by(browse, story, clock):
    ruth = story()
    ruth.screen()  # the engagement deadline is set; it is ahead, not past
    page = text(browse("sam").get(f"/cases/{ruth.id}"))
    assert re.search(r"<strong>Due in 10 days</strong> \(15 January 2026\): Engagement deadline passed", page), \
        re.findall(r'<ul class="plain timers">.*?</ul>', page)
