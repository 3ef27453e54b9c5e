"""Schemathesis against /api/openapi.json, in process, over a database filled by real crawls.

Every operation gets a fixed number of generated requests (valid and invalid: huge
ids, odd strings, forged cursors, times in any zone) under a fixed seed; each answer
must be no server error, a documented status, and match its declared schema and
content type; invalid input must be refused, and undocumented methods get 405 with Allow.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from newsmon.web.app import create_app
from tests.web_fixtures import fill

EXAMPLES = 30  # per operation, 9 operations: about 23 s on one core
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    unsupported_method,
]  # not positive_data_acceptance: any string is a schema-valid cursor, yet a forged one is 422


def test_api_fuzz_finds_no_server_error_and_no_schema_violation(
    site, crawler, add_feed, clock, config
):
    fill(site, crawler, add_feed, clock)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_app(config, clock))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:

        @seed(20261123)
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            )
        )
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=CHECKS)

        exercise()
