"""Elder-friendly mode: remembered per user (profile) and per browser (cookie); text from
outside checked once for every view; the rate-limit page; what only pages need (their content
security policy, messages, elder mode) skipped for calls of programs."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CSPMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.core import text_input
from onewindow.core.errors import problem
from onewindow.core.problem_json import render_problem
from onewindow.core.ratelimit import RateLimited
from onewindow.grievances import open311

ELDER_COOKIE = "onewindow_elder"

# What programs call: the JSON API (but for its docs page, a page people read) and the
# exchange's signed calls. Their answers are never pages, so the middleware below that only
# pages need lets them pass; authentication, CSRF, the second factor, the language of
# problem documents and the input checks stay the same for them.
MACHINE_PREFIXES = ("/api/", "/exchange/v1/")
# Every machine answer's policy: nothing in a JSON or JOSE answer may load or frame anything.
MACHINE_POLICY = "default-src 'none'; frame-ancestors 'none'"


@cache
def _pages_among_machine_paths() -> frozenset[str]:
    return frozenset({reverse("api:openapi-view")})


def is_machine_call(request: HttpRequest) -> bool:
    return request.path_info.startswith(MACHINE_PREFIXES) and (
        request.path not in _pages_among_machine_paths()
    )


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY), built for every page; a machine
    answer gets the fixed MACHINE_POLICY instead of one built per request."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_machine_call(request):
            super().process_request(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if is_machine_call(request):
            response.headers.setdefault(CSP_HEADER, MACHINE_POLICY)
            return response
        return super().process_response(request, response)


class PageMessageMiddleware(MessageMiddleware):
    """Django's messages (shown once on the next page), for pages only: no machine call adds
    or shows one."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_machine_call(request):
            super().process_request(request)


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
        if not is_machine_call(request):
            request.elder_mode = elder_mode_for(request)  # type: ignore[attr-defined]
        return self.get_response(request)


# Query strings and paths are one line; form and JSON bodies may hold tab, newline and CR.
MAX_REPORTED = 20
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PlainInputMiddleware:
    """The one door for text from outside: a path, query parameter, form field, uploaded
    file's name or JSON string (keys included) holding a lone surrogate or a control
    character is refused before any view runs, so nothing is half written and no database
    or encoder meets it. Each refused field is named with its rule, in the answer's own
    format: problem+json under /api/, Open311's error list under /open311/, a page
    elsewhere. See `core.text_input`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errors = _refused_fields(request)
        if errors:
            return _refuse(request, errors[:MAX_REPORTED])
        return self.get_response(request)


def _field_name(name: str) -> str:
    shown = text_input.xml_text(name)  # a field's name may itself be what was refused
    return shown if len(shown) <= 60 else shown[:59] + "…"


def _refused_fields(request: HttpRequest) -> list[tuple[str, str, str]]:
    try:
        return _refused_text(request)
    except RequestDataTooBig:
        return [("body", "too_large", str(_("The request is too large.")))]
    except (SuspiciousOperation, BadRequest, MultiPartParserError):
        return [("body", "malformed", str(_("The request body could not be read.")))]


def _refused_text(request: HttpRequest) -> list[tuple[str, str, str]]:
    errors: list[tuple[str, str, str]] = []

    def check(field: str, value: str, *, multiline: bool) -> None:
        found = text_input.refusal(value, multiline=multiline)
        if found is not None:
            name = _field_name(field)
            errors.append((name, found.code, found.message(name)))

    check("path", request.path, multiline=False)
    for header, value in request.headers.items():
        # Servers decode header bytes as Latin-1, so UTF-8 in a header looks like C1
        # controls: only the C0 controls are refused there (HTTP forbids them too).
        if any(ord(character) < 0x20 and character != "\t" for character in value):
            check(header, value, multiline=False)
    for key, values in request.GET.lists():
        check(key, key, multiline=False)
        for value in values:
            check(key, value, multiline=False)
    content_type = request.content_type or ""
    if request.method in ("POST", "PUT", "PATCH") and content_type in FORM_TYPES:
        for key, values in request.POST.lists():
            check(key, key, multiline=False)
            for value in values:
                check(key, value, multiline=True)
        for key, files in request.FILES.lists():
            for upload in files:
                check(key, upload.name or "", multiline=False)
    elif (content_type == "application/json" or content_type.endswith("+json")) and request.body:
        try:
            document = text_input.parse_json(request.body)
        except ValueError:
            return [("body", "not_json", str(_("The body is not valid JSON.")))]
        for path, found in text_input.refusals_in_json(document):
            name = _field_name(path)
            errors.append((name, found.code, found.message(name)))
    return errors


def _refuse(request: HttpRequest, errors: list[tuple[str, str, str]]) -> HttpResponse:
    if request.path.startswith("/api/"):
        document = problem(
            status=422,
            code="validation",
            title=_("The request is not valid."),
            errors=[{"field": f, "code": code, "message": m} for f, code, m in errors],
            instance=text_input.xml_text(request.path),
        )
        return render_problem(document)
    if request.path.startswith("/open311/"):
        return open311.refused_input(request, [message for _field, _code, message in errors])
    return render(
        request, "errors/refused_input.html", {"status": 400, "errors": errors}, status=400
    )


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
