"""The architecture, checked: every page is either public by decision or needs sign-in,
every API operation is documented, migrations match the models."""

from __future__ import annotations

from collections import defaultdict
from enum import Enum
from io import StringIO
from typing import Any, get_args

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from pydantic import BaseModel

# Pages anyone may open, by decision. Everything else must send an anonymous visitor away.
PUBLIC = {
    "web:home",
    "web:set-language",
    "web:set-elder-mode",
    "web:suggest",  # the search box's suggestions: names from the public catalogue
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
    "catalog:export",  # the implementation list as a spreadsheet: published data, for everyone
    "exchange:jwks",  # the public key registry
    "exchange:call",  # authenticated by the request's signature, not a session
    "credit:search",  # business credit profiles: the legally public part is for everyone
    "credit:profile",
    "credentials:verify",  # anyone checks a licence, without an account
    "credentials:shared",  # a share is opened by its unguessable link
    "credentials:trust-list",  # the issuers and seal keys verifiers trust
    "credentials:trust-list-signed",
    "credentials:status-list",  # status lists: a verifier checks without saying which one
    "credentials:status-list-numbered",  # an issuer's later lists
    "credentials:jwks",
    "credentials-at-root:scanned",  # a printed QR's URL: the verdict on the payload it carries
    "credentials-at-root:jwt-vc-issuer",  # IETF SD-JWT VC issuer metadata (the issuer's keys)
    # The citizen hotline: anyone may report (rate-limited) and read the answered cases.
    "grievances:home",
    "grievances:new",
    "grievances:wall",
    "grievances:wall-case",
    "grievances:track",  # a caller follows a case by its number and their phone number
    # Public alerts: everyone must be able to read a warning, people and machines alike.
    "applications:projects",  # investment projects by code: published as the platform does
    "applications:project",
    "alerts:list",
    "alerts:feed",
    "alerts:division-feed",
    "alerts:cap",
    "alerts:signature",
    "alerts:detail",  # its delivery figures and decisions only for the issuing department
    # Payments: the provider's webhooks are authenticated by their signature, and the demo
    # provider's hosted page stands for a provider's own site (opened by an unguessable id).
    "payments:webhook",
    "payments:demo-pay",
    # Service halls: where they are, their free times and the queue display are for everyone.
    "appointments:halls",
    "appointments:hall",
    "appointments:display",
    # The service assistant answers anyone from the published guides; its answer links
    # (token) go on to the public guide or to the application form, which asks for sign-in.
    "assistant:ask",
    "assistant:go",
    # Open data: published, desensitised tables for everyone, and the CKAN Action API
    # (read side) that data users' tools call without an account.
    "transparency:list",
    "transparency:catalog",
    "transparency:dataset",
    "transparency:dataset-jsonld",
    "transparency:download",
    "transparency:spending",
    "transparency:fiscal-package",
    "transparency:fiscal-file",
    "transparency:procurement",
    "transparency:procurement-all",
    "transparency:procurement-detail",
    "transparency:procurement-releases",
    "transparency:procurement-record",
    "ckan:action",
    "ckan:action-unversioned",
    "ckan:help",
    # Random inspections ("double random, one public"): fixed plans, their populations, draws
    # and published results, the files onewindow-redraw takes, and the algorithm.
    "supervision:plans",
    "supervision:algorithm",
    "supervision:plan",
    "supervision:plan-file",
    # Insights: the public dashboard, what each indicator means, and published reports.
    "insights:dashboard",
    "insights:indicator",  # the public indicators; the rest for analysts only
    "insights:report",
    "insights:report-data",
    # Rural e-commerce: the public catalogue, a listing with its certificates, a producer.
    "rural:catalogue",
    "rural:listing",
    "rural:producer",
    # Open311 GeoReport v2: plain views outside /api/v1/ (format suffixes, XML, the
    # standard's own error list); reads are public, posting needs a partner's api_key.
    "open311:discovery",
    "open311:services",
    "open311:service-definition",
    "open311:requests",
    "open311:request",
    "open311:token",
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
        and pattern.name not in {"openapi-json", "openapi-view", "api-root", "not-found"}
    }
    assert routed
    assert routed <= documented


def _schema_classes(annotation: Any, found: dict[str, set[type]], seen: set[Any]) -> None:
    """Every pydantic model and enum reachable from an annotation, by the name the OpenAPI
    document gives its component (the class name)."""
    if annotation in seen:
        return
    seen.add(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | Enum):
        found[annotation.__name__].add(annotation)
        if issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                _schema_classes(field.annotation, found, seen)
    for argument in get_args(annotation):
        _schema_classes(argument, found, seen)


def test_no_two_schema_classes_share_a_name_in_the_openapi_document(client: Client) -> None:
    from onewindow.config.api import api

    found: dict[str, set[type]] = defaultdict(set)
    seen: set[Any] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                # ninja's own per-operation wrappers (parameters, the "response" field) are
                # not components; what they hold is.
                wrappers = [*operation.models, *operation.response_models.values()]
                for wrapper in wrappers:
                    if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
                        for field in wrapper.model_fields.values():
                            _schema_classes(field.annotation, found, seen)
    shared = {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)
        for name, classes in found.items()
        if len(classes) > 1
    }
    assert shared == {}
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert set(found) <= set(components)


@pytest.mark.django_db
def test_every_operation_documents_its_problem_answers(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    problem = {"$ref": "#/components/schemas/ProblemDetails"}
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            problems = {
                int(status)
                for status, answer in answers.items()
                if answer.get("content", {}).get("application/problem+json", {}).get("schema")
                == problem
            }
            expected = set()
            if operation.get("security"):
                expected |= {401, 403}
            if "{" in path or "requestBody" in operation:
                expected.add(404)
            if "requestBody" in operation:
                expected |= {400, 422}
            if method != "get":
                expected.add(409)
            if not problems or not expected <= problems:
                missing.append((method, path, sorted(expected - problems)))
    assert missing == []
    assert {"type", "title", "status"} <= set(
        document["components"]["schemas"]["ProblemDetails"]["required"]
    )


@pytest.mark.django_db
def test_unknown_paths_and_wrong_methods_under_the_api_answer_problem_json(
    client: Client,
) -> None:
    for url in ("/api/v1/", "/api/v1/no-such-thing", "/api/v1/services/x/y/z/"):
        missing = client.get(url)
        assert missing.status_code == 404, url
        assert missing["Content-Type"] == "application/problem+json"
        assert missing.json()["status"] == 404
    unknown_post = client.post("/api/v1/no-such-thing", {}, content_type="application/json")
    assert unknown_post.status_code == 404
    assert unknown_post["Content-Type"] == "application/problem+json"

    wrong = client.delete("/api/v1/services")
    assert wrong.status_code == 405
    assert wrong["Content-Type"] == "application/problem+json"
    assert wrong["Allow"] == "GET"
    assert wrong.json()["type"].endswith("/method_not_allowed")
    in_chinese = client.delete("/api/v1/services", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert in_chinese.json()["title"] == "此处不支持该请求方法。"
    # A page outside the API keeps its HTML error page.
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]
