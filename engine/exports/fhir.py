"""The plan, goals, tasks and consents of a complete record as FHIR R4 resources (NACM: plans that
travel with the client; none of the standards' anchors offers an interoperable export).

A Bundle of type `collection`: the Patient, one CarePlan (the current service plan), a Goal per
goal (achievement from the outcome at closure), a Task per plan task (who does what), and a
Consent per release of information and one for the consent to services. References are
`urn:uuid:` ids derived from the case, so the same record exports to the same ids.

Validated with fhir.resources' R4B models (FHIR 4.3): for these five resources R4B is R4's
structure; the R4 (4.0.1) models exist only in fhir.resources 6, which needs pydantic 1.
"""
from __future__ import annotations

import uuid

from fhir.resources.R4B.bundle import Bundle

from ..errors import EngineError

_NAMESPACE = uuid.UUID("6f1c8e52-4d1b-4b39-9a55-3c4f0c1d2e7a")  # casepath's, for uuid5
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
_CONSENT_CATEGORY = "http://loinc.org"
_GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
# The closure form's outcome per goal, in FHIR's goal-achievement codes.
_ACHIEVEMENT = {"met": "achieved", "partially_met": "improving", "not_met": "not-achieved"}
_PARTY_ROLE = {"client": "Patient", "case_manager": "Practitioner", "provider": "Organization"}


class FhirInvalid(EngineError):
    """The bundle we built does not validate: a bug of ours, never the caller's."""
    code = "fhir_invalid"


def _urn(*parts) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(str(p) for p in parts))}"


def _text(value) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _patient(record: dict, ref: str) -> dict:
    client = record["client"]
    patient = {"resourceType": "Patient", "id": ref.rsplit(":", 1)[1],
               "identifier": [{"system": "urn:casepath:client", "value": str(client["id"])}],
               "name": [{"family": client["last_name"], "given": [client["first_name"]]}]}
    if client.get("birth_date"):
        patient["birthDate"] = client["birth_date"]
    if client.get("preferred_language"):
        patient["communication"] = [{"language": {"text": client["preferred_language"]}, "preferred": True}]
    return patient


def _goal(goal: dict, index: int, case_id: int, patient: str, closed: bool) -> tuple[str, dict]:
    ref = _urn(case_id, "goal", index)
    resource = {"resourceType": "Goal", "id": ref.rsplit(":", 1)[1],
                "lifecycleStatus": "completed" if goal.get("outcome") else ("cancelled" if closed else "active"),
                "description": {"text": _text(goal.get("goal")) or "goal"}, "subject": {"reference": patient}}
    target = {}
    if goal.get("measure"):
        target["detailString"] = _text(goal["measure"])
    if goal.get("target_date"):
        target["dueDate"] = goal["target_date"]
    if target:
        resource["target"] = [target]
    if goal.get("outcome") in _ACHIEVEMENT:
        code = _ACHIEVEMENT[goal["outcome"]]
        resource["achievementStatus"] = {"coding": [{"system": _GOAL_ACHIEVEMENT, "code": code}],
                                         "text": goal["outcome"].replace("_", " ")}
    objectives = [_text(o.get("objective")) + (f" ({_text(o['frequency'])})" if o.get("frequency") else "")
                  for o in goal.get("objectives") or [] if isinstance(o, dict) and o.get("objective")]
    if objectives:
        resource["note"] = [{"text": "Objective: " + o} for o in objectives]
    return ref, resource


def _task(task: dict, index: int, case_id: int, patient: str, plan: str, closed: bool,
          authored: str | None) -> tuple[str, dict]:
    ref = _urn(case_id, "task", index)
    owner = {"display": _text(task.get("responsible")) or "unassigned"}
    if task.get("party") in _PARTY_ROLE:
        owner["type"] = _PARTY_ROLE[task["party"]]
    resource = {"resourceType": "Task", "id": ref.rsplit(":", 1)[1], "status": "completed" if closed else "in-progress",
                "intent": "plan", "description": _text(task.get("task")) or "task", "for": {"reference": patient},
                "basedOn": [{"reference": plan}], "owner": owner}
    if authored:
        resource["authoredOn"] = authored
    if task.get("when"):
        resource["note"] = [{"text": "When: " + _text(task["when"])}]
    return ref, resource


