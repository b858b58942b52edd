"""Issue 17, the remainders: referral follow-through as a task, correcting a contact logged
through its task, a plan the client declined to sign, and naming the interpreter at contacts.

Stories of processes/case_lifecycle.bpmn with the clock moved forward."""
from __future__ import annotations

import html
import re

import pytest

from engine import scheduler
from engine.errors import InvalidData
from tests.support.lifecycle import APPROVE, CONTACT, PLAN

pytestmark = pytest.mark.lifecycle

ROSA = {"first_name": "Rosa", "last_name": "Delgado", "birth_date": "1950-07-02", "preferred_language": "Spanish"}


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_a_plan_the_client_declined_to_sign_says_so_on_the_client_copy(story, browse):
    """NASW (2013), Std 1 self-determination: a client may decline to sign the plan; the client's
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


MEALS = {"provider": "Meals on Wheels", "service": "home-delivered meals", "rationale": "Cannot cook since the fall"}
DAY_CENTRE = {"provider": "Riverside Day Centre", "service": "day programme", "rationale": "Lonely at home"}


def test_a_referral_without_news_after_two_weeks_becomes_a_follow_up_task_once(story):
    """NACM Case Management Practice Standards (2017): referral and linkage; "evaluate
    appropriateness and effectiveness of referrals". Two referrals are made at a contact; the
    day centre answers within the week, Meals on Wheels does not. Fourteen days on, Carol gets
    "Follow up the referral to Meals on Wheels" (not one for the day centre), only once, and
    answers it with the referral's status; nothing more opens after that."""
    ruth = story()
    ruth.to_monitoring()
    ruth.sign_release("Riverside Day Centre")
    ruth.wait("P30D")  # 4 February
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS, DAY_CENTRE]})
    referrals = ruth.engine.referrals

    ruth.clock.advance("P5D")
    ruth.engine.record.add_record_entry(ruth.people["carol"], ruth.id, "referral_status", {
        "provider": "Riverside Day Centre", "status": "accepted", "on": ruth.clock.now().date().isoformat()})
    ruth.clock.advance("P8D")  # 17 February: 13 days
    assert referrals.open_due() == [] and "follow_up_referral" not in ruth.open_tasks()

    ruth.clock.advance("P1D")  # 18 February: two weeks without word from Meals on Wheels
    opened = referrals.open_due()
    assert [(o["case_id"], o["provider"]) for o in opened] == [(ruth.id, "Meals on Wheels")]
    task = ruth.task("follow_up_referral")
    assert task["name"] == "Follow up the referral to Meals on Wheels" and task["lane"] == "case_manager"
    shown = ruth.engine.tasks.get_task(ruth.people["carol"], task["id"])
    assert shown["data"]["provider"] == "Meals on Wheels" and shown["data"]["service"] == "home-delivered meals"
    assert referrals.open_due() == [], "one follow-up per referral"
    ruth.clock.advance("P1D")
    assert referrals.open_due() == [] and ruth.open_tasks().count("follow_up_referral") == 1

    ruth.do("carol", "follow_up_referral", {"provider": "Meals on Wheels", "status": "no_response",
                                            "on": ruth.clock.now().date().isoformat(),
                                            "note": "Left a message with intake; call again Friday"})
    assert "follow_up_referral" not in ruth.open_tasks() and ruth.stage == "monitoring"
    page = ruth.engine.pages.case_page(ruth.people["carol"], ruth.id)["referrals"]
    assert {(r["provider"], r["status"], r["follow_up_due"]) for r in page} == {
        ("Meals on Wheels", "no_response", False), ("Riverside Day Centre", "accepted", False)}
    ruth.clock.advance("P30D")
    assert referrals.open_due() == [] and "follow_up_referral" not in ruth.open_tasks()


def test_each_referral_gets_its_own_follow_up_while_monitoring_runs_and_none_after(story, monkeypatch):
    """NACM (2017): evaluate the effectiveness of referrals, each one. Two referrals without news
    open two follow-ups; when monitoring ends (the client is ready to close) the open ones are
    withdrawn with the stage, and a referral still without news then opens nothing: the lifecycle
    no longer waits for it. The scheduler asks at most once an hour."""
    ruth = story()
    ruth.to_monitoring()
    ruth.sign_release("Riverside Day Centre")
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS, DAY_CENTRE]})
    ruth.clock.advance("P14D")
    opened = ruth.engine.referrals.open_if_due()
    assert sorted(o["provider"] for o in opened) == ["Meals on Wheels", "Riverside Day Centre"]
    names = sorted(t["name"] for t in ruth.refresh()["tasks"] if t["bpmn_id"] == "follow_up_referral")
    assert names == ["Follow up the referral to Meals on Wheels", "Follow up the referral to Riverside Day Centre"]

    asked = []
    monkeypatch.setattr(ruth.engine.referrals, "open_due", lambda: asked.append(1) or [])
    ruth.clock.advance("PT30M")
    assert ruth.engine.referrals.open_if_due() == [] and asked == [], "the same hour: not asked again"
    ruth.clock.advance("PT1H")
    ruth.engine.referrals.open_if_due()
    assert asked == [1]
    monkeypatch.undo()

    follow_up = next(t for t in ruth.refresh()["tasks"] if t["name"].endswith("Riverside Day Centre"))
    ruth.engine.tasks.complete(ruth.people["carol"], follow_up["id"], {
        "provider": "Riverside Day Centre", "status": "service_started", "on": ruth.clock.now().date().isoformat()})
    ruth.wait("P16D")  # 6 March: the next monthly contact; Ruth is ready to close
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "close"})
    assert ruth.stage != "monitoring" and "follow_up_referral" not in ruth.open_tasks()
    audit = ruth.engine.record.audit(ruth.people["sam"], ruth.id)
    assert [e["kind"] for e in audit].count("referral_follow_up_opened") == 2
    ruth.engine.record.add_record_entry(ruth.people["carol"], ruth.id, "referral_status", {
        "provider": "Meals on Wheels", "status": "no_response", "on": ruth.clock.now().date().isoformat()})
    ruth.clock.advance("P30D")
    assert ruth.engine.referrals.open_due() == []


def test_the_agency_sets_how_long_a_referral_may_go_without_news(story):
    """NACM (2017): evaluate the effectiveness of referrals, on the agency's schedule:
    CASEPATH_REFERRAL_FOLLOW_UP_DAYS (14 unless it says otherwise)."""
    from web.config import ConfigError, Settings

    assert Settings.from_environment({}).referral_follow_up_days == 14
    assert Settings.from_environment({"CASEPATH_REFERRAL_FOLLOW_UP_DAYS": "7"}).referral_follow_up_days == 7
    for wrong in ("0", "a week", "-3"):
        with pytest.raises(ConfigError, match="CASEPATH_REFERRAL_FOLLOW_UP_DAYS"):
            Settings.from_environment({"CASEPATH_REFERRAL_FOLLOW_UP_DAYS": wrong})

    ruth = story()
    ruth.engine.referrals.follow_up_days = 7
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})
    ruth.clock.advance("P6D")
    assert ruth.engine.referrals.open_due() == []
    ruth.clock.advance("P1D")
    scheduler._job(ruth.engine)  # the scheduler's poll asks
    assert ruth.task("follow_up_referral")["name"] == "Follow up the referral to Meals on Wheels"
