"""The public verifier is limited per network address (per account when signed in): a
burst gets 429 with Retry-After, problem+json on the API and a localised page for people."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.core.models import Division
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db

VERIFIER = "198.51.100.30"
NOT_A_CODE = {"credential": "OW1:NOT-A-CODE"}


def _allowed(settings: Any) -> int:
    return int(settings.ONEWINDOW_RATE_LIMITS["verify.address"].split()[0])


def test_a_burst_on_the_verify_api_from_one_address_gets_problem_json_429(
    settings: Any, divisions: dict[str, Division]
) -> None:
    api = Client(REMOTE_ADDR=VERIFIER)
    allowed = _allowed(settings)

    answers = [
        api.post("/api/v1/verify", NOT_A_CODE, content_type="application/json")
        for _ in range(allowed + 5)
    ]

    assert {a.status_code for a in answers[:allowed]} == {200}
    assert answers[0].json()["valid"] is False
    for refused in answers[allowed:]:
        assert refused.status_code == 429
        assert refused["Content-Type"] == "application/problem+json"
        assert 0 < int(refused["Retry-After"]) <= 600
        problem = refused.json()
        assert problem["status"] == 429
        assert problem["type"].endswith("/rate_limited")
        assert "Too many verifications from your network" in problem["detail"]
    # A signed-in verifier at the same address is counted on their own account.
    clerk = Client(REMOTE_ADDR=VERIFIER)
    clerk.force_login(citizen(divisions["community"]))
    assert (
        clerk.post("/api/v1/verify", NOT_A_CODE, content_type="application/json").status_code == 200
    )
    # And another address is not affected.
    other = Client(REMOTE_ADDR="203.0.113.30")
    assert (
        other.post("/api/v1/verify", NOT_A_CODE, content_type="application/json").status_code == 200
    )


def test_a_burst_on_the_verify_page_gets_a_localised_429_page(settings: Any) -> None:
    settings.ONEWINDOW_RATE_LIMITS = {
        **settings.ONEWINDOW_RATE_LIMITS,
        "verify.address": "3 per 10 minutes",
    }
    page = Client(REMOTE_ADDR=VERIFIER, HTTP_ACCEPT_LANGUAGE="zh-hans")

    answers = [page.post("/credentials/verify/", NOT_A_CODE) for _ in range(4)]

    assert [a.status_code for a in answers[:3]] == [200] * 3
    refused = answers[3]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "您的网络验证次数过多" in refused.content.decode()
    assert page.get("/credentials/verify/").status_code == 200  # looking at the form is not counted
