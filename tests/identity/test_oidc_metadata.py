"""What the provider publishes about itself, as OIDC Discovery 1.0 and RFC 8414 say: every
endpoint, one set of facts in both documents, RFC 8414's own well-known location, `iss` on
every authorisation response (answers and errors alike, RFC 9207), one issuer whatever host
name the request used, and introspection that tells a client only about its own tokens."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client as Browser
from jwcrypto import jwk, jwt

from onewindow.core.models import Division
from onewindow.identity.oidc import provider as oidc
from tests.identity.oidc_helpers import REDIRECT_URI, hidden_fields, token_for, world

pytestmark = pytest.mark.django_db

ISSUER = django_settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]
VERIFIER = "v" * 64
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
)


def _document(path: str, host: str = "testserver") -> dict[str, Any]:
    answer = Browser(HTTP_HOST=host).get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    assert answer["Content-Type"] == "application/json"
    document: dict[str, Any] = answer.json()
    return document


def test_the_issuer_is_the_configured_site_address_not_the_host_header(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    site = f"{django_settings.ONEWINDOW_SITE_URL.rstrip('/')}/o"

    documents = [
        _document("/o/.well-known/openid-configuration", host=host)
        for host in ("127.0.0.1", "localhost", "elsewhere.example")
    ]

    assert {document["issuer"] for document in documents} == {site}
    assert {document["token_endpoint"] for document in documents} == {f"{site}/token/"}


def test_discovery_names_revocation_introspection_and_the_grants() -> None:
    document = _document("/o/.well-known/openid-configuration")

    assert document["revocation_endpoint"] == f"{ISSUER}/revoke_token/"
    assert document["introspection_endpoint"] == f"{ISSUER}/introspect/"
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert document["introspection_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    assert "consent" in document["prompt_values_supported"]


def test_oidc_discovery_and_rfc_8414_metadata_say_the_same_things() -> None:
    oidc_document = _document("/o/.well-known/openid-configuration")
    oauth_document = _document("/.well-known/oauth-authorization-server/o")

    shared = set(oidc_document) & set(oauth_document)
    for key in shared - {"scopes_supported"}:
        assert oidc_document[key] == oauth_document[key], key
    assert set(oidc_document["scopes_supported"]) == set(oauth_document["scopes_supported"])
    assert {
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "jwks_uri",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        "code_challenge_methods_supported",
        "authorization_response_iss_parameter_supported",
    } <= shared
    assert oauth_document["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "none",
    ]


def test_rfc_8414_metadata_is_at_its_well_known_place_for_the_issuer_path() -> None:
    root_form = _document("/.well-known/oauth-authorization-server/o")
    suffix_form = _document("/o/.well-known/oauth-authorization-server")
    openid_root_form = _document("/.well-known/openid-configuration/o")

    assert root_form == suffix_form
    assert root_form["issuer"] == openid_root_form["issuer"] == ISSUER
    assert Browser().get("/.well-known/oauth-authorization-server/other").status_code == 404
    assert Browser().get("/.well-known/oauth-authorization-server").status_code == 404


def test_an_issuer_configured_elsewhere_moves_the_well_known_place(settings: Any) -> None:
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_ISS_ENDPOINT": "https://id.gov.example/sign-on",
    }

    document = _document("/.well-known/oauth-authorization-server/sign-on")

    assert document["issuer"] == "https://id.gov.example/sign-on"
    assert Browser().get("/.well-known/oauth-authorization-server/o").status_code == 404


def _authorize(browser: Browser, client_id: str, **extra: str) -> Any:
    return browser.get(
        "/o/authorize/",
        {
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile",
            "state": "s1",
            "code_challenge": CHALLENGE,
            "code_challenge_method": "S256",
            **extra,
        },
    )


def _answer(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith(REDIRECT_URI)
    return parse_qs(urlsplit(response["Location"]).query)


@pytest.mark.parametrize(
    ("signed_in", "extra", "error"),
    [
        (True, {"prompt": "none"}, "consent_required"),
        (False, {"prompt": "none"}, "login_required"),
        (True, {"scope": "openid id_number"}, "invalid_scope"),
        (True, {"code_challenge": "", "code_challenge_method": ""}, "invalid_request"),
    ],
)
def test_error_redirects_name_the_issuer(
    divisions: dict[str, Division], signed_in: bool, extra: dict[str, str], error: str
) -> None:
    given = world(divisions)
    browser = Browser()
    if signed_in:
        browser.force_login(given.citizen)

    answer = _answer(_authorize(browser, given.client.client_id, **extra))

    assert answer["error"] == [error]
    assert answer["iss"] == [ISSUER]
    assert answer["state"] == ["s1"]


def test_a_refusal_on_the_consent_screen_names_the_issuer(divisions: dict[str, Division]) -> None:
    given = world(divisions)
    browser = Browser()
    browser.force_login(given.citizen)
    shown = _authorize(browser, given.client.client_id)

    answer = _answer(browser.post("/o/authorize/", hidden_fields(shown.content.decode())))

    assert answer["error"] == ["access_denied"]
    assert answer["iss"] == [ISSUER]


def test_a_code_got_at_one_host_name_and_redeemed_at_another_has_one_issuer(
    divisions: dict[str, Division],
) -> None:
    given = world(divisions)
    at_ip = Browser(HTTP_HOST="127.0.0.1")
    at_ip.force_login(given.citizen)
    shown = _authorize(at_ip, given.client.client_id)
    answer = _answer(
        at_ip.post("/o/authorize/", {**hidden_fields(shown.content.decode()), "allow": "on"})
    )

    tokens = Browser(HTTP_HOST="localhost").post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": answer["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
            "client_id": given.client.client_id,
            "client_secret": given.secret,
        },
    )

    assert tokens.status_code == 200, tokens.content
    keys = jwk.JWKSet.from_json(
        Browser(HTTP_HOST="localhost").get("/o/.well-known/jwks.json").content
    )
    claims = json.loads(jwt.JWT(jwt=tokens.json()["id_token"], key=keys).claims)
    assert claims["iss"] == answer["iss"][0] == ISSUER


def _introspect(client_id: str, secret: str, token: str) -> dict[str, Any]:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    answer = Browser().post("/o/introspect/", {"token": token}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert answer.status_code == 200, answer.content
    document: dict[str, Any] = answer.json()
    return document


def test_introspection_tells_a_client_only_of_its_own_tokens_by_pairwise_subject(
    divisions: dict[str, Division],
) -> None:
    given = world(divisions)
    other, other_secret = oidc.register_client(
        given.admin,
        name="Another partner",
        kind="partner_app",
        contact_department=given.client.contact_department,
        redirect_uris=["https://other.example/callback"],
        allowed_scopes=["profile"],
    )
    token = token_for(given.citizen, given.client, given.secret, "openid profile")

    own = _introspect(given.client.client_id, given.secret, token["access_token"])
    foreign = _introspect(other.client_id, other_secret, token["access_token"])

    assert own["active"] is True
    assert own["client_id"] == given.client.client_id
    assert own["sub"] == oidc.subject_for(given.citizen, given.client)
    assert "username" not in own
    assert foreign == {"active": False}


def test_introspection_answers_the_client_that_proved_itself_not_the_one_it_names(
    divisions: dict[str, Division],
) -> None:
    given = world(divisions)
    other, other_secret = oidc.register_client(
        given.admin,
        name="Another partner",
        kind="partner_app",
        contact_department=given.client.contact_department,
        redirect_uris=["https://other.example/callback"],
        allowed_scopes=["profile"],
    )
    token = token_for(given.citizen, given.client, given.secret, "openid profile")
    # The other client names the token's owner in Basic (with a wrong secret) and proves
    # itself in the body.
    basic = base64.b64encode(f"{given.client.client_id}:wrong".encode()).decode()

    wrong_secret = Browser().post(
        "/o/introspect/", {"token": token["access_token"]}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    mixed = Browser().post(
        "/o/introspect/",
        {
            "token": token["access_token"],
            "client_id": other.client_id,
            "client_secret": other_secret,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )

    assert wrong_secret.status_code in (401, 403)
    assert mixed.status_code in (401, 403) or mixed.json() == {"active": False}
