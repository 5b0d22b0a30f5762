"""The JSON API against its own OpenAPI document (schemathesis, property-based): with a valid
token, no request the document allows makes a server error, and every answer fits the
document (status code, content type, body schema)."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims_ledger.infra.web.auth import Role
from tests.web.conftest import bearer

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REGULATOR])
def test_api_answers_as_its_openapi_document_says_without_server_errors(
    app: FastAPI, role: Role
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=bearer(role))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30 if role is Role.AUDITOR else 10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=bearer(role), checks=CHECKS)

        try:
            conforms()
        except Exception as error:  # every operation is checked; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
