"""The architecture, checked: every page is either public by decision or needs sign-in,
every API operation is documented, migrations match the models."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open, by decision. Everything else must send an anonymous visitor away.
PUBLIC = {
    "web:home",
    "web:set-language",
    "web:set-elder-mode",
    "web:healthz",
    "web:readyz",
    "identity:sign-in",
    "identity:sign-out",
    "identity:register-citizen",
    "identity:password-reset",
    "identity:password-reset-sent",
    "identity:password-reset-confirm",
    "identity:password-reset-complete",
    "catalog:search",  # the catalogue and its guides are for everyone
    "catalog:guide",
    "exchange:jwks",  # the public key registry
    "exchange:call",  # authenticated by the request's signature, not a session
    "credit:search",  # business credit profiles: the legally public part is for everyone
    "credit:profile",
    "credentials:verify",  # anyone checks a licence, without an account
    "credentials:shared",  # a share is opened by its unguessable link
    "credentials:trust-list",  # the issuers and seal keys verifiers trust
    "credentials:trust-list-signed",
    "credentials:status-list",  # status lists: a verifier checks without saying which one
    "credentials:jwks",
    # The citizen hotline: anyone may report (rate-limited) and read the answered cases.
    "grievances:home",
    "grievances:new",
    "grievances:wall",
    "grievances:wall-case",
    "grievances:track",  # a caller follows a case by its number and their phone number
    # Open311 GeoReport v2: plain views outside /api/v1/ (format suffixes, XML, the
    # standard's own error list); reads are public, posting needs a partner's api_key.
    "open311:discovery",
    "open311:services",
    "open311:service-definition",
    "open311:requests",
    "open311:request",
    # OpenID Connect: the provider's public metadata and keys; RP-initiated logout, which
    # a signed-out visitor reaches with nothing left to end.
    "oauth2_provider:oidc-connect-discovery-info",
    "oauth2_provider:oauth-server-metadata",
    "oauth2_provider:jwks-info",
    "oauth2_provider:rp-initiated-logout",
    "oidc:authorization-server-metadata",  # RFC 8414's place for the same metadata
    "oidc:openid-configuration",
}
PUBLIC_PREFIXES = ("api:", "ledger")  # the API answers 401 itself; the ledger is public by design


def named_routes(resolver: URLResolver | None = None, namespace: str = "") -> list[tuple[str, str]]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += [(f"{entry.pattern}{path}", name) for path, name in named_routes(entry, inner)]
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((str(entry.pattern), f"{namespace}{entry.name}"))
    return found


def concrete(pattern: str) -> str:
    """Fill path converters with plausible values so the URL can be requested."""
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", "x", pattern).lstrip("^").rstrip("$")


@pytest.mark.django_db
def test_every_page_needs_sign_in_unless_it_is_public_by_decision() -> None:
    client = Client()
    unguarded = []
    for pattern, name in named_routes():
        if name in PUBLIC or name.startswith(PUBLIC_PREFIXES):
            continue
        response = client.get(concrete(pattern))
        if response.status_code not in (302, 401, 403, 404, 405):
            unguarded.append((name, response.status_code))
        elif response.status_code == 302:
            assert "/account/sign-in/" in response["Location"], name
    assert unguarded == []


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    # The suite runs with --nomigrations; this check reads the real migration modules.
    with override_settings(MIGRATION_MODULES={}):
        call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db
def test_every_api_route_is_in_the_openapi_document(client: Client) -> None:
    import re

    from onewindow.config.api import api

    documented = set(client.get("/api/v1/openapi.json").json()["paths"])
    routed = {
        "/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for pattern in api.urls[0]
        if isinstance(pattern, URLPattern)
        and pattern.name not in {"openapi-json", "openapi-view", "api-root"}
    }
    assert routed
    assert routed <= documented
