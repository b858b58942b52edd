"""Helpers for the lifecycle stories: valid answers for each form of processes/case_lifecycle.bpmn,
and a Story that works one case through the shipped diagrams as named users."""
from __future__ import annotations

import copy

from engine.vocabulary import ASSESSMENT_DOMAINS
from tests.support.people import ADULT

SCREENED = {"referral_source": "hospital", "referral_source_detail": "St Mary's discharge planner",
            "presenting_need": "Needs help at home after a fall", "resides_in_service_area": True,
            "monthly_income": 1850, "household_size": 1, "program_slot_available": True}

MEALS_RELEASE = {"information": "name, address, dietary needs", "recipient": "Meals on Wheels",
                 "purpose": "home-delivered meals", "expires_on": "2026-07-01", "signed_by": "Ruth Okafor",
                 "signer_role": "client", "signed_on": "2026-01-06"}
ENGAGED = {"consent_to_services": True, "right_to_refuse_explained": True,
           "confidentiality_limits_explained": {"abuse_or_neglect": True, "risk_of_harm": True, "court_orders": True},
           "releases": [MEALS_RELEASE], "mutual_expectations": "Weekly call; Ruth tells us when plans change",
           "signed_by": "Ruth Okafor", "signer_role": "client", "signed_on": "2026-01-06"}


def assessed(needs: tuple[str, ...] = ("basic_needs_housing", "physical_health"), risk: tuple[str, ...] = ()) -> dict:
    return {"domains": {d: {"strengths": "", "needs": "help needed" if d in needs else "",
                            "preferences": "", "need_identified": d in needs} for d in ASSESSMENT_DOMAINS},
            "living_arrangements": "Lives alone, second-floor flat", "language_preference": "English",
            "literacy": "reads and writes",
            "risk_screen": {k: k in risk for k in ("suicide", "homicide", "abuse", "neglect", "exploitation")},
            "summary": "Recovering from a fall; wants to stay at home"}


# Needs in five domains: medium acuity.
MANY_NEEDS = ("basic_needs_housing", "physical_health", "social_leisure", "financial_insurance", "legal")

PLAN = {"goals": [{"goal": "Eat a hot meal every weekday", "measure": "Meals delivered 5 days a week",
                   "target_date": "2026-03-01",
                   "objectives": [{"objective": "Meals on Wheels starts", "frequency": "weekdays"}]}],
        "participants": [{"name": "Ruth Okafor", "party": "client"}, {"name": "Carol", "party": "case_manager"},
                         {"name": "Meals on Wheels", "party": "provider"}],
        "tasks": [{"task": "Be home for deliveries", "responsible": "Ruth Okafor", "party": "client"},
                  {"task": "Refer to Meals on Wheels", "responsible": "Carol", "party": "case_manager"},
                  {"task": "Deliver meals", "responsible": "Meals on Wheels", "party": "provider", "when": "weekdays"}],
        "costs": [{"item": "Meals", "amount": 0, "paid_by": "Older Americans Act Title III"}],
        "reassessment_schedule": "at the interval acuity sets",
        "client_signature": {"signed_by": "Ruth Okafor", "signer_role": "client", "signed_on": "2026-01-20"},
        "plain_language_summary": "Meals come every weekday. Carol calls you every month."}

APPROVE = {"decision": "approve"}
CONTACT = {"contact_with": "client", "mode": "phone", "reached": True, "note": "Meals arriving; mood good",
           "next_step": "continue"}
NO_ANSWER = {"contact_with": "client", "mode": "phone", "reached": False, "note": "No answer", "next_step": "continue"}
CLOSURE = {"closure_reason": "goals_met",
           "goal_outcomes": [{"goal": "Eat a hot meal every weekday", "outcome": "met"}],
           "closure_summary": "Meals in place, daughter visiting; Ruth is independent again",
           "satisfaction_survey": {"overall": 5, "comments": "Carol was kind"},
           "reentry_criteria": "Call intake if meals stop or after another fall"}
FOLLOW_UP = {"client_contacted": True, "collaterals_contacted": ["daughter"], "status": "Doing well",
             "reentry_needed": False}


