"""The sign-on pages' own rules, in process. Their forms end in a redirect to the client, which
our CSP (`form-action 'self'`) would block in the browser: each such page allows exactly the
registered URIs of the client in play, and no other page allows anything more. RP-initiated
logout is accepted by POST as the spec requires, without taking a person's confirmation from
anyone but the person."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.http import HttpResponseBase
from django.test import Client as Browser
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given, settings
from hypothesis import strategies as st
from oauth2_provider.models import AccessToken

from onewindow.core.models import Division
from onewindow.identity.oidc.views import form_action_source
from tests.identity import factories
from tests.identity.oidc_helpers import (
    LOGOUT_URI,
    REDIRECT_URI,
    hidden_fields,
    token_for,
    world,
)

pytestmark = pytest.mark.django_db


def form_action(response: HttpResponseBase) -> list[str]:
    policy = response["Content-Security-Policy"]
    for directive in policy.split(";"):
        name, _, values = directive.strip().partition(" ")
        if name == "form-action":
            return values.split()
    raise AssertionError(f"no form-action in {policy}")


def _authorize_path(client_id: str) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile",
            "state": "s1",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        }
    )
    return f"/o/authorize/?{query}"


def test_the_sign_in_page_of_a_sign_on_allows_the_clients_redirect_uris_only(
    divisions: dict[str, Division],
) -> None:
    given_world = world(divisions)
    browser = Browser()

    continuing = browser.get(
        "/account/sign-in/", {"next": _authorize_path(given_world.client.client_id)}
    )
    plain = browser.get("/account/sign-in/")
    elsewhere = browser.get("/account/sign-in/", {"next": "/account/profile/"})
    unknown = browser.get("/account/sign-in/", {"next": _authorize_path("no-such-client")})
    foreign = browser.get(
        "/account/sign-in/",
        {"next": f"https://evil.example{_authorize_path(given_world.client.client_id)}"},
    )

    assert form_action(continuing) == ["'self'", REDIRECT_URI]
    for page in (plain, elsewhere, unknown, foreign):
        assert form_action(page) == ["'self'"]


def test_a_failed_sign_in_still_allows_the_return_to_the_client(
    divisions: dict[str, Division],
) -> None:
    given_world = world(divisions)
    browser = Browser()
    next_path = _authorize_path(given_world.client.client_id)

    again = browser.post(
        f"/account/sign-in/?{urlencode({'next': next_path})}",
        {"username": given_world.citizen.username, "password": "wrong", "next": next_path},
    )

    assert again.status_code == 200
    assert form_action(again) == ["'self'", REDIRECT_URI]


def test_an_officers_second_factor_pages_of_a_sign_on_allow_the_return_too(
    divisions: dict[str, Division],
) -> None:
    given_world = world(divisions)
    officer = factories.officer(given_world.client.contact_department, username="officer")
    next_path = _authorize_path(given_world.client.client_id)
    browser = Browser()
    browser.force_login(officer)

    verify = browser.get("/account/sign-in/verify/", {"next": next_path})
    TOTPDevice.objects.filter(user=officer).delete()
    enrol = browser.get("/account/sign-in/enrol/", {"next": next_path})

    assert verify.status_code == enrol.status_code == 200
    assert form_action(verify) == form_action(enrol) == ["'self'", REDIRECT_URI]


def test_the_consent_screen_allows_every_registered_redirect_uri_of_its_client(
    divisions: dict[str, Division],
) -> None:
    given_world = world(divisions)
    given_world.client.redirect_uris = f"{REDIRECT_URI} https://partner.example:8443/app/cb?x=1"
    given_world.client.save(update_fields=["redirect_uris"])
    browser = Browser()
    browser.force_login(given_world.citizen)

    shown = browser.get(_authorize_path(given_world.client.client_id))

    assert shown.status_code == 200
    assert form_action(shown) == ["'self'", REDIRECT_URI, "https://partner.example:8443/app/cb"]


def test_other_pages_allow_forms_to_this_site_only(divisions: dict[str, Division]) -> None:
    given_world = world(divisions)
    browser = Browser()
    browser.force_login(given_world.citizen)

    for path in ("/", "/account/profile/", "/account/security/"):
        assert form_action(browser.get(path)) == ["'self'"], path


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_a_source_expression_never_breaks_out_of_the_policy(uri: str) -> None:
    source = form_action_source(f"https://partner.example/{uri}")

    assert source is not None
    assert source.startswith("https://partner.example/")
    assert not any(character in source for character in ";, \t\r\n'\"?#")


@pytest.mark.parametrize(
    "uri",
    ["javascript:alert(1)", "https://[::1]/cb", "https://a b/", "data:text/html,x", "https://"],
)
def test_uris_that_cannot_be_a_source_expression_are_left_out(uri: str) -> None:
    assert form_action_source(uri) is None


# ----- RP-initiated logout ------------------------------------------------------------------


def _signed_in_with_tokens(divisions: dict[str, Division]) -> tuple[Any, Browser, dict[str, Any]]:
    given_world = world(divisions)
    tokens = token_for(given_world.citizen, given_world.client, given_world.secret, "openid")
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(given_world.citizen)
    return given_world, browser, tokens


def test_logout_by_post_from_the_client_is_accepted_and_ends_the_session(
    divisions: dict[str, Division],
) -> None:
    given_world, browser, tokens = _signed_in_with_tokens(divisions)
    request = {
        "id_token_hint": tokens["id_token"],
        "post_logout_redirect_uri": LOGOUT_URI,
        "state": "bye",
    }

    # The client's page posts the request: no CSRF token, and (SameSite=Lax) no session.
    posted = Browser(enforce_csrf_checks=True).post("/o/logout/", request)
    assert posted.status_code == 303
    assert urlsplit(posted["Location"]).path == "/o/logout/"
    assert parse_qs(urlsplit(posted["Location"]).query) == {k: [v] for k, v in request.items()}
    # The browser follows with GET, sending the session.
    followed = browser.get(posted["Location"])

    assert followed.status_code == 302
    assert followed["Location"] == f"{LOGOUT_URI}?state=bye"
    assert "/account/sign-in/" in browser.get("/account/profile/")["Location"]
    assert not AccessToken.objects.filter(user=given_world.citizen).exists()


def test_a_posted_confirmation_without_our_csrf_token_confirms_nothing(
    divisions: dict[str, Division],
) -> None:
    given_world, browser, _tokens = _signed_in_with_tokens(divisions)
    request = {
        "client_id": given_world.client.client_id,
        "post_logout_redirect_uri": LOGOUT_URI,
        "allow": "on",
    }

    forged = browser.post("/o/logout/", request)
    with_bad_token = browser.post("/o/logout/", {**request, "csrfmiddlewaretoken": "x" * 64})
    # Without an ID token the person must confirm: the GET shows the question.
    asked = browser.get(forged["Location"])

    assert forged.status_code == 303
    assert "allow" not in parse_qs(urlsplit(forged["Location"]).query)
    assert with_bad_token.status_code == 403
    assert asked.status_code == 200
    assert browser.get("/account/profile/").status_code == 200  # still signed in
    assert AccessToken.objects.filter(user=given_world.citizen).exists()


def test_the_confirmation_page_lets_its_answer_go_back_to_the_client(
    divisions: dict[str, Division],
) -> None:
    given_world, browser, _tokens = _signed_in_with_tokens(divisions)

    asked = browser.get(
        "/o/logout/",
        {"client_id": given_world.client.client_id, "post_logout_redirect_uri": LOGOUT_URI},
    )
    answered = browser.post("/o/logout/", {**hidden_fields(asked.content.decode()), "allow": "on"})

    assert form_action(asked) == ["'self'", LOGOUT_URI]
    assert answered.status_code == 302
    assert answered["Location"] == LOGOUT_URI
    assert "/account/sign-in/" in browser.get("/account/profile/")["Location"]
