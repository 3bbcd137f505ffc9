"""What the hotline's pages share: showing a refused use case on its form, saving a rating
form, the 429 page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
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


def saved_rating(
    request: HttpRequest, form: forms.Form, record: Callable[..., object], thanks: str
) -> HttpResponse | None:
    """A posted rating form (level, tags, comment) handed to `record`: the thanks and a
    redirect back when it is recorded; None when the page is to be shown (a GET, an invalid
    form, or a refusal now shown on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        record(
            level=form.cleaned_data["level"],
            tags=form.cleaned_data["tags"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as error:
        show_refusal(form, error)
        return None
    messages.success(request, thanks)
    return HttpResponseRedirect(request.path)


def rate_limited_page(
    request: HttpRequest, error: RateLimited, template: str, context: dict[str, Any]
) -> HttpResponse:
    context = {**context, "rate_limited": str(error)}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.params.get("retry_after", 3600))
    return response
