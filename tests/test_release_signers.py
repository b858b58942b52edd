"""Issue 17 follow-up: a release of information signed by a guardian names someone on record
who may sign for the client (engine/definitions/record_rules.py).

AAA Client-Centered Case Management Standards, Std 4: "A release of information signed by the
client or the client's legal guardian enables the case manager to release information to a
third party." NASW Standards for Social Work Case Management (2013), Std 1: when a client's
decision-making capacity is limited, the case manager collaborates with "the individual who is
legally authorized to represent the client". A signature from someone the record does not show
holding that authority is no consent, so it is refused, naming the field, and nothing is
written."""
from __future__ import annotations

import pytest

from tests.support.lifecycle import ENGAGED

pytestmark = pytest.mark.lifecycle

GUARDIAN = {"name": "Grace Okafor", "relationship": "daughter", "authority": "guardian_of_person",
            "may_sign": True, "document": "Letters of guardianship, county court", "valid_until": "2027-12-31"}


def _signed_by_grace(ruth, recipient: str = "Meals on Wheels", **changes) -> dict:
    release = {**ruth.release_for(recipient), "signed_by": "Grace Okafor", "signer_role": "guardian"}
    return {"releases": [{**release, **changes}]}


def _add(client, ruth, kind: str, data: dict):
    return client.post(f"/api/cases/{ruth.id}/record", json={"kind": kind, "data": data})


def _refusal(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_json()
    return {d["field"]: d["message"] for d in response.get_json()["error"]["details"]}


def test_a_release_signed_by_the_guardian_on_record_is_accepted(story, login):
    """AAA Std 4: a release signed by the client's legal guardian; the guardian is on record
    (entered at intake) and may sign, so the release is in force."""
    ruth = story()
    assert _add(login("ivy"), ruth, "legal_representative", GUARDIAN).status_code == 201
    carol = login("carol")
    added = _add(carol, ruth, "release_of_information", _signed_by_grace(ruth))
    assert added.status_code == 201, added.get_json()
    assert ruth.consents() == {"Meals on Wheels": "valid"}
    # The name is matched as people write it, not byte for byte.
    again = _add(carol, ruth, "release_of_information", _signed_by_grace(ruth, "Dr Lee", signed_by=" grace  OKAFOR"))
    assert again.status_code == 201, again.get_json()
    # The client signing for herself needs no representative.
    assert _add(carol, ruth, "release_of_information", {"releases": [ruth.release_for("Daughter")]}).status_code == 201


def test_a_release_signed_by_someone_not_on_record_as_able_to_sign_is_refused(story, login):
    """AAA Std 4 / NASW (2013) Std 1: only the client or a legally authorized representative
    consents. Refused, naming `releases/0/signed_by`, when no one is on record, when the signer
    is someone else, when the representative may not sign, has stopped acting, or signed after
    their authority ended; each refusal leaves the record as it was."""
    ruth = story()
    carol = login("carol")
    before = len(ruth.record())

    problems = _refusal(_add(carol, ruth, "release_of_information", _signed_by_grace(ruth)))
    assert list(problems) == ["releases/0/signed_by"]
    assert "Grace Okafor is not on record as a guardian or legal representative who may sign" in \
        problems["releases/0/signed_by"]
    assert "no one is on record" in problems["releases/0/signed_by"]

    assert _add(login("ivy"), ruth, "legal_representative", GUARDIAN).status_code == 201
    before += 1
    someone_else = _refusal(_add(carol, ruth, "release_of_information",
                                 _signed_by_grace(ruth, signed_by="Tom Okafor")))
    assert "Tom Okafor is not on record" in someone_else["releases/0/signed_by"]
    assert "on record: Grace Okafor" in someone_else["releases/0/signed_by"]

    expired = _refusal(_add(carol, ruth, "release_of_information",
                            {"releases": [ruth.release_for("Dr Lee"),
                                          {**_signed_by_grace(ruth)["releases"][0], "signed_on": "2028-01-02",
                                           "expires_on": "2028-06-01"}]}))
    assert list(expired) == ["releases/1/signed_by"], "the client's own release in the same entry is fine"
    assert "authority to sign for the client ended on 2027-12-31" in expired["releases/1/signed_by"]

    assert _add(carol, ruth, "legal_representative", {**GUARDIAN, "may_sign": False}).status_code == 201
    before += 1
    assert "releases/0/signed_by" in _refusal(_add(carol, ruth, "release_of_information", _signed_by_grace(ruth)))

    assert _add(carol, ruth, "legal_representative", {**GUARDIAN, "ended": True}).status_code == 201
    before += 1
    assert "releases/0/signed_by" in _refusal(_add(carol, ruth, "release_of_information", _signed_by_grace(ruth)))

    assert len(ruth.record()) == before and ruth.consents() == {}, "nothing was written"


def test_engagement_releases_signed_by_a_guardian_need_the_guardian_on_record(story, login):
    """The same rule holds for the releases signed at engagement (AAA Std 3 informed consent,
    Std 4 releases): the step is refused until the guardian is on record, then goes on."""
    ruth = story()
    ruth.screen()
    task = ruth.task("engage_client")
    by_grace = {**ENGAGED, "releases": [{**ENGAGED["releases"][0], "signed_by": "Grace Okafor",
                                         "signer_role": "guardian"}]}
    problems = _refusal(login("carol").post(f"/api/tasks/{task['id']}/complete", json={"data": by_grace}))
    assert list(problems) == ["releases/0/signed_by"]
    assert ruth.open_tasks() == ["engage_client"] and ruth.stage == "engagement"

    assert _add(login("carol"), ruth, "legal_representative", GUARDIAN).status_code == 201
    done = login("carol").post(f"/api/tasks/{task['id']}/complete", json={"data": by_grace})
    assert done.status_code == 200, done.get_json()
    assert ruth.stage == "assessment"
