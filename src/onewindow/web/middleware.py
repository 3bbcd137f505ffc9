"""Elder-friendly mode: remembered per user (profile) and per browser (cookie)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
