"""Names the whole product agrees on."""

ROLES = ("admin", "supervisor", "case_manager", "intake")

# The case-management cycle (NACM; NASW Std 3-9), plus the three ends a case can reach: closed,
# ineligible, and withdrawn (the client chose to stop; NASW 2013 Std 1, self-determination).
STAGES = (
    "screening", "engagement", "assessment", "planning", "monitoring",
    "transition", "closure", "follow_up", "closed", "ineligible", "withdrawn",
    "quality_review", "supervision",
)
# Stages at which the case counts as closed (follow-up after closure still runs on it).
CLOSED_STAGES = ("follow_up", "closed", "ineligible", "withdrawn")
# Stages of work about a case rather than with a client: a quality review (AAA quality-assurance
# review; NASW Std 9) runs as a case of its own, for the drawn case's client, and is no one's
# caseload, no case opened or closed in the measures, and no step of the case-management cycle.
REVIEW_STAGES = ("quality_review",)
# The monthly supervision session (NASW 2013 Std 11, workload sustainability, and Std 12,
# professional development and competence) runs as a case about a case manager, with no client.
SUPERVISION_STAGES = ("supervision",)
# Oversight: work about the casework, not casework. None of it is anyone's caseload, a case opened
# or closed in the measures, a case a quality review draws, or a step of the case-management cycle.
OVERSIGHT_STAGES = REVIEW_STAGES + SUPERVISION_STAGES

# NACM Case Management Practice Standards (2017): the assessment domains, in the forms' field names.
ASSESSMENT_DOMAINS = (
    "basic_needs_housing", "family_natural_supports", "crisis_safety_risk", "behavioral_health_trauma",
    "developmental", "physical_health", "alcohol_drug_use", "social_leisure", "financial_insurance",
    "legal", "educational_vocational", "cultural_spiritual", "other_systems_involved", "level_of_functioning",
)

# NACM (2017): progress toward each goal of the plan, and its outcome at closure. The last three
# are the closure form's outcomes (achieved, partly achieved, not achieved).
GOAL_STATUSES = ("not_started", "in_progress", "met", "partially_met", "not_met")

# NACM (2017): evaluate the appropriateness and effectiveness of referrals. "made" is the
# referral itself; the others are what the provider or client said since.
REFERRAL_STATUSES = ("made", "accepted", "service_started", "declined", "no_response")
