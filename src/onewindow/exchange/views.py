"""The exchange's HTTP face: signed requests in, signed answers out, and the key registry.

Machine to machine: a request authenticates by its signature, not by a session, so these
views are exempt from CSRF and answer problem+json when they refuse.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from onewindow.core.errors import problem, problem_from_error
from onewindow.exchange import services, signing
from onewindow.exchange.models import DataService

JOSE = "application/jose"
MAX_REQUEST_BYTES = 16 * 1024


def _problem(document: dict[str, object]) -> HttpResponse:
    return HttpResponse(
        json.dumps(document, ensure_ascii=False),
        status=int(str(document["status"])),
        content_type="application/problem+json",
    )


@csrf_exempt
@require_POST
def exchange(request: HttpRequest, provider: str, service: str) -> HttpResponse:
    """POST /exchange/v1/{provider}/{service} with a compact JWS body."""
    found = (
        DataService.objects.select_related("provider")
        .filter(code=service, provider__code=provider)
        .first()
    )
    if found is None:
        return _problem(problem(status=404, code="not_found", title="No such data service."))
    if len(request.body) > MAX_REQUEST_BYTES:
        return _problem(problem(status=413, code="too_large", title="The request is too large."))
    result = services.answer(found, request.body.decode("ascii", errors="replace").strip())
    if result.problem is not None:
        document = problem_from_error(result.problem, instance=request.path)
        document["status"] = result.status
        return _problem(document)
    return HttpResponse(result.token, content_type=JOSE)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The registry of departments' public keys (RFC 7517 JWK Set)."""
    response = JsonResponse(signing.jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
