"""Names the whole product agrees on."""

ROLES = ("admin", "supervisor", "case_manager", "intake")

# The case-management cycle (NACM; NASW Std 3-9), plus the two ends a case can reach.
STAGES = (
    "screening", "engagement", "assessment", "planning", "monitoring",
    "transition", "closure", "follow_up", "closed", "ineligible",
)
