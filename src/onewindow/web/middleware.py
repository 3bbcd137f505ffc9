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


# Public, anonymous reads other sites may fetch from a browser (a district's map widget reads
# Open311 requests; anyone's page may check the ledger). `*` without
# Access-Control-Allow-Credentials: a browser never sends cookies with such a request nor
# lets a page read a signed-in answer, so nothing private can leak through it.
PUBLIC_READ_PREFIXES = ("/open311/v2/", "/ledger/api/", "/ledger/checkpoint", "/ledger/tile/")


class PublicReadCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and request.path.startswith(PUBLIC_READ_PREFIXES):
            response.setdefault("Access-Control-Allow-Origin", "*")
        return response
