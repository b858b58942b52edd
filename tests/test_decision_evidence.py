"""Decisions with their evidence: the supervisor sees the plan she approves and what changed
since the last round; the case manager sees why it came back, above the form, even after a
validation error."""
from __future__ import annotations

import copy
import html

import pytest

from tests.support.lifecycle import PLAN

pytestmark = pytest.mark.lifecycle


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_returned_plan_round_trip_shows_evidence_comment_and_changes(story, browse):
    ruth = story()
    ruth.screen(), ruth.engage(), ruth.assess()
    ruth.do("carol", "write_plan", PLAN)

    sam = browse("sam")
    approval = text(sam.get(f"/tasks/{ruth.task('approve_plan')['id']}"))
    assert "What you are deciding on: Write the service plan" in approval
    assert "Eat a hot meal every weekday" in approval and "Meals on Wheels" in approval
    assert "Changed since the last round" not in approval, "the first round has nothing to compare"
    ruth.do("sam", "approve_plan", {"decision": "return", "comments": "Add how often Carol calls"})

    carol = browse("carol")
    revision = text(carol.get(f"/tasks/{ruth.task('write_plan')['id']}"))
    assert revision.index("Returned by sam") < revision.index("<form method=\"post\" action=\"/tasks/")
    assert "Add how often Carol calls" in revision
    invalid = text(carol.post(f"/tasks/{ruth.task('write_plan')['id']}", {"action": "complete"}))
    assert "Returned by sam" in invalid and "Add how often Carol calls" in invalid, "a validation error keeps it"

    revised = copy.deepcopy(PLAN)
    revised["plain_language_summary"] = "Meals come every weekday. Carol calls you every Monday."
    ruth.do("carol", "write_plan", revised)
    second = text(sam.get(f"/tasks/{ruth.task('approve_plan')['id']}"))
    assert "Changed since the last round" in second and "Carol calls you every Monday" in second
    changed = second[second.index("Changed since the last round"):second.index("</ul>", second.index("Changed since"))]
    assert "Plain language summary" in changed and "Goals" not in changed
