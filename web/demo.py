"""Demo users and sample cases for `casepath demo` (embedded SQLite, never production data)."""
from __future__ import annotations

from datetime import date, timedelta

from engine.facade import CaseEngine
from engine.errors import Conflict
from engine.vocabulary import ASSESSMENT_DOMAINS

DEMO_PASSWORD = "casepath-demo"
DEMO_USERS = [
    ("admin", ["admin"], None, "Avery Admin"),
    ("sam", ["supervisor"], "north", "Sam Supervisor"),
    ("carol", ["case_manager"], "north", "Carol Case Manager"),
    ("cody", ["case_manager"], "north", "Cody Case Manager"),
    ("ivy", ["intake"], "north", "Ivy Intake"),
]

SCREENED = {"referral_source": "hospital", "referral_source_detail": "St Mary's discharge planner",
            "presenting_need": "Needs help at home after a fall", "resides_in_service_area": True,
            "monthly_income": 1850, "household_size": 1, "program_slot_available": True}
_NEEDS = {"basic_needs_housing": "Lives alone in a second-floor flat", "physical_health": "Recovering from a fall"}
ASSESSED = {"domains": {d: {"strengths": "", "needs": _NEEDS.get(d, ""), "preferences": "",
                            "need_identified": d in _NEEDS} for d in ASSESSMENT_DOMAINS},
            "living_arrangements": "Lives alone", "language_preference": "English", "literacy": "reads and writes",
            "risk_screen": {"suicide": False, "homicide": False, "abuse": False, "neglect": False,
                            "exploitation": False},
            "summary": "Recovering from a fall; wants to stay at home; close to her daughter"}


def engaged(today: date) -> dict:
    """Engagement signed today, with a release that runs a year: dated from the clock, so the demo
    loads on any day (a fixed expiry once fell inside its renewal window and opened that task first)."""
    signed = today.isoformat()
    release = {"information": "name, address, dietary needs", "recipient": "Meals on Wheels",
               "purpose": "home-delivered meals", "expires_on": (today + timedelta(days=365)).isoformat(),
               "signed_by": "the client", "signer_role": "client", "signed_on": signed}
    return {"consent_to_services": True, "right_to_refuse_explained": True,
            "confidentiality_limits_explained": {"abuse_or_neglect": True, "risk_of_harm": True, "court_orders": True},
            "releases": [release], "mutual_expectations": "Monthly call; the client tells us when plans change",
            "signed_by": "the client", "signer_role": "client", "signed_on": signed}


def planned(today: date) -> dict:
    return {"goals": [{"goal": "Home-delivered meals five days a week", "measure": "Meals delivered every weekday",
                       "target_date": (today + timedelta(days=60)).isoformat(),
                       "objectives": [{"objective": "Meals on Wheels starts", "frequency": "weekdays"}]}],
            "participants": [{"name": "Client", "party": "client"}, {"name": "Carol", "party": "case_manager"},
                             {"name": "Meals on Wheels", "party": "provider"}],
            "tasks": [{"task": "Be home for deliveries", "responsible": "Client", "party": "client"},
                      {"task": "Refer to Meals on Wheels", "responsible": "Carol", "party": "case_manager"},
                      {"task": "Deliver meals", "responsible": "Meals on Wheels", "party": "provider"}],
            "client_signature": {"signed_by": "the client", "signer_role": "client", "signed_on": today.isoformat()},
            "plain_language_summary": "Meals come every weekday. Carol calls you every month."}


def _advance(engine: CaseEngine, case: dict, steps: list[tuple[str, dict]]) -> dict:
    for username, data in steps:
        actor = engine.identity.actor(username)
        task = case["tasks"][0]
        case = engine.tasks.complete(actor, task["id"], data)["case"]
    return case


def load_demo(engine: CaseEngine) -> list[str]:
    lines = []
    created = False
    for username, roles, team, name in DEMO_USERS:
        try:
            engine.identity.add_user(username, DEMO_PASSWORD, roles, team, name)
            created = True
        except Conflict:
            pass
    if created:
        ivy, carol = engine.identity.actor("ivy"), engine.identity.actor("carol")
        today = engine.clock.now().date()
        engagement, plan = engaged(today), planned(today)
        samples = [
            ("Maria", "Lopez", "1944-05-12", "Spanish", []),
            ("Harold", "Kim", "1950-09-30", "English", [("ivy", SCREENED)]),
            ("Edna", "Brown", "1939-02-02", "English",
             [("ivy", SCREENED), ("carol", engagement), ("carol", ASSESSED), ("carol", plan)]),
            ("Joseph", "Nguyen", "1947-11-21", "Vietnamese",
             [("ivy", SCREENED), ("carol", engagement), ("carol", ASSESSED), ("carol", plan),
              ("sam", {"decision": "approve"})]),
            ("Tom", "Young", "1990-01-01", "English",
             [("ivy", SCREENED), ("ivy", {"referred_to": "County adult services", "reason_explained": True})]),
        ]
        for first, last, born, language, steps in samples:
            opener = ivy if not steps or steps[0][0] == "ivy" else carol
            case = engine.cases.open_case(opener, {"first_name": first, "last_name": last, "birth_date": born,
                                             "preferred_language": language}, program="Aging services")
            case = _advance(engine, case, steps)
            lines.append(f"case {case['id']}: {first} {last} — {case['stage']}")
    else:
        lines.append("demo users already exist; sample cases left as they are")
    lines.append("")
    lines.append(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for username, roles, team, name in DEMO_USERS:
        lines.append(f"  {username:<6} {', '.join(roles)}{' (team ' + team + ')' if team else ''}")
    return lines
