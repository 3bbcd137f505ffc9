"""Domain errors and their RFC 9457 problem+json form.

Services raise `DomainError` subclasses with a stable `code` and a translatable message;
the API edge turns them into problem documents, pages show the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise

PROBLEM_TYPE_BASE = "https://onewindow.example/problems/"
# The OpenAPI extension through which an operation names the problem statuses it can answer
# beyond those the API edge documents for every operation of its kind (config.api_edge).
PROBLEMS_EXTENSION = "x-problems"


class DomainError(Exception):
    """A use case refused: `code` is stable, `message` is shown to the person."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.params = dict(params or {})

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def response_headers(self) -> dict[str, str]:
        """Headers its HTTP answer carries besides the problem document (core.problem_json)."""
        retry_after = self.params.get("retry_after")
        if self.status == 429 and isinstance(retry_after, int):
            return {"Retry-After": str(retry_after)}
        return {}


class Unauthenticated(DomainError):
    """Nobody is signed in (or the session does not count): sign in first."""

    status = 401
    code = "unauthenticated"

    def response_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="OneWindow"'}


class NotFound(DomainError):
    """Missing or not yours: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


def problem(
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[dict[str, str]] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """An RFC 9457 problem document; `errors` lists the fields that failed and why."""
    document: dict[str, Any] = {"type": PROBLEM_TYPE_BASE + code, "title": title, "status": status}
    if detail:
        document["detail"] = detail
    if instance:
        document["instance"] = instance
    if errors:
        document["errors"] = errors
    return document


def problem_from_error(error: DomainError, *, instance: str | None = None) -> dict[str, Any]:
    """The problem document of a domain error: per-field `errors` when the error carries
    them (a form breaking its schema), and the `current` state of what a 409 refers to."""
    per_field = error.params.get("errors")
    if isinstance(per_field, Mapping):
        errors = [
            {"field": str(field), "code": error.code, "message": str(message)}
            for field, message in per_field.items()
        ]
    elif error.field:
        errors = [{"field": error.field, "code": error.code, "message": str(error)}]
    else:
        errors = None
    document = problem(
        status=error.status,
        code=error.code,
        title=str(error),
        detail=str(error),
        errors=errors,
        instance=instance,
    )
    if "current" in error.params:
        document["current"] = error.params["current"]
    return document


def documented_problems(*statuses: int) -> dict[str, Any]:
    """The `openapi_extra` of an operation that can also answer these problem statuses,
    e.g. `documented_problems(429)` where a flood limit applies."""
    return {PROBLEMS_EXTENSION: list(statuses)}
