"""The inputs that reached a 500 (issue 15, items 5 and 6), each answered with the rule it
breaks, in the format of the surface it came in by, and nothing written."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.applications.models import Application, Draft
from onewindow.credentials.models import CredentialShare
from onewindow.grievances.models import Case, Review
from onewindow.identity.models import BusinessAgent
from onewindow.ledger import services as ledger
from tests.web import hostile

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(divisions: dict[str, Any]) -> hostile.World:
    return hostile.build(divisions)


def _post_json(client: Client, path: str, body: str, **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def test_rp_logout_naming_an_unknown_client_is_the_error_page(client: Client) -> None:
    response = client.get("/o/logout/?client_id=no-such-client")

    assert response.status_code == 400
    assert b"oauth-error" in response.content


def test_superscript_digits_in_a_numeric_query_parameter_are_no_number(
    world: hostile.World, client: Client
) -> None:
    ledger.integrate_pending()

    for path in ("/services/?level=²", "/ledger/?index=²", "/ledger/?index=٣", "/ledger/?index=1"):
        assert client.get(path).status_code == 200, path


# A JSON string can name half a surrogate pair ("\\ud800"); Python keeps it, no encoder
# will store it. json.dumps writes it as that escape.
HALF = "\ud800"
BIRTH = "330000-PSB-HJ-001"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/applications",
            {"service_code": HALF, "form": {}, "delivery": "electronic"},
            "service_code",
        ),
        (
            "/api/v1/applications",
            {"service_code": BIRTH, "form": {}, "delivery": "electronic", "business": HALF},
            "business",
        ),
        ("/api/v1/drafts", {"service_code": HALF, "form": {}}, "service_code"),
        ("/api/v1/drafts", {"service_code": BIRTH, "form": {"baby_name": HALF}}, "form.baby_name"),
        ("/api/v1/drafts", {"service_code": BIRTH, "form": {}, "business": HALF}, "business"),
        ("/api/v1/businesses/{code}/agents", {"agent": HALF}, "agent"),
        (
            "/api/v1/credentials/{credential_id}/shares",
            {"recipient": HALF, "fields": ["name"]},
            "recipient",
        ),
        ("/api/v1/hotline/reviews/{pk}", {"level": 4, "comment": HALF}, "comment"),
    ],
)
def test_a_lone_surrogate_in_an_api_body_is_a_field_error(
    world: hostile.World, path: str, body: dict[str, Any], field: str
) -> None:
    path = path.format(
        code=world.business.credit_code, credential_id=world.licence.pk, pk=world.invitation.pk
    )
    before = _counts()

    response = _post_json(
        hostile.browser(world.resident), path, json.dumps(body), Idempotency_Key="k-1"
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "lone_surrogate")]
    assert "U+D800" in errors[0]["message"]
    assert _counts() == before


def test_nul_in_a_share_recipient_is_refused_and_not_stored(world: hostile.World) -> None:
    browser = hostile.browser(world.resident)
    path = f"/api/v1/credentials/{world.licence.pk}/shares"

    response = _post_json(browser, path, json.dumps({"recipient": "银行\x00", "fields": ["name"]}))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "recipient"
    assert response.json()["errors"][0]["code"] == "control_character"
    assert not CredentialShare.objects.exists()


def test_rule_messages_are_in_the_visitors_language(world: hostile.World) -> None:
    browser = hostile.browser(world.resident)
    path = f"/api/v1/credentials/{world.licence.pk}/shares"

    response = browser.post(
        path,
        json.dumps({"recipient": "银行\x1b", "fields": ["name"]}),
        content_type="application/json",
        headers={"Accept-Language": "zh-hans"},
    )

    assert "控制字符" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\x1b"])
def test_open311_refuses_control_characters_in_its_own_error_format(
    world: hostile.World, client: Client, character: str
) -> None:
    form = {
        "api_key": world.partner_key,
        "service_code": "city.street_lighting",
        "description": f"路灯坏了一个多月{character}晚上很黑，请尽快修理。",
        "address_string": "北山街道",
    }

    as_json = client.post("/open311/v2/requests.json", form)
    as_xml = client.post("/open311/v2/requests.xml", form)

    assert as_json.status_code == 400
    [error] = as_json.json()
    assert error["code"] == 400
    assert "description" in error["description"]
    assert as_xml.status_code == 400
    assert ET.fromstring(as_xml.content).find("error/description") is not None  # noqa: S314
    assert Case.objects.count() == 1  # the world's own case


def test_open311_feeds_stay_well_formed_with_rows_stored_before_the_rules(
    world: hostile.World, client: Client
) -> None:
    # A row written before input was checked, through no service (no database stores NUL
    # or a lone surrogate everywhere; these two every database keeps).
    Case.objects.filter(pk=world.case.pk).update(
        text="路灯坏了\x0b很久\x1b了，请修理。", received_at=timezone.now()
    )

    feed = client.get("/open311/v2/requests.xml")
    one = client.get(f"/open311/v2/requests/{world.case.ref}.xml")

    for response in (feed, one):
        assert response.status_code == 200
        description = ET.fromstring(response.content).find("request/description")  # noqa: S314
        assert description is not None
        assert description.text is not None
        assert "路灯" in description.text


def test_a_page_form_with_a_control_character_is_refused_naming_the_field(
    world: hostile.World,
) -> None:
    browser = hostile.browser(world.resident)

    response = browser.post("/hotline/new/", {"text": "路灯坏了\x0b很久", "kind": "complaint"})

    assert response.status_code == 400
    assert "“text” holds a control character (U+000B)" in response.content.decode()


def _counts() -> tuple[int, ...]:
    return (
        Application.objects.count(),
        Draft.objects.count(),
        BusinessAgent.objects.count(),
        CredentialShare.objects.count(),
        Review.objects.count(),
    )
