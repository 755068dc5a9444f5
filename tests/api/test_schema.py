"""The OpenAPI schema at /api/schema/ describes the API truthfully: it generates without a warning, and
schemathesis, sending what the schema allows (and what it does not), finds no server error and no response that
breaks the schema."""

import io

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import APIOperation
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode

from portal.integrations.models import Scope
from portal.wsgi import application
from tests.factories import make_api_key, make_appeal, make_suspension

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def test_the_schema_generates_without_warnings(db):
    output = io.StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=output)
    assert "openapi: 3" in output.getvalue()


# Loaded from the running application, as an integrator's tool would load it (no database needed for the schema).
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", application)


def _operations() -> list[APIOperation]:
    operations = []
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # an operation schemathesis cannot read is a broken schema
        operations.append(result.ok())
    return operations


OPERATIONS = _operations()


@pytest.fixture
def _keep_test_connection():
    """The raw WSGI app closes the database connection after each request, which would end the test's own
    transaction on PostgreSQL; Django's test client unhooks the same signal for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_test_connection")
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_the_api_keeps_to_its_schema(operation, mode, db, settings):
    settings.API_RATE_LIMIT = "100000/min"  # schemathesis sends many requests; throttling is tested on its own
    make_appeal(make_suspension("fuzzed"))
    _key, plaintext = make_api_key(*Scope.values)
    headers = {"Authorization": f"Bearer {plaintext}"}

    @given(case=operation.as_strategy(mode))
    @hypothesis_settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def send(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    send()
