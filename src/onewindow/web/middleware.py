"""Elder-friendly mode (remembered per user and per browser) and the rate-limit page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onewindow.core.ratelimit import RateLimited

ELDER_COOKIE = "onewindow_elder"


def elder_mode_for(request: HttpRequest) -> bool:
    cookie = request.COOKIES.get(ELDER_COOKIE)
    if cookie is not None:
        return cookie == "1"
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.prefers_elder_mode)


class ElderModeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.elder_mode = elder_mode_for(request)  # type: ignore[attr-defined]
        return self.get_response(request)


class RateLimitedMiddleware:
    """A page view refused by a rate limit (core.ratelimit.RateLimited) gets the localised
    429 page with Retry-After; the API answers problem+json in its own handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        return rate_limited_page(request, exception)


def rate_limited_page(request: HttpRequest, error: RateLimited) -> HttpResponse:
    response = render(
        request, "errors/error.html", {"status": 429, "message": str(error)}, status=429
    )
    response["Retry-After"] = str(error.params.get("retry_after", 60))
    return response
