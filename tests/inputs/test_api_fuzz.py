"""A bounded schemathesis run over the whole API as HQ (issue 12 item 6).

Every operation of ``/api/openapi.json`` is called with generated valid and invalid input over a
small county with a campaign, weeks of reports, cases and households. The run fails on any 5xx
and on any response that does not match its documented schema. Examples per operation are
bounded so that the run takes a few minutes at most on two cores.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tuopin.assess.tests import factories
from tuopin.bulletin.tests import data
from tuopin.cases.tests.helpers import petition, problem
from tuopin.lib import clock
from tuopin.org.models import ApiToken

# Bounded for the suite (about 3 minutes on two cores); raise it for a deeper run:
# TUOPIN_FUZZ_EXAMPLES=500 pytest tests/inputs/test_api_fuzz.py
EXAMPLES_PER_OPERATION = int(os.environ.get("TUOPIN_FUZZ_EXAMPLES", "25"))


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def hq_token(world, settings, tmp_path):
    """HQ's bearer token over the test county, filled like the demo in miniature."""
    settings.MEDIA_ROOT = tmp_path
    data.build(world)
    petition(world)
    problem(world)
    for village in (world.cg_village, world.df_village):
        factories.household(village)
    _token, key = ApiToken.issue(world.hq, "接口测试")
    with clock.frozen(data.NOW):
        yield key


# The document needs no database: it is read once, when the tests are collected. Each operation
# is its own pytest case (schemathesis's own collector gives them one node id under pytest 9, so
# xdist would run only one of them).
SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def _cases(operation):
    # Valid input (must be answered in shape) and invalid input (must be refused, never a 5xx).
    return strategies.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_it_answers_every_generated_request_without_a_server_error(operation, hq_token):
    @given(case=_cases(operation))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {hq_token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    call()
