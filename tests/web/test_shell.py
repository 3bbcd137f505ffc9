from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.core.models import Division
from tests.identity import factories

pytestmark = pytest.mark.django_db


def test_home_shows_search_and_life_events_in_english(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert 'lang="en"' in page
    assert 'type="search"' in page
    for event in (
        "Having a baby",
        "Going to school",
        "Getting married",
        "Starting a business",
        "Employment",
        "Retiring",
        "Moving",
        "End of life",
    ):
        assert event in page


def test_home_is_chinese_for_a_chinese_browser(client: Client) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()

    assert 'lang="zh-Hans"' in page
    assert "生育" in page or "出生" in page
    assert "开办企业" in page


def test_language_switch_is_remembered(client: Client) -> None:
    client.post(reverse("web:set-language"), {"language": "zh-hans", "next": "/"})

    assert 'lang="zh-Hans"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_language_switch_ignores_an_outside_next(client: Client) -> None:
    response = client.post(
        reverse("web:set-language"), {"language": "en", "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_elder_mode_is_remembered_per_browser_and_per_user(
    client: Client, divisions: dict[str, Division]
) -> None:
    citizen = factories.citizen(divisions["street"])
    client.force_login(citizen)

    client.post(reverse("web:set-elder-mode"), {"enabled": "1", "next": "/"})

    assert 'class="elder-mode"' in client.get("/").content.decode()
    citizen.refresh_from_db()
    assert citizen.prefers_elder_mode
    fresh_browser = Client()
    fresh_browser.force_login(citizen)
    assert 'class="elder-mode"' in fresh_browser.get("/").content.decode()


def test_signed_in_home_links_my_applications_and_my_data(
    client: Client, divisions: dict[str, Division]
) -> None:
    client.force_login(factories.citizen(divisions["street"]))

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "My applications" in page
    assert "My data" in page


def test_pages_carry_a_content_security_policy(client: Client) -> None:
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "unsafe-inline" not in policy


def test_health_and_readiness(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


def test_unknown_page_is_a_friendly_404(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_api_errors_are_problem_json(client: Client) -> None:
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 401


def test_api_me_masks_personal_data(client: Client, divisions: dict[str, Division]) -> None:
    citizen = factories.citizen(divisions["street"])
    client.force_login(citizen)

    body = client.get("/api/v1/me").json()

    assert body["masked_id_number"] == citizen.masked_id_number
    assert "*" in body["masked_mobile"]
    assert body["division_code"] == "330106001"


def test_unknown_division_is_a_problem_naming_the_code(
    client: Client, divisions: dict[str, Division]
) -> None:
    response = client.get("/api/v1/divisions/339999")

    assert response.status_code == 404
    assert "339999" in json.loads(response.content)["title"]


def test_every_api_operation_is_in_the_openapi_document(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()

    assert {"/api/v1/me", "/api/v1/divisions/{code}"} <= set(schema["paths"])
