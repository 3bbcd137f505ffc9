"""The consent screen's rules, in process: prompt=none never shows a page, prompt=consent
always asks, and a person who refuses gives the client nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from onewindow.core.models import Division
from onewindow.identity.models import ClientConsent
from tests.identity.oidc_helpers import REDIRECT_URI, hidden_fields, token_for, world

if TYPE_CHECKING:  # the test client's response type, known to django-stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def _authorize(browser: Client, client_id: str, **extra: str) -> _MonkeyPatchedWSGIResponse:
    return browser.get(
        "/o/authorize/",
        {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile",
            "state": "s1",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            **extra,
        },
    )


def test_prompt_none_without_consent_is_consent_required(divisions: dict[str, Division]) -> None:
    given = world(divisions)
    browser = Client()
    browser.force_login(given.citizen)

    answer = _authorize(browser, given.client.client_id, prompt="none")

    query = parse_qs(urlsplit(answer["Location"]).query)
    assert answer["Location"].startswith(REDIRECT_URI)
    assert query["error"] == ["consent_required"]
    assert query["state"] == ["s1"]


def test_prompt_consent_asks_even_when_remembered(divisions: dict[str, Division]) -> None:
    given = world(divisions)
    token_for(given.citizen, given.client, given.secret, "openid profile")
    browser = Client()
    browser.force_login(given.citizen)

    remembered = _authorize(browser, given.client.client_id)
    forced = _authorize(browser, given.client.client_id, prompt="consent")

    assert remembered.status_code == 302
    assert forced.status_code == 200


def test_refusing_gives_access_denied_and_nothing_is_remembered(
    divisions: dict[str, Division],
) -> None:
    given = world(divisions)
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(given.citizen)
    shown = _authorize(browser, given.client.client_id)

    refused = browser.post("/o/authorize/", hidden_fields(shown.content.decode()))

    assert parse_qs(urlsplit(refused["Location"]).query)["error"] == ["access_denied"]
    assert not ClientConsent.objects.exists()
    assert '<html lang="zh-Hans"' in shown.content.decode()


def test_anonymous_visitors_sign_in_first(divisions: dict[str, Division]) -> None:
    given = world(divisions)

    answer = _authorize(Client(), given.client.client_id)

    assert answer["Location"].startswith("/account/sign-in/?next=/o/authorize/")


def test_prompt_none_when_signed_out_is_login_required(divisions: dict[str, Division]) -> None:
    given = world(divisions)

    answer = _authorize(Client(), given.client.client_id, prompt="none")

    assert parse_qs(urlsplit(answer["Location"]).query)["error"] == ["login_required"]
