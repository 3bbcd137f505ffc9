"""What the JSON API does once, at its edge, for every operation:

- the OpenAPI document lists each operation's RFC 9457 problem answers (one `ProblemDetails`
  schema, `application/problem+json`), derived from what the operation is: signed-in
  operations may answer 401 and 403; operations on a path parameter or with a body 404;
  operations with input 422 (it breaks the schema); writes 400 (a rule of the service) and
  409 (the state moved on). An operation that can answer more (a read refusing its query
  with 400, a 429 for a flood) says so with `core.errors.documented_problems(...)`;
- an unknown path or a wrong method under /api/v1/ is a problem document too (404; 405 with
  `Allow`), not the site's HTML error page;
- the docs page at /api/v1/docs loads Swagger UI from our own static files (vendored in
  web/static/vendor/swagger-ui), so our CSP lets it run: no CDN, no inline script.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase
from ninja.openapi.schema import OpenAPISchema

from onewindow.core.errors import PROBLEMS_EXTENSION, problem
from onewindow.core.problem_json import PROBLEM_JSON, problem_response

WRITE_METHODS = {"post", "put", "patch", "delete"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetails",
    "description": (
        "An RFC 9457 problem document. `type` ends with the stable error code; `errors` "
        "names each field that failed and why; a 409 carries the `current` state."
    ),
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemFieldError"}},
        "current": {"description": "The state a conflict refers to, as it is now."},
    },
}
FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemFieldError",
    "type": "object",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {"type": "string"},
        "code": {"type": "string"},
        "message": {"type": "string"},
    },
}
# What each status means here, for the document's readers.
PROBLEM_DESCRIPTIONS = {
    400: "The request was refused: a rule of the service is not met (problem+json).",
    401: "Sign in first, or send a valid bearer token (problem+json).",
    403: "Signed in, but not allowed: a role, scope, second factor or CSRF token is missing.",
    404: "Nothing here, or nothing of yours: the two are the same answer (problem+json).",
    409: "The state changed since you read it; `current` holds it as it is now.",
    422: "The request does not match the schema; `errors` names each field (problem+json).",
    429: "Too many attempts; `Retry-After` says when to try again (problem+json).",
}


def problem_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The problem statuses an operation of this kind can answer."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses: set[int] = set(operation.pop(PROBLEMS_EXTENSION, []))
    if operation.get("security"):
        statuses |= {401, 403}
    if has_body or any(parameter.get("in") == "path" for parameter in parameters):
        statuses.add(404)  # what the path or the body names is not there, or not yours
    if has_body or parameters:
        statuses.add(422)
    if method in WRITE_METHODS:
        statuses.add(400)  # a read refusing its query says so: documented_problems(400)
    if method in WRITE_METHODS:
        statuses.add(409)
    return statuses


def problem_answer(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": PROBLEM_DESCRIPTIONS.get(status, "A problem document."),
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    }
    if status == 401:
        answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if status == 429:
        answer["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return answer


def binary_parts_as_oas31(operation: dict[str, Any]) -> None:
    """A file part of a multipart body in OpenAPI 3.1 terms: its content is bytes, described
    by `contentMediaType` rather than `type: string` (which 3.1 validators hold to text)."""
    content = operation.get("requestBody", {}).get("content", {})
    for media_type in content.values():
        for part in media_type.get("schema", {}).get("properties", {}).values():
            if part.get("type") == "string" and part.get("format") == "binary":
                del part["type"]
                part["contentMediaType"] = "application/octet-stream"


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the problem answers to every operation of an OpenAPI document (in place)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ProblemDetails"] = PROBLEM_SCHEMA
    components["ProblemFieldError"] = FIELD_ERROR_SCHEMA
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            binary_parts_as_oas31(operation)
            answers = operation.setdefault("responses", {})
            for status in sorted(problem_statuses(method, operation)):
                answers.setdefault(status, problem_answer(status))
    return schema


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(request, problem(status=404, code="not_found", title=_("Not found.")))


def _problem_for_wrong_method(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @functools.wraps(view)  # keeps ninja's csrf_exempt mark
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "") != PROBLEM_JSON:
            refused = problem_response(
                request,
                problem(
                    status=405,
                    code="method_not_allowed",
                    title=_("This method is not allowed here."),
                ),
            )
            refused["Allow"] = response.get("Allow", "")
            return refused
        return response

    return answer


class VendoredSwagger(DocsBase):
    """Swagger UI from our static files; its settings travel in data attributes."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "web/api_docs.html",
            {"title": api.title, "openapi_url": self.get_openapi_url(api, kwargs)},
        )


class OneWindowAPI(NinjaAPI):
    """NinjaAPI with the edge above: problem answers documented, unknown paths and wrong
    methods answered with problem documents, the docs page from vendored files."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_problems(schema)
        return schema

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        answered: list[URLResolver | URLPattern] = []
        for entry in patterns:
            if isinstance(entry, URLPattern):
                # ninja's root view only raises Http404 (the site's HTML page): answer the
                # API's way, keeping the name ninja reverses to find the API's root path.
                view = (
                    api_not_found
                    if entry.name == "api-root"
                    else _problem_for_wrong_method(entry.callback)
                )
                entry = URLPattern(entry.pattern, view, entry.default_args, entry.name)
            answered.append(entry)
        answered.append(re_path(r"^(?P<rest>.*)$", api_not_found, name="not-found"))
        return answered, app_name, namespace
