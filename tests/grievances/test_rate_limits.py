"""Who files hotline cases is limited per account when signed in and per network address
otherwise: thirty residents at one village station all get through, an anonymous flood from
the same address does not, and one account's flood on the API is a problem+json 429."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from onewindow.grievances.models import Case
from tests.grievances import factories
from tests.grievances.test_open311 import _partner_key
from tests.grievances.test_pages import FORM
from tests.identity.factories import citizen, resident_id

pytestmark = pytest.mark.django_db

STATION = "198.51.100.40"
SIGNED_IN_FORM = {**FORM, "phone": "", "name": "", "contact_preference": "inbox"}


def test_thirty_signed_in_residents_behind_one_address_all_file_their_cases(
    divisions: dict[str, Any], settings: Any
) -> None:
    factories.world(divisions)
    residents = [
        citizen(divisions["village"], id_number=resident_id(date(1960, 1, 1) + timedelta(days=n)))
        for n in range(30)
    ]
    assert int(settings.ONEWINDOW_RATE_LIMITS["hotline.address"].split()[0]) < 30

    answers = []
    for resident in residents:
        client = Client(REMOTE_ADDR=STATION, HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(resident)
        answers.append(client.post("/hotline/new/", SIGNED_IN_FORM))

    assert [a.status_code for a in answers] == [302] * 30
    assert Case.objects.count() == 30

    # Anonymous reports from the same address are still counted per address.
    allowed = int(settings.ONEWINDOW_RATE_LIMITS["hotline.address"].split()[0])
    anonymous = Client(REMOTE_ADDR=STATION, HTTP_ACCEPT_LANGUAGE="en")
    flood = [
        anonymous.post("/hotline/new/", {**FORM, "phone": f"1390000{n:04d}"})
        for n in range(allowed + 1)
    ]
    assert [a.status_code for a in flood[:allowed]] == [302] * allowed
    assert flood[allowed].status_code == 429
    assert 0 < int(flood[allowed]["Retry-After"]) <= 3600
    assert b"Too many reports from your network" in flood[allowed].content


def test_one_accounts_flood_on_the_api_is_a_problem_json_429(
    divisions: dict[str, Any], settings: Any
) -> None:
    factories.world(divisions)
    settings.ONEWINDOW_RATE_LIMITS = {
        **settings.ONEWINDOW_RATE_LIMITS,
        "hotline.account": "2 per hour",
    }
    client = Client(REMOTE_ADDR=STATION)
    client.force_login(citizen(divisions["community"], id_number=resident_id(date(1961, 1, 1))))
    body = {
        "kind": "complaint",
        "text": FORM["text"],
        "division": "330106001001",
        "contact_preference": "inbox",
    }

    answers = [
        client.post("/api/v1/hotline/cases", json.dumps(body), content_type="application/json")
        for _ in range(3)
    ]

    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert answers[2].status_code == 429
    assert answers[2]["Content-Type"] == "application/problem+json"
    assert 0 < int(answers[2]["Retry-After"]) <= 3600
    assert "Too many reports from your account" in answers[2].json()["detail"]
    # Someone else at the same address is not affected.
    neighbour = Client(REMOTE_ADDR=STATION)
    neighbour.force_login(citizen(divisions["community"], id_number=resident_id(date(1962, 1, 1))))
    again = neighbour.post(
        "/api/v1/hotline/cases", json.dumps(body), content_type="application/json"
    )
    assert again.status_code == 201


def test_a_partner_app_is_counted_per_key_not_per_address(
    divisions: dict[str, Any], settings: Any
) -> None:
    factories.world(divisions)
    settings.ONEWINDOW_RATE_LIMITS = {
        **settings.ONEWINDOW_RATE_LIMITS,
        "hotline.partner": "2 per hour",
        "hotline.address": "1 per hour",  # a partner's server is not an anonymous visitor
    }
    first, second = _partner_key(divisions), _partner_key(divisions)
    server = Client(REMOTE_ADDR=STATION)

    def post(key: str, number: int) -> Any:
        return server.post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "service_code": "city.refuse",
                "address_string": f"北山路{number}号",
                "description": "垃圾桶满了没人清运。",
                "phone": f"1391111{number:04d}",
                "first_name": "李",
            },
        )

    assert [post(first, n).status_code for n in range(2)] == [201, 201]
    refused = post(first, 3)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "partner application" in refused.json()[0]["description"]
    assert post(second, 4).status_code == 201
