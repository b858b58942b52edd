"""Form data is data, not engine state: a completion may set only what its form asks for,
so no answer can overwrite what the diagram's rules decided or reach the script sandbox.

(Issue: `{"acuity": "low", "contact_interval": "P10Y"}` added to a contact lowered a
high-risk case to low acuity and moved its next contact ten years out.)"""
from __future__ import annotations

import pytest

from engine.definitions.scripting import RestrictedEnvironment
from engine.errors import InvalidData
from tests.support.lifecycle import CONTACT

pytestmark = pytest.mark.lifecycle


def test_a_contact_cannot_lower_a_high_risk_clients_acuity_or_move_the_next_contact(story, case_engine, people):
    ruth = story()
    ruth.screen(), ruth.engage()
    ruth.assess(risk=("suicide",))
    for task, answers in (("crisis_plan", {"risk_summary": "Suicidal thoughts", "warning_signs": "Gives things away",
                                           "safety_steps": ["Daily call"],
                                           "crisis_line_given": True}),
                          ("mandated_report", {"report_made": True, "reported_to": "adult_protective_services",
                                               "reported_on": "2026-01-05"})):
        ruth.do("carol", task, answers)
    ruth.do("sam", "risk_alert", {"reviewed_with_case_manager": True, "guidance": "Visit in person this week"})
    ruth.plan()
    ruth.wait("P7D")
    before = ruth.refresh()
    timeline_before = len(ruth.record())
    assert before["acuity"] == "high" and ruth.open_tasks() == ["log_contact"]

    with pytest.raises(InvalidData) as refused:
        ruth.do("carol", "log_contact", {**CONTACT, "acuity": "low", "contact_interval": "P10Y"})

    assert [d["field"] for d in refused.value.details] == ["acuity", "contact_interval"]
    assert "has no fields 'acuity', 'contact_interval'" in refused.value.message
    after = ruth.refresh()
    assert (after["acuity"], after["timers"], after["tasks"]) == ("high", before["timers"], before["tasks"])
    assert len(ruth.record()) == timeline_before, "nothing was signed"

    ruth.do("carol", "log_contact", CONTACT)  # the same contact without the extra answers goes through
    assert ruth.refresh()["acuity"] == "high"
    assert ruth.timers()["contact_due"].startswith("2026-")


def test_answers_never_replace_the_sandboxs_guards():
    env = RestrictedEnvironment()
    data = {"name": "ruth", "_getattr_": 0, "_write_": None, "__builtins__": {}}
    assert env.evaluate("name.upper()", data) == "RUTH"
    env.execute("greeting = 'hello ' + name.title()", data)
    assert data["greeting"] == "hello Ruth"
    assert data["_getattr_"] == 0, "the data itself is kept as it was"
