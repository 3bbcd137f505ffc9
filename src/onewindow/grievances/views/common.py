"""What the hotline's pages share: showing a refused use case on its form, the 429 page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onewindow.core.errors import DomainError
from onewindow.core.ratelimit import RateLimited


def show_refusal(form: Any, error: DomainError) -> None:
    per_field = error.params.get("errors")
    if isinstance(per_field, dict):
        for name, message in per_field.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(error.field if error.field in form.fields else None, str(error))


def rate_limited_page(
    request: HttpRequest, error: RateLimited, template: str, context: dict[str, Any]
) -> HttpResponse:
    context = {**context, "rate_limited": str(error)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.params.get("retry_after", 3600))
    return response
