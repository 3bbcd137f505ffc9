"""One URL root per app: every route an app serves lives under its root, apart from the few
addresses a standard or a printed licence fixes; the addresses that moved answer 301."""

from __future__ import annotations

from types import ModuleType

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from onewindow.config.urls import Moved

# app -> its URL root (docs/ARCHITECTURE.md, "URL roots").
ROOTS = {
    "web": "",  # the page shell only (WEB_SHELL)
    "identity": "account/",
    "catalog": "services/",
    "applications": "applications/",
    "config": "api/v1/",  # the one JSON API, every app's operations
    "notify": "inbox/",
    "ledger": "ledger/",
    "exchange": "exchange/",  # pages; the signed machine calls under exchange/v1/
    "credentials": "credentials/",
    "grievances": "hotline/",
    "alerts": "alerts/",
    "payments": "payments/",
    "appointments": "appointments/",
    "etax": "tax/",
    "rural": "rural/",
    "assistant": "assistant/",
    "transparency": "open-data/",
    "supervision": "supervision/",
    "insights": "insights/",
    "cityops": "city/",
}
# Addresses outside an app's root, fixed by a standard or by what is printed on paper.
FIXED = {
    "identity": (
        "o/",  # the OpenID Connect provider: the issuer clients are configured with
        ".well-known/oauth-authorization-server",  # RFC 8414
        ".well-known/openid-configuration",  # OpenID Connect Discovery
    ),
    "credentials": (
        "v/",  # what a printed QR holds, kept short so the QR stays small
        ".well-known/jwt-vc-issuer/",  # IETF SD-JWT VC issuer metadata
    ),
    "grievances": ("open311/v2/",),  # Open311 GeoReport v2, as partners configure it
    "transparency": ("api/",),  # CKAN's Action API: api/3/action/ and api/action/
}
WEB_SHELL = {"", "language/", "elder-mode/", "suggest/", "my-data/", "healthz", "readyz"}

# An old address, and where it answers now (with its query string).
MOVED = [
    ("/work/", "/applications/work/"),
    ("/work/steps/12/", "/applications/work/steps/12/"),
    ("/work/deliveries/?view=pickup", "/applications/work/deliveries/?view=pickup"),
    ("/data/", "/exchange/"),
    ("/data/grants/3/", "/exchange/grants/3/"),
    ("/credit/", "/exchange/credit/"),
    ("/credit/?q=%E8%A5%BF%E6%BA%AA", "/exchange/credit/?q=%E8%A5%BF%E6%BA%AA"),
    ("/credit/91330106MA2XXXXXXX/own/", "/exchange/credit/91330106MA2XXXXXXX/own/"),
    ("/wallet/", "/credentials/wallet/"),
    ("/wallet/abc/pdf/", "/credentials/wallet/abc/pdf/"),
    ("/verify/", "/credentials/verify/"),  # "Scan to verify: /verify" is printed on licences
    ("/verify/shared/token-1/", "/credentials/verify/shared/token-1/"),
]


def _app(entry: URLResolver) -> str:
    """The app whose urls module (or, for a list routed directly, whose views) this is."""
    if entry.namespace == "api":
        return "config"  # the NinjaAPI of config/api.py; every app adds its routers
    conf = entry.urlconf_name
    if isinstance(conf, ModuleType):
        module = conf.__name__
    elif isinstance(conf, str):
        module = conf
    else:
        first = next(p for p in conf if isinstance(p, URLPattern))
        module = first.callback.__module__
    return module.split(".")[1]


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").replace("\\", "")
        if isinstance(entry, URLResolver):
            found += _routes(entry, route)
        else:
            found.append(route)
    return found


def test_every_route_of_an_app_lives_under_its_root() -> None:
    outside = []
    web = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLPattern):
            assert isinstance(entry.callback, Moved), entry  # only old addresses at the top
            continue
        app = _app(entry)
        allowed = (ROOTS[app], *FIXED.get(app, ()))
        for route in _routes(entry, str(entry.pattern)):
            if app == "web":
                web.add(route)
            elif not route.startswith(allowed):
                outside.append((app, route))
    assert outside == []
    assert web <= WEB_SHELL


def test_no_app_but_the_shell_is_mounted_at_the_root() -> None:
    at_root = {
        _app(entry)
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and str(entry.pattern) == ""
    }
    # identity and credentials only for their standard addresses (FIXED, checked above).
    assert at_root == {"web", "identity", "credentials"}


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), MOVED)
def test_an_old_address_answers_301_with_the_new_one(client: Client, old: str, new: str) -> None:
    response = client.get(old)

    assert response.status_code == 301
    assert response["Location"] == new
    resolve(new.partition("?")[0])  # and something answers there


@pytest.mark.django_db
def test_a_form_posted_to_an_old_address_is_sent_on_permanently(client: Client) -> None:
    response = client.post("/verify/", {"credential": "OW1:..."})

    assert response.status_code == 301
    assert response["Location"] == "/credentials/verify/"
