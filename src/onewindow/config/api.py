"""The JSON API at /api/v1/: one NinjaAPI, RFC 9457 problem+json for every error."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from onewindow.applications.api import router as applications_router
from onewindow.applications.delivery.api import router as delivery_router
from onewindow.catalog.api import router as catalog_router
from onewindow.config.api_edge import PROBLEM_JSON, OneWindowAPI, VendoredSwagger, problem_response
from onewindow.core.api import router as core_router
from onewindow.core.errors import DomainError, problem, problem_from_error
from onewindow.credentials.api import router as credentials_router
from onewindow.exchange.api import router as exchange_router
from onewindow.exchange.credit.api import router as credit_router
from onewindow.grievances.api import router as grievances_router
from onewindow.identity.api import router as identity_router
from onewindow.identity.bearer import InsufficientScope, InvalidToken
from onewindow.notify.api import router as notify_router

__all__ = ["PROBLEM_JSON", "api", "problem_response"]

api = OneWindowAPI(
    title="OneWindow API",
    version="1",
    description="Government services behind one window. Errors are RFC 9457 problem+json.",
    urls_namespace="api",
    docs=VendoredSwagger(),
)
api.add_router("/", core_router)
api.add_router("/", identity_router)
api.add_router("/", catalog_router)
api.add_router("/", applications_router)
api.add_router("/", delivery_router)
api.add_router("/", notify_router)
api.add_router("/", exchange_router)
api.add_router("/", credit_router)
api.add_router("/", credentials_router)
api.add_router("/", grievances_router)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = problem_response(request, problem_from_error(error))
    retry_after = error.params.get("retry_after")
    if error.status == 429 and isinstance(retry_after, int):
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(InvalidToken)
def on_invalid_token(request: HttpRequest, error: InvalidToken) -> HttpResponse:
    response = problem_response(request, problem_from_error(error))
    response["WWW-Authenticate"] = f'Bearer error="invalid_token", error_description="{error}"'
    return response


@api.exception_handler(InsufficientScope)
def on_insufficient_scope(request: HttpRequest, error: InsufficientScope) -> HttpResponse:
    response = problem_response(request, problem_from_error(error))
    scope = error.params.get("scope", "")
    response["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{scope}"'
    return response


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in item.get("loc", ())[1:]) or "body",
            "code": str(item.get("type", "invalid")),
            "message": str(item.get("msg", "")),
        }
        for item in error.errors
    ]
    return problem_response(
        request,
        problem(status=422, code="validation", title=_("The request is not valid."), errors=errors),
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = problem_response(
        request, problem(status=401, code="unauthenticated", title=_("Sign in first."))
    )
    response["WWW-Authenticate"] = 'Bearer realm="OneWindow"'
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem_response(request, problem(status=404, code="not_found", title=_("Not found.")))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return problem_response(
        request, problem(status=error.status_code, code="http_error", title=str(error))
    )
