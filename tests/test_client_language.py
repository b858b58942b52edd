"""Issue 17 item 7, language: screening records whether the client needs an interpreter and
in which language; contacts note who interpreted, and a family member interpreting is
flagged on the case page; the client's copy of the plan is in the client's language where a
translation exists (English and Spanish ship), with a language switch.

NASW Standards for Social Work Case Management (2013), Std 4, cultural and linguistic
competence: "using professional interpreters rather than relying on family members to
interpret"."""
from __future__ import annotations

import html
import re

import pytest

from engine.errors import InvalidData
from tests.support.lifecycle import CONTACT
from web.client_language import choose, code_for

pytestmark = pytest.mark.lifecycle

ROSA = {"first_name": "Rosa", "last_name": "Delgado", "birth_date": "1950-07-02", "preferred_language": "Spanish"}
MARIA = {"first_name": "Maria", "last_name": "Santos", "birth_date": "1946-11-20", "preferred_language": "Tagalog"}
VIA_DAUGHTER = {**CONTACT, "interpreter": "family_member", "note": "Her daughter interpreted; meals arriving"}


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_an_interpreter_is_recorded_a_family_interpreter_flagged_and_the_plan_copy_is_in_spanish(
        story, people, case_engine, browse):
    """NASW Standards for Social Work Case Management (2013), Std 4: cultural and linguistic
    competence; "professional interpreters rather than … family members". Rosa speaks Spanish:
    screening says she needs an interpreter, a contact her daughter interpreted is flagged, and
    her copy of the plan is printed in Spanish (English one click away)."""
    rosa = story(client=ROSA)
    with pytest.raises(InvalidData) as refused:
        rosa.screen(interpreter_needed=True)
    assert refused.value.details == [{"field": "interpreter_language", "message": "this field is required"}]
    rosa.screen(interpreter_needed=True, interpreter_language="Spanish")
    rosa.engage(), rosa.assess(), rosa.plan()  # Monday 5 January 2026
    page = text(browse("carol").get(f"/cases/{rosa.id}"))
    assert "<dt>Interpreter</dt><dd><strong>needed</strong>: Spanish</dd>" in page and "A family member interpreted" not in page

    rosa.wait("P30D")  # the monthly contact; her daughter interprets
    rosa.do("carol", "log_contact", VIA_DAUGHTER)
    case_engine.record.add_record_entry(people["carol"], rosa.id, "contact", {
        "occurred_at": "2026-02-04T08:45:00Z", "contact_with": "client", "mode": "phone",
        "interpreter": "professional", "note": "Called back with the agency's interpreter line"})
    flagged = case_engine.pages.case_page(people["sam"], rosa.id)["interpreting"]
    assert flagged["need"]["needed"] is True and flagged["need"]["language"] == "Spanish"
    assert [c["title"] for c in flagged["family_member_contacts"]] == ["Contact the client and review services"]
    page = text(browse("sam").get(f"/cases/{rosa.id}"))
    assert "At 1 contact a family member interpreted for the client (the latest 4 February 2026, 09:00" in page
    assert "NASW Standard 4: use professional interpreters rather than relying on family members" in page
    assert page.count('<span class="badge overdue">A family member interpreted</span>') == 1

    copy = browse("carol").get(f"/cases/{rosa.id}/plan")
    spanish = text(copy)
    assert '<html lang="es">' in spanish and "<h1>Su plan de servicios</h1>" in spanish
    assert "Para <strong>Rosa Delgado</strong>" in spanish
    assert "<strong>Eat a hot meal every weekday</strong> para el 1 de marzo de 2026" in spanish, \
        "the plan's own words as written, the page's text and dates in Spanish"
    assert "Aceptado por Ruth Okafor (cliente) el 20 de enero de 2026" in spanish
    assert "Estado del plan: aprobado" in spanish and "Puede pedir cambiarlo en cualquier momento." in spanish
    assert 'lang="es" hreflang="es" aria-current="page">Español</a>' in spanish
    english = text(browse("carol").get(f"/cases/{rosa.id}/plan?lang=en"))
    assert '<html lang="en">' in english and "<h1>Your service plan</h1>" in english
    assert "Agreed by Ruth Okafor (client) on 20 January 2026" in english
    assert 'lang="en" hreflang="en" aria-current="page">English</a>' in english


def test_without_a_translation_the_copy_is_in_english_and_says_so(story, browse):
    """NASW (2013), Std 4: where the agency has no translation, staff see that the client needs
    the plan interpreted."""
    maria = story(client=MARIA)
    maria.to_monitoring()
    page = text(browse("carol").get(f"/cases/{maria.id}/plan"))
    assert '<html lang="en">' in page and "<h1>Your service plan</h1>" in page
    assert "There is no translation into Tagalog yet; this copy is in English." in page
    assert "<dt>Interpreter</dt><dd>not yet asked</dd>" in text(browse("carol").get(f"/cases/{maria.id}"))


@pytest.mark.parametrize("preferred, code", [("Spanish", "es"), (" español ", "es"), ("es-MX", "es"),
                                             ("English", "en"), ("Tagalog", None), (None, None)])
def test_a_preferred_language_as_staff_wrote_it_finds_its_translation(preferred, code):
    """NASW (2013), Std 4: the client's language, however it was written down at intake."""
    assert code_for(preferred) == code
    assert choose(None, preferred)["code"] == (code or "en")
    assert choose("en", preferred)["code"] == "en" and choose("xx", preferred)["code"] == (code or "en")