class Story:
    """One case worked through the shipped lifecycle by named users."""

    def __init__(self, engine, people, clock, opener="ivy", client=None, confirm_new_client=False):
        self.engine, self.people, self.clock = engine, people, clock
        self.case = engine.cases.open_case(people[opener], copy.deepcopy(client or ADULT), program="Aging services",
                                           confirm_new_client=confirm_new_client)
        self.id = self.case["id"]

    def refresh(self, as_user="sam") -> dict:
        self.case = self.engine.cases.get_case(self.people[as_user], self.id)
        return self.case

    @property
    def stage(self) -> str:
        return self.refresh()["stage"]

    def open_tasks(self) -> list[str]:
        return sorted(t["bpmn_id"] for t in self.refresh()["tasks"])

    def task(self, bpmn_id: str) -> dict:
        found = [t for t in self.refresh()["tasks"] if t["bpmn_id"] == bpmn_id]
        assert found, f"no open task {bpmn_id}; open: {self.open_tasks()}"
        return found[0]

    def do(self, user: str, bpmn_id: str, data: dict) -> dict:
        task = self.task(bpmn_id)
        return self.engine.tasks.complete(self.people[user], task["id"], self.timed(task["form"], data))

    def timed(self, form: str, data: dict) -> dict:
        """A contact form's answers with when the contact took place: now, unless the story says
        (NASW Std 10; the stories sign their notes the moment the contact ends)."""
        data = copy.deepcopy(data)
        if form in self.engine.forms and "occurred_at" in self.engine.forms.get(form).schema.get("properties", {}):
            data.setdefault("occurred_at", self.clock.now().isoformat())
        return data

    def timers(self) -> dict[str, str]:
        return {t["bpmn_id"]: t["due_at"] for t in self.refresh()["timers"]}

    def wait(self, duration: str) -> int:
        """Let time pass; fire whatever fell due."""
        self.clock.advance(duration)
        return self.engine.timers.fire_due_timers()

    def record(self, kind: str | None = None) -> list[dict]:
        entries = self.engine.record.timeline(self.people["sam"], self.id)
        return [e for e in entries if kind is None or e["kind"] == kind]

    def release_for(self, recipient: str, purpose: str = "coordination of services", expires_on: str = "2026-12-31",
                    signed_on: str | None = None) -> dict:
        return {"information": "name, address, needs and plan", "recipient": recipient, "purpose": purpose,
                "expires_on": expires_on, "signed_by": "Ruth Okafor", "signer_role": "client",
                "signed_on": signed_on or self.clock.now().date().isoformat()}

    def sign_release(self, recipient: str, user: str = "carol", **release) -> dict:
        """The client signs a release of information at any time (a record entry)."""
        return self.engine.record.add_record_entry(self.people[user], self.id, "release_of_information",
                                                   {"releases": [self.release_for(recipient, **release)]})

    def revoke_release(self, recipient: str, user: str = "carol", **changes) -> dict:
        return self.engine.record.add_record_entry(self.people[user], self.id, "release_revoked", {
            "revokes_release_to": recipient, "revoked_on": self.clock.now().date().isoformat(),
            "revoked_by": "Ruth Okafor", "signer_role": "client", **changes})

    def consents(self) -> dict[str, str]:
        """Recipient -> the status of the latest release to them."""
        return {c["recipient"]: c["status"] for c in self.refresh()["consents"]}

    # --- the usual road, a stage at a time ---------------------------------
    def screen(self, **changes):
        self.do("ivy", "screen_referral", {**SCREENED, **changes})

    def engage(self, **changes):
        self.do("carol", "engage_client", {**ENGAGED, **changes})

    def assess(self, **kw):
        self.do("carol", "assess", assessed(**kw))

    def reassess(self, **kw):
        self.do("carol", "reassess", assessed(**kw))

    def plan(self):
        self.do("carol", "write_plan", PLAN)
        self.do("sam", "approve_plan", APPROVE)

    def to_monitoring(self, **assessment):
        self.screen()
        self.engage()
        self.assess(**assessment)
        self.plan()
