"""RFC 9457 problem+json at the edge of every JSON API, in one place.

`install_problem_json(api)` gives a NinjaAPI its exception handlers: a domain error
(`core.errors.DomainError`) becomes its problem document with the headers it asks for
(`Retry-After`, `WWW-Authenticate`); a request breaking the schema a 422 naming each field;
no session or token a 401; `Http404` a 404; ninja's `HttpError` its status. The JSON API at
/api/v1/ and the ledger's API install it; plain views (the exchange's signed endpoint, the
middlewares) answer with `render_problem`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from onewindow.core.errors import DomainError, Unauthenticated, problem, problem_from_error

PROBLEM_JSON = "application/problem+json"

# What a request that breaks the schema answers: the problem document for its errors.
InvalidInput = Callable[[NinjaValidationError], dict[str, Any]]


def render_problem(document: dict[str, Any]) -> HttpResponse:
    """The HTTP answer of a problem document, with its status."""
    return HttpResponse(
        json.dumps(document, ensure_ascii=False),
        status=int(document["status"]),
        content_type=PROBLEM_JSON,
    )


def problem_response(request: HttpRequest, document: dict[str, Any]) -> HttpResponse:
    """`render_problem`, the document naming the request's path as its `instance`."""
    document.setdefault("instance", request.path)
    return render_problem(document)


def error_response(
    request: HttpRequest, error: DomainError, document: dict[str, Any] | None = None
) -> HttpResponse:
    """The answer to a domain error: its problem document (`document` when given) and the
    headers it asks for."""
    response = problem_response(request, document or problem_from_error(error))
    for name, value in error.response_headers().items():
        response[name] = value
    return response


def field_errors(error: NinjaValidationError, *, default_field: str) -> list[dict[str, str]]:
    """Each field a request got wrong, as `errors` of a problem document."""
    return [
        {
            "field": ".".join(str(part) for part in item.get("loc", ())[1:]) or default_field,
            "code": str(item.get("type", "invalid")),
            "message": str(item.get("msg", "")),
        }
        for item in error.errors
    ]


def invalid_request(error: NinjaValidationError) -> dict[str, Any]:
    return problem(
        status=422,
        code="validation",
        title=_("The request is not valid."),
        errors=field_errors(error, default_field="body"),
    )


def install_problem_json(api: NinjaAPI, *, invalid_input: InvalidInput = invalid_request) -> None:
    """Answer every error of `api` as problem+json; `invalid_input` words a request that
    breaks the schema (a 422 naming each field unless the API says otherwise)."""

    def on_domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
        return error_response(request, error)

    def on_validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
        return problem_response(request, invalid_input(error))

    def on_unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        refusal = Unauthenticated(_("Sign in first."))
        return error_response(
            request, refusal, problem(status=401, code=refusal.code, title=str(refusal))
        )

    def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return problem_response(
            request, problem(status=404, code="not_found", title=_("Not found."))
        )

    def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        return problem_response(
            request, problem(status=error.status_code, code="http_error", title=str(error))
        )

    api.exception_handler(DomainError)(on_domain_error)
    api.exception_handler(NinjaValidationError)(on_validation_error)
    api.exception_handler(AuthenticationError)(on_unauthenticated)
    api.exception_handler(Http404)(on_not_found)
    api.exception_handler(HttpError)(on_http_error)
