"""Demo users and sample cases for `casepath demo` (embedded SQLite, never production data)."""
from __future__ import annotations

from engine.cases import CaseEngine
from engine.errors import Conflict

DEMO_PASSWORD = "casepath-demo"
DEMO_USERS = [
    ("admin", ["admin"], None, "Avery Admin"),
    ("sam", ["supervisor"], "north", "Sam Supervisor"),
    ("carol", ["case_manager"], "north", "Carol Case Manager"),
    ("cody", ["case_manager"], "north", "Cody Case Manager"),
    ("ivy", ["intake"], "north", "Ivy Intake"),
]

SCREENED = {"referral_source": "hospital", "presenting_need": "Needs help at home after a fall", "age": 78,
            "resides_in_service_area": True}
ENGAGED = {"consent_to_services": True, "right_to_refuse_explained": True,
           "confidentiality_limits_explained": True, "signed_by": "client", "signed_on": "2026-01-05"}
ASSESSED = {"needs_identified": 3, "risk_screen_positive": False, "strengths": "Close to her daughter",
            "basic_needs_housing": "Lives alone in a second-floor flat"}
PLANNED = {"goals": [{"goal": "Home-delivered meals five days a week", "target_date": "2026-03-01",
                      "responsible": "provider"},
                     {"goal": "Daughter visits twice a week", "target_date": "2026-02-01",
                      "responsible": "family member"}],
           "client_signature": "client", "signed_on": "2026-01-10"}


def _advance(engine: CaseEngine, case: dict, steps: list[tuple[str, dict]]) -> dict:
    for username, data in steps:
        actor = engine.actor(username)
        task = case["tasks"][0]
        case = engine.complete(actor, task["id"], data)["case"]
    return case


def load_demo(engine: CaseEngine) -> list[str]:
    lines = []
    created = False
    for username, roles, team, name in DEMO_USERS:
        try:
            engine.add_user(username, DEMO_PASSWORD, roles, team, name)
            created = True
        except Conflict:
            pass
    if created:
        ivy, carol = engine.actor("ivy"), engine.actor("carol")
        samples = [
            ("Maria", "Lopez", "1944-05-12", "Spanish", []),
            ("Harold", "Kim", "1950-09-30", "English", [("ivy", SCREENED)]),
            ("Edna", "Brown", "1939-02-02", "English",
             [("ivy", SCREENED), ("carol", ENGAGED), ("carol", ASSESSED), ("carol", PLANNED)]),
            ("Joseph", "Nguyen", "1947-11-21", "Vietnamese",
             [("ivy", SCREENED), ("carol", ENGAGED), ("carol", ASSESSED), ("carol", PLANNED),
              ("sam", {"decision": "approve"})]),
            ("Tom", "Young", "1990-01-01", "English", [("ivy", {**SCREENED, "age": 35})]),
        ]
        for first, last, born, language, steps in samples:
            opener = ivy if not steps or steps[0][0] == "ivy" else carol
            case = engine.open_case(opener, {"first_name": first, "last_name": last, "birth_date": born,
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