def _release_consent(release: dict, index: int, case_id: int, patient: str) -> tuple[str, dict]:
    ref = _urn(case_id, "consent", index)
    status = {"valid": "active", "expired": "inactive", "not yet signed": "proposed"}.get(release.get("status"), "active")
    provision = {"type": "permit", "period": {"start": release["signed_on"], "end": release["expires_on"]},
                 "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                                 "code": "IRCP"}], "text": "information recipient"},
                            "reference": {"display": _text(release.get("recipient"))}}]}
    if release.get("purpose"):
        # v3 ActReason COC, coordination of care: what a release to another provider is for;
        # the client's own words for the purpose stay in the display.
        provision["purpose"] = [{"system": _ACT_REASON, "code": "COC", "display": _text(release["purpose"])}]
    resource = {"resourceType": "Consent", "id": ref.rsplit(":", 1)[1], "status": status,
                "scope": {"coding": [{"system": _CONSENT_SCOPE, "code": "patient-privacy"}]},
                "category": [{"coding": [{"system": _CONSENT_CATEGORY, "code": "59284-0"}],
                              "text": "release of information"}],
                "patient": {"reference": patient}, "dateTime": release["signed_on"],
                "performer": [{"display": f"{_text(release.get('signed_by'))} ({_text(release.get('signer_role'))})"}],
                "policyRule": {"coding": [{"system": _ACT_CODE, "code": "OPTIN"}]},
                "provision": provision}
    if release.get("information"):
        resource["text"] = {"status": "generated",
                            "div": _div(f"Release of {release['information']} to {release.get('recipient')}")}
    return ref, resource


def _div(words: str) -> str:
    escaped = words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{escaped}</div>'


def _care_plan(record: dict, ref: str, patient: str, goals: list[str], tasks: list[str], closed: bool) -> dict:
    plan = record["plan"]
    case = record["case"]
    resource = {"resourceType": "CarePlan", "id": ref.rsplit(":", 1)[1],
                "status": "completed" if closed else ("active" if plan["status"] == "approved" else "draft"),
                "intent": "plan", "title": "Service plan", "subject": {"reference": patient},
                "identifier": [{"system": "urn:casepath:case", "value": str(case["id"])}],
                "created": plan["signed_at"], "author": {"display": plan["author"]},
                "goal": [{"reference": g} for g in goals],
                "activity": [{"reference": {"reference": t}} for t in tasks],
                "period": {"start": case["opened_at"], **({"end": case["closed_at"]} if case.get("closed_at") else {})}}
    summary = (plan.get("data") or {}).get("plain_language_summary")
    if summary:
        resource["description"] = _text(summary)
    return resource


def bundle(record: dict) -> dict:
    """The record's plan, goals, tasks and consents as a validated FHIR Bundle (a dict)."""
    case_id = record["case"]["id"]
    closed = record["case"].get("closed_at") is not None
    patient_ref = _urn(case_id, "patient", record["client"]["id"])
    entries = [(patient_ref, _patient(record, patient_ref))]
    if record.get("plan"):
        plan_ref = _urn(case_id, "careplan", record["plan"]["entry_id"])
        goals = [_goal(g, i, case_id, patient_ref, closed) for i, g in enumerate(record["goals"])]
        tasks = [_task(t, i, case_id, patient_ref, plan_ref, closed, record["plan"]["signed_at"])
                 for i, t in enumerate(record["tasks"])]
        entries.append((plan_ref, _care_plan(record, plan_ref, patient_ref, [g for g, _ in goals],
                                             [t for t, _ in tasks], closed)))
        entries += goals + tasks
    entries += [_release_consent(r, i, case_id, patient_ref) for i, r in enumerate(record["consents"])
                if r.get("signed_on") and r.get("expires_on")]
    document = {"resourceType": "Bundle", "id": _urn(case_id, "bundle", record["exported_at"]).rsplit(":", 1)[1],
                "type": "collection", "timestamp": record["exported_at"],
                "entry": [{"fullUrl": ref, "resource": resource} for ref, resource in entries]}
    validate(document)
    return document


def validate(document: dict) -> None:
    """Parse the bundle with fhir.resources: every resource against its FHIR structure definition."""
    try:
        Bundle.model_validate(document)
    except Exception as exc:  # pydantic's ValidationError, or a resource type it does not know
        raise FhirInvalid(f"the FHIR export does not validate: {exc}") from exc
