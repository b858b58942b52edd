"""The API against its own OpenAPI document, fuzzed by schemathesis: for every operation,
generated requests (valid and not) get no server error, only documented status codes and
content types, and bodies that match the documented schemas. On both databases.

Two operations are left out because they end the session the fuzzing runs with:
POST /api/auth/logout and DELETE /api/users/{username}/tokens (tested in
test_security_edges.py). Figures are printed with -s."""
from __future__ import annotations

import collections

import schemathesis
import schemathesis.specs.openapi.checks as openapi_checks
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.support.clients import ApiClient

CHECKS = [not_a_server_error, openapi_checks.status_code_conformance, openapi_checks.content_type_conformance,
          openapi_checks.response_schema_conformance]
ENDS_THE_SESSION = {("POST", "/api/auth/logout"), ("DELETE", "/api/users/{username}/tokens")}
EXAMPLES_PER_OPERATION = 25


def test_every_operation_answers_as_documented(app, people):
    headers = ApiClient(app, "ada").headers
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    sent, failures = collections.Counter(), []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in ENDS_THE_SESSION:
            continue

        @given(case=operation.as_strategy())
        # Derandomized: CI runs the same examples every time (a red run is a real regression);
        # run bench-style with more examples by hand to look further.
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call(headers=headers)
            sent[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as failure:  # noqa: BLE001 - collected and reported together below
                failures.append(f"{operation.label}: {str(failure).strip().splitlines()[:6]}")

        fuzz()
    print(f"\nfuzzed {sum(sent.values())} requests: {dict(sorted(sent.items()))}")
    assert sum(sent.values()) > 20 * EXAMPLES_PER_OPERATION
    assert not failures, "\n".join(sorted(set(failures))[:20])
