"""Schemathesis against the service's own OpenAPI document, in process over ASGI (no network).

Every operation gets generated requests, valid and not; the checks say no answer is a 5xx
and every answer fits the document (status code, content type, body schema). The number
of examples is bounded so the whole run stays within about 30 s of CI.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from salesops_rules.service.app import create_app
from salesops_rules.service.guard import Access
from salesops_rules.service.holder import PolicyHolder

# The ASGI test client calls itself `testserver`; reload needs a token the generator does not have.
APP = create_app(
    PolicyHolder(limits=None), access=Access("schemathesis-token-0123456789", hosts=("testserver",))
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_service_keeps_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
