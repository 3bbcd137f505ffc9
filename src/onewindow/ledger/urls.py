"""The ledger under /ledger/: the JSON API, and the C2SP checkpoint and tiles as files."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, re_path
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from onewindow.core.errors import DomainError, problem, problem_from_error
from onewindow.ledger import views
from onewindow.ledger.api import router

PROBLEM_JSON = "application/problem+json"

# Its own NinjaAPI so the ledger serves the same paths whether or not /api/v1/ mounts it too.
api = NinjaAPI(
    title="OneWindow public ledger",
    version="1",
    description="RFC 9162 proofs and C2SP checkpoints. Errors are RFC 9457 problem+json.",
    urls_namespace="ledger_api",
)
api.add_router("/", router)


def _problem(request: HttpRequest, document: dict[str, Any]) -> HttpResponse:
    document.setdefault("instance", request.path)
    return HttpResponse(
        json.dumps(document, ensure_ascii=False),
        status=document["status"],
        content_type=PROBLEM_JSON,
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return _problem(request, problem_from_error(error))


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in item.get("loc", ())[1:]) or "query",
            "code": str(item.get("type", "invalid")),
            "message": str(item.get("msg", "")),
        }
        for item in error.errors
    ]
    fields = ", ".join(item["field"] for item in errors)
    return _problem(
        request,
        problem(status=400, code="ledger_bad_query", title=f"Invalid {fields}.", errors=errors),
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _problem(request, problem(status=404, code="not_found", title="Not found."))


# No app namespace: ninja reverses its own "ledger_api:" namespace from the root, so the page
# and file routes carry a "ledger-" prefix instead.
urlpatterns = [
    path("", views.public_page, name="ledger-public"),
    path("api/", api.urls),
    path("checkpoint", views.checkpoint, name="ledger-checkpoint"),
    re_path(
        r"^tile/entries/(?P<encoded>[0-9x/.p]+)$", views.entry_bundle, name="ledger-entry-bundle"
    ),
    re_path(
        r"^tile/(?P<level>[0-9]{1,2})/(?P<encoded>[0-9x/.p]+)$", views.tile, name="ledger-tile"
    ),
]
