"""The caseload guard: NASW Standard 11 asks agencies to "maintain reasonable caseloads".

A supervisor who would carry a case manager past the agency's acuity-weighted limit is
stopped and asked for a reason; with one, the case is assigned and the override is
audited with the reason; the dashboard shows who is over the limit."""
from __future__ import annotations

import pytest

from engine.definitions.forms import FormCatalog
from engine.facade import CaseEngine
from engine.services.caseload import OverCaseload
from tests.support.lifecycle import Story
from tests.support.paths import FORMS
from tests.support.people import CHEAP_HASHING

pytestmark = pytest.mark.lifecycle

CLIENTS = [{"first_name": name, "last_name": "Mensah", "birth_date": f"19{40 + i}-05-0{i + 1}"}
           for i, name in enumerate(["Ama", "Kofi", "Esi"])]


def test_a_supervisor_goes_past_the_limit_only_with_a_reason_and_the_dashboard_says_so(
        case_engine, people, clock):
    # The agency allows 2.5 weighted points per case manager; cody already has two cases.
    guarded = CaseEngine(case_engine.sessions, clock, FormCatalog(FORMS), password_hasher=CHEAP_HASHING,
                         caseload_limit=2.5)
    for client in CLIENTS[:2]:
        guarded.cases.open_case(people["cody"], client)
    newcomer = Story(guarded, people, clock, client=CLIENTS[2])
    newcomer.screen()
    engage = newcomer.task("engage_client")

    with pytest.raises(OverCaseload) as refused:
        guarded.tasks.assign(people["sam"], engage["id"], "cody")
    assert "cody's caseload would be 3 weighted points, over the limit of 2.5" in refused.value.message
    assert newcomer.task("engage_client")["assignee"] is None, "nothing was moved"

    guarded.tasks.assign(people["sam"], engage["id"], "cody", reason="Cody speaks Twi; carol is on leave")
    assert newcomer.task("engage_client")["assignee"] == "cody"
    override = [e for e in guarded.record.audit(people["sam"], newcomer.id) if e["kind"] == "caseload_override"]
    assert len(override) == 1 and "Cody speaks Twi" in override[0]["message"]

    board = guarded.dashboard.dashboard(people["sam"])
    cody = next(w for w in board["workers"] if w["username"] == "cody")
    assert cody["weighted"] == 3 and cody["over_limit"] is True
    carol = next(w for w in board["workers"] if w["username"] == "carol")
    assert carol["over_limit"] is False


def test_a_case_that_already_has_its_case_manager_grows_nobodys_caseload(case_engine, people, clock):
    guarded = CaseEngine(case_engine.sessions, clock, FormCatalog(FORMS), password_hasher=CHEAP_HASHING,
                         caseload_limit=1)
    guarded.cases.open_case(people["cody"], CLIENTS[0])
    ruth = Story(guarded, people, clock)
    ruth.screen()
    ruth.engage()  # carol engaged the client: the case is hers
    # Handing one of its tasks to cody (over his limit) does not make the case his.
    task = next(t for t in guarded.cases.get_case(people["sam"], ruth.id)["tasks"] if t["lane"] == "case_manager")
    guarded.tasks.assign(people["sam"], task["id"], "cody")
