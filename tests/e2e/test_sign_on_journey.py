"""Signing in to a partner app through OneWindow, in a real browser: the consent screen lists
exactly what the app will receive, in English and in Chinese, passes axe-core, and the
browser is allowed to follow the answer back to the app (CSP form-action)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from onewindow.identity.models import ClientConsent
from tests.e2e.test_application_journeys import _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.oidc_helpers import REDIRECT_URI, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_consent_screen_in_both_languages_then_back_to_the_app(
    browser: Any, live_server: Any, divisions: dict
) -> None:
    given = world(divisions, scopes=("profile", "division", "applications:read"))
    base = live_server.url
    verifier = "v" * 64
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    query = urlencode(
        {
            "client_id": given.client.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile division applications:read",
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    arrived: list[str] = []

    def partner(route: Any) -> None:
        arrived.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>partner</title>ok")

    page.route("https://partner.example/**", partner)
    _sign_in(page, base, given.citizen.username)

    page.goto(f"{base}/o/authorize/?{query}")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "City services mini-program" in heading
    text = page.content()
    assert "王小明" in text  # the real name it will receive
    assert given.citizen.masked_id_number in text
    assert "Read your applications and drafts" in text
    assert serious_violations(page) == []

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "City services mini-program" in page.get_by_role("heading", level=1).inner_text()
    assert serious_violations(page) == []

    page.locator("button[name=allow]").click()
    page.wait_for_url("https://partner.example/**")
    answer = parse_qs(urlsplit(arrived[-1]).query)
    assert answer["state"] == ["xyz"]
    assert answer["code"]
    assert ClientConsent.objects.get(user=given.citizen).scopes == [
        "applications:read",
        "division",
        "openid",
        "profile",
    ]
    context.close()
