"""A person's browser and a relying party, both over real HTTP, for the sign-on tests."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import requests

from onewindow.core.models import Division
from onewindow.identity import oidc
from onewindow.identity.models import Client, User
from tests.identity import factories

REDIRECT_URI = "https://partner.example/callback"
LOGOUT_URI = "https://partner.example/signed-out"


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
) -> World:
    department = factories.department(divisions["city"])
    admin = factories.officer(department, roles=("platform_admin",), username="admin")
    citizen = factories.citizen(divisions["community"], username=username)
    client, secret = oidc.register_client(
        admin,
        name="City services mini-program",
        kind="partner_app",
        contact_department=department,
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[LOGOUT_URI],
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
