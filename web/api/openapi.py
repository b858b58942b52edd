"""The OpenAPI document of the JSON API, served at /api/openapi.json."""
from flask import jsonify

from engine.vocabulary import ROLES, STAGES

from .blueprint import api


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "malformed request"),
    "401": _json(_ref("Error"), "no or bad token"),
    "403": _json(_ref("Error"), "not allowed"),
    "404": _json(_ref("Error"), "not found or not visible to the caller"),
}


# Any JSON body may hold values that cannot be stored (NUL, lone surrogates, NaN, nesting past 32).
UNSTORABLE = _json(_ref("Error"), "invalid data: each field that cannot be accepted is named in details")


def _op(summary, responses, body=None, params=None, tag="cases", auth=True):
    op = {"summary": summary, "tags": [tag], "responses": {**responses, **ERRORS}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        op["responses"].setdefault("422", UNSTORABLE)
    if params:
        op["parameters"] = params
    if not auth:
        op["security"] = []
    return op


def _query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name, schema):
    return {"name": name, "in": "path", "required": True, "schema": schema}


DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "casepath API", "version": "1.0.0",
             "description": "Executable case management: cases run on versioned BPMN process models. "
                            "Errors are {\"error\": {\"code\", \"message\", \"details\"}}; "
                            "a rejected request changes nothing."},
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message", "details"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                               "details": {"type": "array", "items": {"type": "object"}}}}}},
            "Figure": {"type": "object", "required": ["value"], "properties": {
                "value": {"type": ["number", "null"]},
                "case_ids": {"type": "array", "items": {"type": "integer"},
                             "description": "the cases behind a count"}}},
            "Client": {"type": "object", "required": ["first_name", "last_name"], "properties": {
                "first_name": {"type": "string"}, "last_name": {"type": "string"},
                "birth_date": {"type": ["string", "null"], "format": "date"},
                "preferred_language": {"type": ["string", "null"]}}},
            "Task": {"type": "object", "properties": {
                "id": {"type": "string"}, "case_id": {"type": "integer"}, "name": {"type": "string"},
                "bpmn_id": {"type": "string"}, "lane": {"type": ["string", "null"], "enum": [*ROLES, None]},
                "assignee": {"type": ["string", "null"]}, "due_at": {"type": ["string", "null"]},
                "created_at": {"type": "string"}, "form": {"type": ["string", "null"]},
                "purpose": {"type": ["string", "null"], "enum": ["approval", "escalation", "reassessment", "plan", "contact", None],
                            "description": "what the step is for, from the diagram (docs/diagram-vocabulary.md)"},
                "state": {"type": "string", "enum": ["open", "completed", "cancelled"]}}},
            "Timer": {"type": "object", "properties": {
                "id": {"type": "string"}, "bpmn_id": {"type": "string"}, "name": {"type": "string"},
                "kind": {"type": "string"}, "due_at": {"type": "string"},
                "purpose": {"type": ["string", "null"]}}},
            "CaseSummary": {"type": "object", "properties": {
                "id": {"type": "integer"},
                "client": {"oneOf": [_ref("Client"), {"type": "null"}],
                           "description": "null for a supervision session: a case about a case manager (NASW Std 11)"},
                "stage": {"type": "string", "enum": list(STAGES)},
                "status": {"type": "string", "enum": ["active", "completed", "error"]},
                "program": {"type": ["string", "null"]}, "team": {"type": ["string", "null"]},
                "case_manager": {"type": ["string", "null"]}, "supervisor": {"type": ["string", "null"]},
                "acuity": {"type": ["string", "null"]}, "opened_at": {"type": "string"},
                "closed_at": {"type": ["string", "null"]},
                "version": {"type": "integer", "description": "send back as `version` to detect stale forms"}}},
            "Case": {"allOf": [_ref("CaseSummary"), {"type": "object", "properties": {
                "error": {"oneOf": [{"type": "null"}, _ref("Incident")],
                          "description": "set when status is error: the element, the reason and when"},
                "process": {"type": "object", "properties": {
                    "model": {"type": "string"}, "version": {"type": "integer"},
                    "active_elements": {"type": "array", "items": {"type": "string"}}}},
                "tasks": {"type": "array", "items": _ref("Task")},
                "timers": {"type": "array", "items": _ref("Timer")}}}]},
            "Entry": {"type": "object", "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"}, "title": {"type": "string"},
                "author": {"type": "string"}, "recorded_at": {"type": "string"}, "signed_at": {"type": "string"},
                "data": {"type": "object"}, "corrects": {"type": ["integer", "null"]},
                "timeliness": {"type": "object", "description": (
                    "set when the entry names when the contact took place (`data.occurred_at`): the note is "
                    "due CASEPATH_NOTE_DEADLINE_DAYS working days after it; NASW Std 10"), "properties": {
                    "occurred_at": {"type": "string"}, "note_due_by": {"type": "string"},
                    "late": {"type": "boolean"}, "working_days_late": {"type": "integer"}}}}},
            "AuditEvent": {"type": "object", "properties": {
                "id": {"type": "integer"}, "at": {"type": "string"}, "actor": {"type": "string"},
                "kind": {"type": "string"}, "bpmn_id": {"type": ["string", "null"]},
                "message": {"type": "string"}, "data": {}}},
            "Incident": {"type": "object", "properties": {
                "element_id": {"type": ["string", "null"]}, "message": {"type": "string"},
                "at": {"type": ["string", "null"]}}},
            "Program": {"type": "object", "properties": {
                "name": {"type": "string"}, "process": {"type": "string"},
                "teams": {"type": "array", "items": {"type": "string"}},
                "retention_days": {"type": ["integer", "null"],
                                   "description": "days a closed record is kept (casepath program retention)"}}},
            "Tombstone": {"type": "object", "properties": {
                "case_id": {"type": "integer"}, "program": {"type": ["string", "null"]},
                "closed_at": {"type": ["string", "null"]}, "retention_days": {"type": "integer"},
                "approved_by": {"type": "string"}, "approved_at": {"type": "string"},
                "requested_by": {"type": "string"}, "requested_at": {"type": "string"},
                "entries_disposed": {"type": "integer"}, "events_disposed": {"type": "integer"},
                "record_head": {"type": ["string", "null"]}, "audit_head": {"type": ["string", "null"]}}},
            "ProcessVersion": {"type": "object", "properties": {
                "id": {"type": "string"}, "version": {"type": "integer"}, "deployed_at": {"type": "string"},
                "deployed_by": {"type": "string"}, "running_cases": {"type": "integer"}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/auth/token": {"post": _op("Exchange a username and password for an API token", {
            "200": _json({"type": "object", "properties": {"token": {"type": "string"}}}),
            "429": _json(_ref("Error"), "too many failed sign-ins for the name or address; see Retry-After")},
            body={"type": "object", "required": ["username", "password"],
                  "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
            tag="auth", auth=False)},
        "/api/auth/logout": {"post": _op("Revoke the token this request carries (or the browser session's)", {
            "204": {"description": "signed out"}}, tag="auth")},
        "/api/users/{username}/tokens": {
            "get": _op("(admin) A user's API tokens in force, without the tokens themselves", {
                "200": _json({"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "created_at": {"type": "string"}, "expires_at": {"type": "string"}}}}),
                "403": _json(_ref("Error"), "not an administrator")},
                params=[_path("username", {"type": "string"})], tag="auth"),
            "delete": _op("(admin) Revoke every token of a user: signed out everywhere", {
                "200": _json({"type": "object", "properties": {"revoked": {"type": "integer"}}}),
                "403": _json(_ref("Error"), "not an administrator")},
                params=[_path("username", {"type": "string"})], tag="auth")},
        "/api/me": {"get": _op("Who the token belongs to", {"200": _json({"type": "object", "properties": {
            "username": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string"}},
            "team": {"type": ["string", "null"]}}})}, tag="auth")},
        "/api/cases": {
            "post": _op("Open a case on `process`, else its program's process, else the default process, "
                        "with `variables` as start data",
                        {"201": _json(_ref("Case")),
                         "404": _json(_ref("Error"), "the process is not deployed"),
                         "409": _json(_ref("Error"), "`possible_duplicate`: the client may already have an open "
                                      "case (same last name and birth date, a close first name); details name "
                                      "each case the caller may see, or whom to ask"),
                         "422": _json(_ref("Error"), "invalid client, or start data the start form refuses")},
                        body={"type": "object", "required": ["client"],
                              "properties": {"client": _ref("Client"), "program": {"type": "string"},
                                             "confirm_new_client": {"type": "boolean", "description": "open a new "
                                                                    "case even if the client may have one open"},
                                             "process": {"type": "string", "description": "a deployed model id"},
                                             "variables": {"type": "object", "description": "start data, checked "
                                                           "against the start event's form if it has one"}}}),
            "get": _op("Cases the caller may see", {"200": _json({"type": "array", "items": _ref("CaseSummary")})},
                       params=[_query("stage", {"type": "string", "enum": list(STAGES)}, "only this stage"),
                               _query("assigned_to", {"type": "string"}, "`me` or a username"),
                               _query("q", {"type": "string"}, "client name contains"),
                               _query("program", {"type": "string"}, "only this program"),
                               _query("limit", {"type": "integer"}, "at most 500"),
                               _query("offset", {"type": "integer"}, "skip this many")])},
        "/api/cases/{case_id}": {"get": _op("A case with its open tasks and timers", {"200": _json(_ref("Case"))},
                                            params=[_path("case_id", {"type": "integer"})])},
        "/api/cases/{case_id}/timeline": {"get": _op(
            "The case record: dated, signed entries", {"200": _json({"type": "array", "items": _ref("Entry")})},
            params=[_path("case_id", {"type": "integer"})])},
        "/api/cases/{case_id}/record": {"post": _op(
            "Add a signed entry to the record: contact, supervision_note (supervisors), financial, record_release, "
            "release_of_information (signed or renewed), release_revoked, referral_status",
            {"201": _json(_ref("Entry")), "403": _json(_ref("Error"), "role may not write this kind"),
             "422": _json(_ref("Error"), "invalid data")},
            body={"type": "object", "required": ["kind", "data"], "properties": {
                "kind": {"type": "string", "enum": ["contact", "supervision_note", "financial", "record_release",
                                                    "release_of_information", "release_revoked", "referral_status"]},
                "data": {"type": "object"}}},
            params=[_path("case_id", {"type": "integer"})])},
        "/api/cases/{case_id}/record/{entry_id}/corrections": {"post": _op(
            "Correct a signed entry: a new entry pointing at the old one, which never changes",
            {"201": _json(_ref("Entry")), "409": _json(_ref("Error"), "already corrected"),
             "422": _json(_ref("Error"), "invalid data or no reason")},
            body={"type": "object", "required": ["data", "reason"], "properties": {
                "data": {"type": "object"}, "reason": {"type": "string"}}},
            params=[_path("case_id", {"type": "integer"}), _path("entry_id", {"type": "integer"})])},
        "/api/cases/{case_id}/access": {"get": _op(
            "Who read the client's record, what and from which page or route, newest first (supervisor, admin)",
            {"200": _json({"type": "array", "items": {"type": "object", "properties": {
                "at": {"type": "string"}, "who": {"type": "string"}, "what": {"type": "string"},
                "why": {"type": ["string", "null"]},
                "kind": {"type": "string", "enum": ["read", "disclosed", "refused"],
                         "description": "a read, an export (a disclosure) or a refused export"},
                "to": {"type": ["string", "null"], "description": "whom an export went (or would have gone) to"}}}})},
            params=[_path("case_id", {"type": "integer"})])},
        "/api/cases/{case_id}/export": {"get": _op(
            "The client's complete record (NASW Std 10) as JSON, a PDF, or FHIR R4 resources (a Bundle of Patient, "
            "CarePlan, Goal, Task, Consent); to a recipient only under a release of information in force naming "
            "them. Every export, and every refusal, is a logged disclosure (audit and access log)",
            {"200": {"description": "the record", "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/fhir+json": {"schema": {"type": "object", "properties": {
                    "resourceType": {"const": "Bundle"}}}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
             "403": _json(_ref("Error"), "not the case's own staff, or no release in force naming the recipient "
                                         "(the message names the missing consent)")},
            params=[_path("case_id", {"type": "integer"}),
                    _query("format", {"type": "string", "enum": ["json", "pdf", "fhir"]}, "default json"),
                    _query("recipient", {"type": "string", "maxLength": 200},
                           "the provider the record is released to; absent: the agency's own file")])},
        "/api/reports/measures": {"get": _op(
            "(supervisor, admin) Outcome and process measures (NASW Std 9): cases opened and closed; days from "
            "referral to screening, assessment and an approved plan (median, 90th percentile); contacts and "
            "reassessments on time or overdue; goals met, partly met or not at closure; satisfaction; re-entry "
            "after closure; caseload by acuity. Each count lists the cases behind it",
            {"200": {"description": "the measures", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "filters": {"type": "object"}, "period": {"type": "object", "properties": {
                        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}}},
                    "generated_at": {"type": "string"},
                    "measures": {"type": "object", "additionalProperties": {
                        "type": "object", "additionalProperties": _ref("Figure")}},
                    "caseload": {"type": "array", "items": {"type": "object"}}}}},
                "text/csv": {"schema": {"type": "string"}}}}},
            params=[_query("program", {"type": "string"}, "a program's name"),
                    _query("team", {"type": "string"}, "a team"),
                    _query("worker", {"type": "string"}, "a case manager's username"),
                    _query("from", {"type": "string", "format": "date"}, "first day (default: a year before to)"),
                    _query("to", {"type": "string", "format": "date"}, "last day (default: today)"),
                    _query("format", {"type": "string", "enum": ["json", "csv"]}, "default json")],
            tag="reports")},
        "/api/retention/due": {"get": _op(
            "(supervisor, admin) Finished cases past their program's retention period, oldest closure first, "
            "each saying whether a legal hold keeps it",
            {"200": _json({"type": "array", "items": {"type": "object", "properties": {
                "case_id": {"type": "integer"}, "program": {"type": ["string", "null"]},
                "team": {"type": ["string", "null"]}, "closed_at": {"type": "string"},
                "retention_days": {"type": "integer"}, "disposable_since": {"type": "string"},
                "legal_hold": {"type": "boolean"}, "hold_reason": {"type": ["string", "null"]},
                "hold_placed_by": {"type": ["string", "null"]},
                "disposal_requested_by": {"type": ["string", "null"]},
                "disposal_requested_at": {"type": ["string", "null"]},
                "disposal_request_reason": {"type": ["string", "null"]}}}})}, tag="retention")},
        "/api/cases/{case_id}/disposal-request": {"post": _op(
            "(case manager, admin) Request the disposal of a finished record past its retention period; a "
            "supervisor who is not the requester approves it (POST /api/cases/{case_id}/disposal). The body "
            "(a reason) is optional",
            {"201": _json({"type": "object", "properties": {
                "case_id": {"type": "integer"}, "program": {"type": ["string", "null"]},
                "retention_days": {"type": "integer"}, "requested_by": {"type": "string"},
                "requested_at": {"type": "string"}, "reason": {"type": ["string", "null"]}}}),
             "409": _json(_ref("Error"), "a legal hold stands, the case is not finished, its program has no "
                                         "retention period, or a request already stands"),
             "403": _json(_ref("Error"), "not a case manager or an administrator, or the period has not run out")},
            params=[_path("case_id", {"type": "integer"})], tag="retention")},
        "/api/cases/{case_id}/legal-hold": {
            "post": _op("(supervisor, admin) Place a legal hold: the record is not disposed of while it stands",
                        {"201": _json({"type": "object"})},
                        body={"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}},
                        params=[_path("case_id", {"type": "integer"})], tag="retention")},
        "/api/cases/{case_id}/legal-hold/lift": {"post": _op(
            "(supervisor, admin) Lift the case's legal holds; the body {\"reason\"} is optional",
            {"200": _json({"type": "object", "properties": {"lifted": {"type": "integer"}}}),
             "409": _json(_ref("Error"), "no legal hold in force")},
            params=[_path("case_id", {"type": "integer"})], tag="retention")},
        "/api/cases/{case_id}/disposal": {"post": _op(
            "(supervisor) Approve someone else's request to dispose of a finished record past its retention "
            "period: its entries, audit trail, tasks and workflow state are removed, leaving an audited tombstone",
            {"200": _json(_ref("Tombstone")),
             "409": _json(_ref("Error"), "no disposal was requested, a legal hold stands, the case is not "
                                         "finished, or its program has no retention period"),
             "403": _json(_ref("Error"), "not a supervisor, the approver requested it, or the retention period "
                                         "has not run out")},
            params=[_path("case_id", {"type": "integer"})], tag="retention")},
        "/api/cases/{case_id}/messages": {"post": _op(
            "Deliver a BPMN message to what in the case waits for it (catch event, receive task, event gateway, "
            "boundary event); a failure in the step it starts is an incident",
            {"200": _json(_ref("Case")), "409": _json(_ref("Error"), "nothing in the case waits for the message "
                                                                    "(the error names what it waits for)")},
            body={"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "payload": {"type": "object"}}},
            params=[_path("case_id", {"type": "integer"})])},
        "/api/cases/{case_id}/retry": {"post": _op(
            "(supervisor, admin) Run the failed element of a case in error again, after its cause is fixed; an "
            "administrator may correct the data it reads with `variables`",
            {"200": _json(_ref("Case")), "409": _json(_ref("Error"), "the case has no incident")},
            params=[_path("case_id", {"type": "integer"})])},
        "/api/incidents": {"get": _op(
            "(supervisor, admin) Cases stopped in error, oldest first",
            {"200": _json({"type": "array", "items": {"allOf": [_ref("Incident"), {"type": "object", "properties": {
                "case_id": {"type": "integer"}, "client": {"type": "string"}, "stage": {"type": "string"}}}]}})})},
        "/api/programs": {
            "get": _op("The programs and the process each starts its cases on",
                       {"200": _json({"type": "array", "items": _ref("Program")})}),
            "post": _op("(admin) Add a program", {"201": _json(_ref("Program")),
                                                  "404": _json(_ref("Error"), "the process is not deployed"),
                                                  "409": _json(_ref("Error"), "the name is taken")},
                        body={"type": "object", "required": ["name", "process"], "properties": {
                            "name": {"type": "string"}, "process": {"type": "string"},
                            "teams": {"type": "array", "items": {"type": "string"}}}})},
        "/api/cases/{case_id}/audit": {"get": _op(
            "Every event on the case (supervisor, admin)",
            {"200": _json({"type": "array", "items": _ref("AuditEvent")})},
            params=[_path("case_id", {"type": "integer"})])},
        "/api/tasks": {"get": _op("Open user tasks the caller may see",
                                  {"200": _json({"type": "array", "items": _ref("Task")})},
                                  params=[_query("scope", {"type": "string", "enum": ["mine", "available", "all"]},
                                                 "mine, available (unclaimed in my lanes) or all")], tag="tasks")},
        "/api/tasks/{task_id}": {"get": _op(
            "A task with its form's JSON Schema, UI schema and prefilled data",
            {"200": _json({"allOf": [_ref("Task"), {"type": "object", "properties": {
                "schema": {"type": "object", "description": "options_from_task_data_var choices are filled "
                                                            "from the case's data"},
                "ui_schema": {"type": "object"}, "data": {"type": "object"},
                "missing_options": {"type": "array", "items": {"type": "string"},
                                    "description": "task-data variables the form takes choices from that "
                                                   "the case does not hold as a list"},
                "can_work": {"type": "boolean", "description": "whether the caller may work this task's lane"},
                "delegated_by": {"type": ["string", "null"]}, "draft_saved_at": {"type": ["string", "null"]},
                "case": {"type": "object", "description": "the case beside the form: summary, open tasks, "
                                                          "timers and consents"}}}]})},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/tasks/{task_id}/claim": {"post": _op(
            "Claim a task", {"200": _json(_ref("Task")), "409": _json(_ref("Error"), "claimed or closed")},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/tasks/{task_id}/unclaim": {"post": _op(
            "Release a claimed task", {"200": _json(_ref("Task")), "409": _json(_ref("Error"), "closed")},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/tasks/{task_id}/assign": {"post": _op(
            "Assign a task to a user (supervisor, admin)",
            {"200": _json(_ref("Task")), "409": _json(_ref("Error"), "closed, or over_caseload without a reason"),
             "422": _json(_ref("Error"), "user cannot take it")},
            body={"type": "object", "required": ["username"], "properties": {
                "username": {"type": "string"},
                "reason": {"type": "string", "description": "why, when it carries a case manager past the "
                                                            "caseload limit"}}},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/inbox": {"get": _op(
            "One inbox tab (approvals, escalations, todo, mine, available, team, delegated, later) "
            "with every tab's count",
            {"200": _json({"type": "object", "properties": {
                "tab": {"type": "string"}, "tabs": {"type": "array", "items": {"type": "string"}},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                "total": {"type": "integer"}, "tasks": {"type": "array", "items": {"type": "object"}}}}),
             "400": _json(_ref("Error"), "unknown sort or due filter")},
            params=[_query("tab", {"type": "string"},
                           "the tab; default: approvals for supervisors, else todo (mine and available together)"),
                    _query("stage", {"type": "string"}, "case stage"), _query("task", {"type": "string"}, "BPMN id"),
                    _query("client", {"type": "string"}, "client name or case number; a supervision session by its case manager, or \"supervision\" for every session"),
                    _query("due", {"type": "string", "enum": ["overdue", "soon", "later", "none"]}, "due filter"),
                    _query("sort", {"type": "string", "enum": ["due", "created", "client", "stage", "case"]},
                           "order")], tag="tasks")},
        "/api/tasks/{task_id}/delegate": {"post": _op(
            "Delegate my task to a colleague who can work its lane (I may take it back)",
            {"200": _json(_ref("Task")), "403": _json(_ref("Error"), "not your task"),
             "422": _json(_ref("Error"), "that user cannot take it")},
            body={"type": "object", "required": ["username"], "properties": {
                "username": {"type": "string"},
                "reason": {"type": "string", "description": "why, when it carries a case manager past the "
                                                            "caseload limit"}}},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/tasks/{task_id}/take-back": {"post": _op(
            "Take back a task I delegated", {"200": _json(_ref("Task")), "409": _json(_ref("Error"), "not delegated by you")},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/tasks/{task_id}/follow-up": {"post": _op(
            "Hide the task from my inbox until a date (null: show it again)",
            {"200": _json(_ref("Task")), "422": _json(_ref("Error"), "date not in the future")},
            body={"type": "object", "properties": {"on": {"type": ["string", "null"], "format": "date"}}},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/tasks/{task_id}/draft": {"put": _op(
            "Save unfinished form answers (not validated, not signed)",
            {"200": _json({"type": "object", "properties": {"task_id": {"type": "string"},
                                                            "saved_at": {"type": "string"}}})},
            body={"type": "object", "properties": {"data": {"type": "object"}}},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/tasks/{task_id}/complete": {"post": _op(
            "Complete a task with its form data",
            {"200": _json({"type": "object", "properties": {"case": _ref("Case"), "next_tasks": {
                "type": "array", "items": _ref("Task")}}}),
             "409": _json(_ref("Error"), "no longer open, claimed by someone else, or stale version"),
             "422": _json(_ref("Error"), "one detail per invalid field (a field the form does not declare too); "
                                         "or code step_failed naming the element when the step after it failed "
                                         "(nothing changed)")},
            body={"type": "object", "properties": {"data": {"type": "object"}, "version": {"type": "integer"}}},
            params=[_path("task_id", {"type": "string"})], tag="tasks")},
        "/api/process-models": {
            "get": _op("Deployed process-model versions",
                       {"200": _json({"type": "array", "items": _ref("ProcessVersion")})}, tag="process models"),
            "post": {"summary": "Validate and deploy BPMN/DMN files as a new version (admin)",
                     "tags": ["process models"],
                     "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                         "type": "object", "properties": {"files": {"type": "array", "items": {
                             "type": "string", "format": "binary"}}}}}}},
                     "responses": {"201": _json({"allOf": [_ref("ProcessVersion"), {"type": "object", "properties": {
                                       "warnings": {"type": "array", "items": {"type": "object", "properties": {
                                           "element_id": {"type": ["string", "null"]},
                                           "message": {"type": "string"}}}}}}]},
                                                  "new version, with warnings (e.g. a plain task cases pass through)"),
                                   "200": _json({"type": "object"}, "nothing changed"),
                                   "413": _json(_ref("Error"), "upload too large"),
                                   "422": _json(_ref("Error"), "details: [{element_id, message}]"), **ERRORS}}},
        "/api/process-models/{model_id}/versions": {"get": _op(
            "Version history: who deployed what when, elements added/removed/changed, running cases (admin)",
            {"200": _json({"type": "array", "items": {"type": "object"}}), "403": _json(_ref("Error"), "not an admin")},
            params=[_path("model_id", {"type": "string"})], tag="designer")},
        "/api/process-models/{model_id}/versions/{version}": {"get": _op(
            "One deployed version's files exactly as stored (admin)",
            {"200": _json({"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
                                                             "files": {"type": "object"}}}),
             "403": _json(_ref("Error"), "not an admin"), "404": _json(_ref("Error"), "no such version")},
            params=[_path("model_id", {"type": "string"}), _path("version", {"type": "integer"})], tag="designer")},
        "/api/process-models/{model_id}/files": {"get": _op(
            "The files of a version (latest by default), with the drafts laid over them if drafts=1 (admin)",
            {"200": _json({"type": "object"})},
            params=[_path("model_id", {"type": "string"}), _query("version", {"type": "integer"}, "version number"),
                    _query("drafts", {"type": "string", "enum": ["1"]}, "include drafts")], tag="designer")},
        "/api/process-models/{model_id}/drafts/{filename}": {"put": {
            "summary": "Save a BPMN/DMN file as a draft; every deploy check runs and its problems come back (admin)",
            "tags": ["designer"], "parameters": [_path("model_id", {"type": "string"}),
                                                  _path("filename", {"type": "string"})],
            "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}},
            "responses": {"200": _json({"type": "object", "properties": {
                "problems": {"type": "array", "items": {"type": "object"}}}}),
                "413": _json(_ref("Error"), "file too large"),
                "422": _json(_ref("Error"), "unsafe or unreadable XML; nothing stored"), **ERRORS}}},
        "/api/process-models/{model_id}/drafts": {"delete": _op(
            "Discard the model's drafts (admin)", {"200": _json({"type": "object"})},
            params=[_path("model_id", {"type": "string"})], tag="designer")},
        "/api/process-models/{model_id}/deploy": {"post": _op(
            "Deploy the drafts as a new immutable version (admin)",
            {"201": _json({"type": "object"}), "409": _json(_ref("Error"), "no draft"),
             "422": _json(_ref("Error"), "details: [{element_id, message}]")},
            params=[_path("model_id", {"type": "string"})], tag="designer")},
        "/api/process-models/{model_id}/migrate": {"post": _op(
            "Move running cases to a version; each case all or nothing, refusals with the reason (admin)",
            {"200": _json({"type": "object", "properties": {
                "migrated": {"type": "array", "items": {"type": "object"}},
                "refused": {"type": "array", "items": {"type": "object", "properties": {
                    "case_id": {"type": "integer"}, "reason": {"type": "string"}}}}}})},
            body={"type": "object", "required": ["to_version"], "properties": {
                "to_version": {"type": "integer"}, "from_version": {"type": "integer"},
                "case_ids": {"type": "array", "items": {"type": "integer"}}}},
            params=[_path("model_id", {"type": "string"})], tag="designer")},
        "/api/process-models/{model_id}/simulate": {"post": _op(
            "Run the drafts (or a version) on a sample case in memory: answers and time moved forward (admin)",
            {"200": _json({"type": "object", "properties": {
                "path": {"type": "array", "items": {"type": "object"}},
                "tasks": {"type": "array", "items": {"type": "object"}},
                "timers": {"type": "array", "items": {"type": "object"}}, "stage": {"type": ["string", "null"]}}}),
             "422": _json(_ref("Error"), "an action does not fit the run")},
            body={"type": "object", "properties": {"version": {"type": "integer"}, "actions": {
                "type": "array", "items": {"type": "object", "properties": {
                    "complete": {"type": "string"}, "data": {"type": "object"}, "form": {"type": "string"},
                    "fields": {"type": "object"}, "advance": {"type": "string"}}}}}},
            params=[_path("model_id", {"type": "string"})], tag="designer")},
        "/api/forms": {"get": _op("The forms in forms/", {"200": _json({"type": "array", "items": {
            "type": "object"}})}, tag="designer")},
        "/api/forms/{name}": {"get": _op("A form's JSON Schema and UI schema", {"200": _json({"type": "object"})},
                                         params=[_path("name", {"type": "string"})], tag="designer")},
        "/api/openapi.json": {"get": _op("This document", {"200": _json({"type": "object"})}, tag="meta",
                                         auth=False)},
    },
}


@api.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
