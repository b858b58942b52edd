"""Issue 17 item 4, releases as living consents: a release of information is given, renewed and
taken back at any time, and nothing is disclosed to a provider (a referral, a transfer) without one
in force naming them. Stories of processes/case_lifecycle.bpmn with the clock moved forward."""
from __future__ import annotations

import pytest

from engine.errors import InvalidData
from tests.support.lifecycle import CONTACT

pytestmark = pytest.mark.lifecycle

MEALS = {"provider": "Meals on Wheels", "service": "home-delivered meals", "rationale": "Cannot cook since the fall"}
TRANSITION = {"readiness_indicators": ["Meals stable for 3 months"],
              "transition_plan": "Hand over to the county's in-home program",
              "receiving_provider": "County in-home services", "overlap_start": "2026-02-05",
              "overlap_end": "2026-02-19"}


def test_a_release_signed_after_engagement_makes_the_referral_possible_and_a_revocation_stops_it(story):
    """NASW Standards for Social Work Case Management (2013), Std 10: the record holds "written
    permission … to release and obtain information"; AAA: the release is signed by the client
    or guardian. Consent is living: given at any time, taken back at any time, and audited.

    Ruth signs no release at engagement. A month on, the referral to Meals on Wheels is refused
    until she signs one; she revokes it two weeks later and the next referral is refused naming
    the revocation; she signs a new one in March and referring is possible again."""
    ruth = story()
    ruth.screen()
    ruth.engage(releases=[])
    ruth.assess(), ruth.plan()
    ruth.wait("P30D")  # 4 February: the first monthly contact
    with pytest.raises(InvalidData) as refused:
        ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})
    assert refused.value.details == [{"field": "referrals/0/provider", "message":
                                      "no release of information for Meals on Wheels is on file; have the "
                                      "client (or guardian) sign one before referring"}]
    ruth.sign_release("Meals on Wheels", purpose="home-delivered meals")
    assert ruth.consents() == {"Meals on Wheels": "valid"}
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})
    assert ruth.record("release_of_information")[0]["author"] == "carol"

    ruth.wait("P14D")  # 18 February: Ruth takes her permission back
    ruth.revoke_release("Meals on Wheels", reason="They called my neighbour", how="in writing")
    assert ruth.consents() == {"Meals on Wheels": "revoked"}
    consent = ruth.refresh()["consents"][0]
    assert consent["revoked_on"] == "2026-02-18"
    audit = [e for e in ruth.engine.record.audit(ruth.people["sam"], ruth.id) if e["kind"] == "release_revoked"]
    assert len(audit) == 1 and audit[0]["actor"] == "carol"
    assert audit[0]["data"]["recipient"] == "Meals on Wheels"
    assert audit[0]["data"]["revoked_entries"] == [ruth.record("release_of_information")[0]["id"]]
    assert "nothing more is disclosed" in audit[0]["message"]

    ruth.wait("P16D")  # 6 March: the next monthly contact; another referral to them is refused by name
    with pytest.raises(InvalidData) as revoked:
        ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})
    assert revoked.value.details[0]["message"].startswith(
        "the client revoked the release of information for Meals on Wheels on 2026-02-18")
    ruth.sign_release("Meals on Wheels", purpose="home-delivered meals")  # she changes her mind again
    assert [c["status"] for c in ruth.refresh()["consents"]] == ["revoked", "valid"]
    ruth.do("carol", "log_contact", {**CONTACT, "referrals": [MEALS]})


def test_a_transfer_needs_a_release_naming_the_receiving_provider(story):
    """NASW (2013), Std 10: written permission to release information; NACM (2017): the
    transition hands the client to a receiving provider, which discloses the record to them.

    The transition plan naming a provider with no release on file is refused, naming the
    consent missing; nothing moves until the client signs one."""
    ruth = story()
    ruth.to_monitoring()
    ruth.wait("P30D")
    ruth.do("carol", "log_contact", {**CONTACT, "next_step": "transition"})
    with pytest.raises(InvalidData) as refused:
        ruth.do("carol", "plan_transition", TRANSITION)
    assert refused.value.details == [{"field": "receiving_provider", "message":
                                      "no release of information for County in-home services is on file; have "
                                      "the client (or guardian) sign one before transferring"}]
    assert ruth.open_tasks() == ["plan_transition"] and ruth.record("transition") == []
    ruth.sign_release("County In-Home Services ", expires_on="2026-02-10")  # names match as people write them
    ruth.wait("P10D")  # the release lapses before the plan is written
    with pytest.raises(InvalidData) as expired:
        ruth.do("carol", "plan_transition", TRANSITION)
    assert "expired on 2026-02-10" in expired.value.details[0]["message"]
    ruth.sign_release("County in-home services")
    ruth.do("carol", "plan_transition", TRANSITION)
    assert ruth.open_tasks() == ["approve_transition"]


def test_a_revocation_must_name_a_release_on_file_and_a_day_that_has_come(story):
    """NASW (2013), Std 10: the record says what was consented to and what was taken back; a
    revocation of nothing, or dated in the future, would be a false entry."""
    ruth = story()
    ruth.screen(), ruth.engage()
    with pytest.raises(InvalidData) as nothing:
        ruth.revoke_release("County in-home services")
    assert nothing.value.details == [{"field": "revokes_release_to",
                                      "message": "no release of information for County in-home services is on "
                                                 "file to revoke"}]
    with pytest.raises(InvalidData) as future:
        ruth.revoke_release("Meals on Wheels", revoked_on="2026-03-01")
    assert [d["field"] for d in future.value.details] == ["revoked_on"]
    with pytest.raises(InvalidData) as backwards:
        ruth.sign_release("Meals on Wheels", expires_on="2026-01-01")
    assert backwards.value.details[0]["field"] == "releases/0/expires_on"
    assert ruth.record("release_revoked") == [] and ruth.record("release_of_information") == []
