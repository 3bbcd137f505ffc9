"""schemathesis over the whole OpenAPI document of /api/v1: every operation, as anonymous,
as a resident and as an officer (second factor given), through the Django WSGI app in
process. No answer may be a server error or break the response schema it documents.

Examples are bounded (EXAMPLES per operation and person) so the run takes a minute or two;
raise ONEWINDOW_FUZZ_EXAMPLES for a deeper run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.web import hostile

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("ONEWINDOW_FUZZ_EXAMPLES", "6"))
CSRF_TOKEN = "f" * 32
HOSTILE = [v for v in hostile.HOSTILE.values() if len(v) < 1000 and "\ud800" not in v]


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request; in a test that
    would close the test's own transaction (as Django's test client also avoids)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("connection_kept")
def test_no_operation_answers_with_a_server_error_or_off_its_schema(
    divisions: dict[str, Any],
) -> None:
    world = hostile.build(divisions)
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    people: dict[str, dict[str, str]] = {"anonymous": {}}
    for user in (world.resident, world.officer):
        session = hostile.browser(user).cookies["sessionid"].value
        people[user.username] = {"Cookie": f"sessionid={session}; csrftoken={CSRF_TOKEN}"}

    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    assert len(operations) > 60  # the whole document
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for operation in operations:
        for person, cookie in people.items():
            headers = {**cookie, "X-CSRFToken": CSRF_TOKEN}
            failures += _fuzz(operation, app, headers, person, statuses)
    assert failures == []
    # The people were signed in and examples reached the handlers, not only the doors.
    assert sum(n for status, n in statuses.items() if status < 300) >= 20
    assert statuses[401] < statuses.total() / 2


def _with_hostile(value: Any, data: st.DataObject, choices: list[str]) -> Any:
    if isinstance(value, str):
        if data.draw(st.integers(0, 3)) == 0:
            return data.draw(st.sampled_from(choices))
        return value
    if isinstance(value, dict):
        return {key: _with_hostile(item, data, choices) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_hostile(item, data, choices) for item in value]
    return value


def _fuzz(
    operation: Any, app: Any, headers: dict[str, str], person: str, statuses: Counter[int]
) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy(), data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, data: st.DataObject) -> None:
        # Hypothesis rarely writes a control character: some strings of the body and query
        # become the hostile values (not the lone surrogate, which schemathesis
        # cannot encode; tests/web/test_hostile_input.py sends that one).
        case.body = _with_hostile(case.body, data, HOSTILE)
        if case.query:
            case.query = _with_hostile(case.query, data, HOSTILE)
        response = case.call(app=app, headers={**headers, "Idempotency-Key": "fuzz"})
        statuses[response.status_code] += 1
        try:
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
        except (AssertionError, BaseExceptionGroup) as failure:  # one failure, or several
            failures.append(f"{person} {operation.label}: {failure}"[:2000])

    run()
    return failures
