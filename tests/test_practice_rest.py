"""Issue 17, the remainders: referral follow-through as a task, correcting a contact logged
through its task, a plan the client declined to sign, and naming the interpreter at contacts.

Stories of processes/case_lifecycle.bpmn with the clock moved forward."""
from __future__ import annotations

import html
import re

import pytest

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
