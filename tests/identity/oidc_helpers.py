"""A person's browser and a relying party, both over real HTTP, for the sign-on tests."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import requests

from onewindow.core.models import Division
from onewindow.identity.models import Client, User
from onewindow.identity.oidc import provider as oidc
from tests.identity import factories

REDIRECT_URI = "https://partner.example/callback"
LOGOUT_URI = "https://partner.example/signed-out"


def as_public_site(settings: Any, base: str) -> str:
    """Make `base` (a live server) this site's public address, so the provider's issuer is
    there too: the issuer is configured, never taken from the Host header."""
    settings.ONEWINDOW_SITE_URL = base
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": f"{base}/o"}
    return base


def hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1) if value else "")
    return fields


def signed_in_browser(base: str, username: str) -> requests.Session:
    """A person signed in through the real sign-in form."""
    browser = requests.Session()
    page = browser.get(f"{base}/account/sign-in/", timeout=10).text
    answer = browser.post(
        f"{base}/account/sign-in/",
        data={
            **hidden_fields(page),
            "username": username,
            "password": factories.PASSWORD,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def consent(browser: requests.Session, authorize_url: str, *, allow: bool = True) -> str:
    """Open the authorisation URL, answer the consent screen; returns where the provider
    sends the browser (the client's redirect URI with the code, or an error)."""
    shown = browser.get(authorize_url, allow_redirects=False, timeout=10)
    if shown.status_code == 302:  # consent remembered
        return shown.headers["Location"]
    assert shown.status_code == 200, shown.text[:800]
    data = hidden_fields(shown.text)
    if allow:
        data["allow"] = "on"
    answered = browser.post(
        shown.url, data=data, headers={"Referer": shown.url}, allow_redirects=False, timeout=10
    )
    assert answered.status_code == 302, answered.text[:800]
    return str(answered.headers["Location"])


@dataclass
class World:
    citizen: User
    admin: User
    client: Client
    secret: str


def world(
    divisions: dict[str, Division],
    *,
    scopes: tuple[str, ...] = ("profile", "division", "applications:read"),
    lawful_basis: str = "",
    is_confidential: bool = True,
    username: str = "xiaoming",
    redirect_uris: tuple[str, ...] = (REDIRECT_URI,),
    post_logout_redirect_uris: tuple[str, ...] = (LOGOUT_URI,),
) -> World:
    department = factories.department(divisions["city"])
    admin = factories.officer(department, roles=("platform_admin",), username="admin")
    citizen = factories.citizen(divisions["community"], username=username)
    client, secret = oidc.register_client(
        admin,
        name="City services mini-program",
        kind="partner_app",
        contact_department=department,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        allowed_scopes=scopes,
        lawful_basis=lawful_basis,
        is_confidential=is_confidential,
    )
    return World(citizen=citizen, admin=admin, client=client, secret=secret)


def discovery(base: str) -> dict[str, Any]:
    document: dict[str, Any] = requests.get(
        f"{base}/o/.well-known/openid-configuration", timeout=10
    ).json()
    return document


def token_for(user: User, client: Client, secret: str, scope: str) -> dict[str, Any]:
    """Tokens for `user` issued to `client` through the real endpoints, in process: the
    person allows the client on the consent screen, the client swaps code and verifier."""
    import base64
    import hashlib
    import secrets

    from django.test import Client as Browser

    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    browser = Browser()
    browser.force_login(user)
    query = {
        "client_id": client.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    shown = browser.get("/o/authorize/", query)
    if shown.status_code == 200:
        fields = hidden_fields(shown.content.decode())
        shown = browser.post("/o/authorize/", {**fields, "allow": "on"})
    assert shown.status_code == 302, shown.content[:500]
    from urllib.parse import parse_qs, urlsplit

    code = parse_qs(urlsplit(shown["Location"]).query)["code"][0]
    answer = Browser().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": client.client_id,
            "client_secret": secret,
        },
    )
    assert answer.status_code == 200, answer.content
    tokens: dict[str, Any] = answer.json()
    return tokens
