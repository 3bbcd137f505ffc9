"""A real relying party, built with Authlib's OAuth 2 client and joserfc, signs a person in
against the running server: discovery, code flow with PKCE (S256), the ID token verified
against the JWKS, userinfo, refresh with rotation, RP-initiated logout. Then what the
standards say must be refused is refused, with the standard error and nothing issued."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from onewindow.core.models import Division
from onewindow.identity.models import AccessKind, ClientConsent, ClientUsage, DataAccess
from onewindow.identity.oidc import provider as oidc
from tests.identity.oidc_helpers import (
    LOGOUT_URI,
    REDIRECT_URI,
    as_public_site,
    consent,
    discovery,
    signed_in_browser,
    world,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Authlib refuses plain-HTTP endpoints unless told it is a test; live_server speaks HTTP.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

SCOPE = "openid profile division applications:read"


@pytest.fixture(autouse=True)
def provider(live_server: Any, settings: Any) -> str:
    return as_public_site(settings, live_server.url)


def relying_party(config: dict[str, Any], client_id: str, secret: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=client_id,
        client_secret=secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint=config["token_endpoint"],
    )


def authorize(rp: OAuth2Session, config: dict[str, Any], **extra: str) -> tuple[str, str, str]:
    verifier = generate_token(64)
    nonce = generate_token(16)
    url, _state = rp.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **extra
    )
    return url, verifier, nonce


def test_a_relying_party_signs_a_person_in_and_out(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    base = live_server.url
    config = discovery(base)
    browser = signed_in_browser(base, given.citizen.username)
    rp = relying_party(config, given.client.client_id, given.secret)

    # Discovery says what the provider does.
    assert config["issuer"] == f"{base}/o"
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert "pairwise" in config["subject_types_supported"]
    assert {"name", "id_number_masked", "division", "account_type"} <= set(
        config["claims_supported"]
    )
    assert config["end_session_endpoint"] == f"{base}/o/logout/"

    # Code flow with PKCE; the person sees the consent screen once.
    url, verifier, nonce = authorize(rp, config)
    callback = consent(browser, url)
    assert callback.startswith(REDIRECT_URI)
    assert parse_qs(urlsplit(callback).query)["iss"] == [config["issuer"]]  # RFC 9207
    token = rp.fetch_token(authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "Bearer"
    assert {"access_token", "refresh_token", "id_token"} <= set(token)

    # The ID token's signature verifies against the published keys, and its claims hold.
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    claims = decoded.claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": config["issuer"]},
        aud={"essential": True, "value": given.client.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
        iat={"essential": True},
    ).validate(claims)
    assert claims["sub"] == oidc.subject_for(given.citizen, given.client)
    assert claims["sub"] != str(given.citizen.pk)  # pairwise, not the account's key
    assert claims["name"] == "王小明"
    assert claims["id_number_masked"] == given.citizen.masked_id_number
    assert claims["division"] == "330106001001"
    assert claims["account_type"] == "citizen"
    assert "id_number" not in claims

    # userinfo answers the access token with the same subject.
    info = rp.get(config["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"]
    assert info["division"] == "330106001001"

    # Refresh rotates: a new pair, and the old refresh token is refused afterwards.
    old_refresh = token["refresh_token"]
    refreshed = rp.refresh_token(config["token_endpoint"], refresh_token=old_refresh)
    assert refreshed["refresh_token"] != old_refresh
    assert refreshed["access_token"] != token["access_token"]
    with pytest.raises(OAuthError) as reused:
        rp.refresh_token(config["token_endpoint"], refresh_token=old_refresh)
    assert reused.value.error == "invalid_grant"

    # Consent is remembered: the same scopes again go straight back to the client.
    again, _verifier, _nonce = authorize(relying_party(config, given.client.client_id, ""), config)
    assert (
        browser.get(again, allow_redirects=False, timeout=10)
        .headers["Location"]
        .startswith(REDIRECT_URI)
    )

    # RP-initiated logout: tokens gone, the person signed out, back to the client.
    logout = browser.get(
        config["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": LOGOUT_URI,
            "state": "bye",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert logout.status_code == 302
    assert logout.headers["Location"] == f"{LOGOUT_URI}?state=bye"
    profile = browser.get(f"{base}/account/profile/", allow_redirects=False, timeout=10)
    assert "/account/sign-in/" in profile.headers["Location"]
    assert not AccessToken.objects.filter(user=given.citizen).exists()
    usage = ClientUsage.objects.get(client=given.client)
    assert (usage.tokens_issued, usage.refreshes) == (2, 1)


def test_a_scope_grows_and_the_person_is_asked_again(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    base = live_server.url
    config = discovery(base)
    browser = signed_in_browser(base, given.citizen.username)
    narrow = OAuth2Session(
        client_id=given.client.client_id,
        client_secret=given.secret,
        scope="openid profile",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    url, _verifier, _nonce = authorize(narrow, config)
    consent(browser, url)

    wider, _verifier, _nonce = authorize(relying_party(config, given.client.client_id, ""), config)
    asked = browser.get(wider, allow_redirects=False, timeout=10)

    assert asked.status_code == 200
    assert "It now asks for more" in asked.text
    assert "Read your applications and drafts" in asked.text
    assert ClientConsent.objects.get(user=given.citizen).scopes == ["openid", "profile"]


def test_the_full_id_number_goes_only_to_a_client_allowed_it_by_law_and_the_person_sees_it(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(
        divisions,
        scopes=("profile", "id_number"),
        lawful_basis="Social Insurance Law, art. 58 (card issuance)",
    )
    base = live_server.url
    config = discovery(base)
    browser = signed_in_browser(base, given.citizen.username)
    rp = OAuth2Session(
        client_id=given.client.client_id,
        client_secret=given.secret,
        scope="openid id_number",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint=config["token_endpoint"],
    )
    url, verifier, _nonce = authorize(rp, config)
    shown = browser.get(url, timeout=10).text
    assert "Full resident ID number" in shown
    assert "Social Insurance Law, art. 58" in shown

    token = rp.fetch_token(authorization_response=consent(browser, url), code_verifier=verifier)
    info = rp.get(config["userinfo_endpoint"]).json()

    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=10).json())
    full = jwt.decode(token["id_token"], keys).claims["id_number"]
    assert full == info["id_number"]
    assert full.endswith(given.citizen.masked_id_number[-4:])
    releases = DataAccess.objects.filter(
        subject_user=given.citizen, kind=AccessKind.CLAIMS_RELEASED
    ).order_by("-created_at", "-pk")
    assert list(releases.values_list("purpose", flat=True)) == [
        "userinfo",
        "id_token",
    ]
    my_data = browser.get(f"{base}/my-data/", timeout=10).text
    assert "City services mini-program" in my_data


# ----- what must be refused -------------------------------------------------------------------


def _code_for(
    browser: requests.Session, rp: OAuth2Session, config: dict[str, Any]
) -> tuple[str, str]:
    url, verifier, _nonce = authorize(rp, config)
    return consent(browser, url), verifier


def test_a_reused_code_is_invalid_grant_and_revokes_what_it_gave(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    config = discovery(live_server.url)
    browser = signed_in_browser(live_server.url, given.citizen.username)
    rp = relying_party(config, given.client.client_id, given.secret)
    callback, verifier = _code_for(browser, rp, config)
    rp.fetch_token(authorization_response=callback, code_verifier=verifier)

    with pytest.raises(OAuthError) as reused:
        relying_party(config, given.client.client_id, given.secret).fetch_token(
            authorization_response=callback, code_verifier=verifier
        )

    assert reused.value.error == "invalid_grant"
    assert AccessToken.objects.count() == 1  # nothing more issued


def test_a_wrong_or_missing_code_verifier_is_invalid_grant(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    config = discovery(live_server.url)
    browser = signed_in_browser(live_server.url, given.citizen.username)
    rp = relying_party(config, given.client.client_id, given.secret)
    callback, _verifier = _code_for(browser, rp, config)

    with pytest.raises(OAuthError) as wrong:
        rp.fetch_token(authorization_response=callback, code_verifier=generate_token(64))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    missing = requests.post(
        config["token_endpoint"],
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(given.client.client_id, given.secret),
        timeout=10,
    )

    assert wrong.value.error == "invalid_grant"
    assert missing.status_code == 400
    assert missing.json()["error"] in {"invalid_grant", "invalid_request"}
    assert not AccessToken.objects.exists()


def test_a_wrong_redirect_uri_is_an_error_page_never_a_redirect(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    config = discovery(live_server.url)
    browser = signed_in_browser(live_server.url, given.citizen.username)
    rp = relying_party(config, given.client.client_id, given.secret)
    url, _verifier, _nonce = authorize(rp, config, redirect_uri="https://evil.example/catch")

    answer = browser.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "invalid_request" in answer.text or "mismatching_redirect_uri" in answer.text
    assert not Grant.objects.exists()


def test_a_token_request_with_another_redirect_uri_is_invalid_grant(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    config = discovery(live_server.url)
    browser = signed_in_browser(live_server.url, given.citizen.username)
    rp = relying_party(config, given.client.client_id, given.secret)
    callback, verifier = _code_for(browser, rp, config)
    other = OAuth2Session(
        client_id=given.client.client_id,
        client_secret=given.secret,
        redirect_uri="https://partner.example/other",
        token_endpoint=config["token_endpoint"],
    )

    with pytest.raises(OAuthError) as refused:
        other.fetch_token(authorization_response=callback, code_verifier=verifier)

    assert refused.value.error in {"invalid_grant", "invalid_request"}
    assert not AccessToken.objects.exists()


def test_no_pkce_or_a_scope_not_allowed_redirect_back_with_the_standard_error(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    config = discovery(live_server.url)
    browser = signed_in_browser(live_server.url, given.citizen.username)
    plain = OAuth2Session(
        client_id=given.client.client_id, scope="openid", redirect_uri=REDIRECT_URI
    )
    no_pkce, _state = plain.create_authorization_url(config["authorization_endpoint"])
    rp = relying_party(config, given.client.client_id, given.secret)
    too_much, _verifier, _nonce = authorize(rp, config, scope="openid id_number")

    without = browser.get(no_pkce, allow_redirects=False, timeout=10)
    beyond = browser.get(too_much, allow_redirects=False, timeout=10)

    assert parse_qs(urlsplit(without.headers["Location"]).query)["error"] == ["invalid_request"]
    assert parse_qs(urlsplit(beyond.headers["Location"]).query)["error"] == ["invalid_scope"]
    assert not Grant.objects.exists()


def test_a_suspended_client_cannot_use_its_tokens_nor_sign_anyone_in(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = world(divisions)
    config = discovery(live_server.url)
    browser = signed_in_browser(live_server.url, given.citizen.username)
    rp = relying_party(config, given.client.client_id, given.secret)
    callback, verifier = _code_for(browser, rp, config)
    token = rp.fetch_token(authorization_response=callback, code_verifier=verifier)

    oidc.suspend_client(given.admin, given.client, reason="Leaked its secret")

    info = rp.get(config["userinfo_endpoint"])
    api = requests.get(
        f"{live_server.url}/api/v1/applications",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    with pytest.raises(OAuthError) as refresh:
        rp.refresh_token(config["token_endpoint"], refresh_token=token["refresh_token"])
    url, _verifier, _nonce = authorize(rp, config)
    sign_in = browser.get(url, allow_redirects=False, timeout=10)

    assert info.status_code == 401
    assert api.status_code == 401
    assert refresh.value.error == "invalid_client"
    assert sign_in.status_code == 400
    assert "Location" not in sign_in.headers


def test_a_revoked_or_expired_access_token_is_refused(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    given = world(divisions)
    config = discovery(live_server.url)
    browser = signed_in_browser(live_server.url, given.citizen.username)
    rp = relying_party(config, given.client.client_id, given.secret)
    callback, verifier = _code_for(browser, rp, config)
    rp.fetch_token(authorization_response=callback, code_verifier=verifier)
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))

    expired = rp.get(config["userinfo_endpoint"])
    oidc.withdraw_consent(given.citizen, given.client)

    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
