"""Issue 17, the remainders: referral follow-through as a task, correcting a contact logged
through its task, a plan the client declined to sign, and naming the interpreter at contacts.

Stories of processes/case_lifecycle.bpmn with the clock moved forward."""
from __future__ import annotations

import html
import re

import pytest

from engine.errors import InvalidData
from tests.support.lifecycle import APPROVE, PLAN

pytestmark = pytest.mark.lifecycle

ROSA = {"first_name": "Rosa", "last_name": "Delgado", "birth_date": "1950-07-02", "preferred_language": "Spanish"}


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_a_plan_the_client_declined_to_sign_says_so_on_the_client_copy(story, browse):
    """NASW (2013), Std 2 self-determination: a client may decline to sign the plan; the client's
    copy says they declined and why, in their language (Std 4), never an empty "Agreed by"."""
    rosa = story(client=ROSA)
    rosa.screen(), rosa.engage(), rosa.assess()
    unsigned = {k: v for k, v in PLAN.items() if k != "client_signature"}
    rosa.do("carol", "write_plan", {**unsigned, "client_declined_to_sign": {
        "reason": "Agrees with the plan but does not sign papers", "on": "2026-01-05"}})
    rosa.do("sam", "approve_plan", APPROVE)
    english = text(browse("carol").get(f"/cases/{rosa.id}/plan?lang=en"))
    assert "Agreed by" not in english and "()" not in english
    assert "Declined to sign: Agrees with the plan but does not sign papers (on 5 January 2026)." in english
    spanish = text(browse("carol").get(f"/cases/{rosa.id}/plan?lang=es"))
    assert "Aceptado por" not in spanish
    assert "Decidió no firmar: Agrees with the plan but does not sign papers (el 5 de enero de 2026)." in spanish


def test_a_contact_logged_through_its_task_is_corrected_with_its_own_form_and_the_original_stays(story, browse):
    """NASW (2013), Std 10: every entry is dated and signed and never changes; a correction is a
    new signed entry pointing at the original. A monitoring contact (the `log_contact` task's form,
    with whether the person was reached and the next step) is corrected with that form, not the
    record's own contact note form."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {"contact_with": "client", "reached": True, "next_step": "continue",
                                     "note": "Meals arriving on Mondays"})  # no mode: the task's form asks none
    original = ruth.record("contact")[-1]
    assert original["bpmn_id"] == "log_contact"
    carol = browse("carol")
    form = text(carol.get(f"/cases/{ruth.id}/record/{original['id']}/correct"))
    assert "Meals arriving on Mondays" in form and "The person was reached" in form and "Next step" in form

    corrected = carol.post(f"/cases/{ruth.id}/record/{original['id']}/correct", {
        "occurred_at": original["data"]["occurred_at"][:16], "contact_with": "client", "reached": "true",
        "next_step": "continue", "note": "Meals arriving on weekdays", "reason": "wrong days"})
    assert corrected.status_code == 302, text(corrected)
    first, second = ruth.record("contact")[-2:]
    assert first["id"] == original["id"] and first["data"] == original["data"], "the original stays as it was"
    assert second["corrects"] == original["id"] and second["bpmn_id"] == "log_contact"
    assert second["data"]["note"] == "Meals arriving on weekdays" and second["data"]["reached"] is True
    assert second["data"]["next_step"] == "continue" and second["data"]["correction_reason"] == "wrong days"
    page = text(carol.get(f"/cases/{ruth.id}"))
    assert "Meals arriving on Mondays" in page and "Meals arriving on weekdays" in page
    assert "<dt>The person was reached</dt>" in page

    # A contact note written to the record directly is still corrected with the record's form.
    direct = ruth.engine.record.add_record_entry(ruth.people["carol"], ruth.id, "contact", {
        "occurred_at": ruth.clock.now().isoformat(), "contact_with": "family", "mode": "phone",
        "note": "Daughter called"})
    assert "mode" in ruth.engine.record.correction_form(ruth.people["carol"], ruth.id, direct["id"])["schema"]["required"]


def test_when_the_client_needs_an_interpreter_each_contact_says_who_interpreted_or_why_no_one(story, login):
    """NASW Standards for Social Work Case Management (2013), Std 4, cultural and linguistic
    competence: "professional interpreters rather than … family members". Screening says Rosa needs
    a Spanish interpreter, so a contact with her that does not say who interpreted is refused by
    name (nothing recorded), as is one where no one did without saying why."""
    rosa = story(client=ROSA)
    rosa.screen(interpreter_needed=True, interpreter_language="Spanish")
    rosa.engage(), rosa.assess(), rosa.plan()
    rosa.wait("P30D")
    call = {"contact_with": "client", "mode": "phone", "reached": True, "note": "Meals arriving",
            "next_step": "continue"}
    with pytest.raises(InvalidData) as unsaid:
        rosa.do("carol", "log_contact", call)
    assert [d["field"] for d in unsaid.value.details] == ["interpreter"]
    assert "needs an interpreter (Spanish)" in unsaid.value.details[0]["message"]
    with pytest.raises(InvalidData) as no_reason:
        rosa.do("carol", "log_contact", {**call, "interpreter": "none"})
    assert [d["field"] for d in no_reason.value.details] == ["no_interpreter_reason"]
    assert rosa.record("contact") == [] and "log_contact" in rosa.open_tasks()

    rosa.do("carol", "log_contact", {**call, "interpreter": "professional"})
    assert rosa.record("contact")[-1]["data"]["interpreter"] == "professional"

    carol = login("carol")
    note = {"occurred_at": rosa.clock.now().isoformat(), "contact_with": "client", "mode": "in person",
            "note": "Home visit"}
    refused = carol.post(f"/api/cases/{rosa.id}/record", json={"kind": "contact", "data": note})
    assert refused.status_code == 422 and [d["field"] for d in refused.get_json()["error"]["details"]] == ["interpreter"]
    accepted = carol.post(f"/api/cases/{rosa.id}/record", json={"kind": "contact", "data": {
        **note, "interpreter": "none", "no_interpreter_reason": "The agency's interpreter was ill; rebooked for Friday"}})
    assert accepted.status_code == 201
    # A call to her provider, or one she did not answer, needs no interpreter.
    provider = carol.post(f"/api/cases/{rosa.id}/record", json={"kind": "contact", "data": {
        **note, "contact_with": "provider", "note": "Meals on Wheels confirmed weekday delivery"}})
    assert provider.status_code == 201
    rosa.wait("P30D")
    rosa.do("carol", "log_contact", {**call, "reached": False, "note": "No answer"})
