"""What in a client's record is sensitive beyond the rest: substance use, behavioral health
and abuse findings (42 CFR Part 2 for substance use records; NASW Std 10). Only the case's
own staff see them (engine.policy.may_see_sensitive); everyone else who may open the case
sees that something is withheld, and from whom to ask."""
from __future__ import annotations

import copy

SENSITIVE_DOMAINS = ("alcohol_drug_use", "behavioral_health_trauma")  # NACM assessment domains
SENSITIVE_RISKS = ("abuse", "neglect")  # a risk screen's abuse findings
SENSITIVE_KINDS = ("mandated_report",)  # whole entries: reports of abuse or neglect
WITHHELD = "withheld: sensitive; ask the case manager or supervisor"


def withhold(entry: dict) -> dict:
    """A record entry as someone outside the case's staff may read it."""
    if entry.get("kind") in SENSITIVE_KINDS:
        return {**entry, "data": {"withheld": WITHHELD}}
    data = entry.get("data")
    if not isinstance(data, dict):
        return entry
    domains, risks = data.get("domains"), data.get("risk_screen")
    if not (isinstance(domains, dict) and any(d in domains for d in SENSITIVE_DOMAINS)) and \
            not (isinstance(risks, dict) and any(r in risks for r in SENSITIVE_RISKS)):
        return entry
    data = copy.deepcopy(data)
    if isinstance(domains, dict):
        for name in SENSITIVE_DOMAINS:
            if name in data["domains"]:
                data["domains"][name] = WITHHELD
    if isinstance(risks, dict):
        for name in SENSITIVE_RISKS:
            if name in data["risk_screen"]:
                data["risk_screen"][name] = WITHHELD
    return {**entry, "data": data}
