"""Error pages in the shell's layout, in the visitor's language, never a stack trace.

`server_error` is the one place that answers for an outage of the parts around the platform
(the database or Redis away, `core.outages.is_outage`): 503 with `Retry-After`, as
problem+json for machine clients and a bilingual page for people. Django calls it for any
exception that escapes a view or a middleware, so nothing else needs to catch these.
"""

from __future__ import annotations

import sys

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.core.errors import problem
from onewindow.core.outages import is_outage
from onewindow.core.problem_json import render_problem

# How long a client should wait before trying again; the database pool gives up reconnect
# attempts after 10 s, so a retry after this finds it again if it is back.
RETRY_AFTER_SECONDS = 10
# Paths that programs call: their errors are problem+json (RFC 9457), not pages.
MACHINE_PATHS = (
    "/api/",
    "/o/token/",
    "/o/userinfo/",
    "/o/introspect/",
    "/o/revoke_token/",
    "/o/.well-known/",
    "/exchange/v1/",
    "/open311/",
    "/credentials/status/",
    "/healthz",
    "/readyz",
)
LANGUAGE_NAMES = {"zh-hans": "zh-Hans", "en": "en"}


def _page(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "errors/error.html", {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, 400)


def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, 403)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if error is not None and is_outage(error):
        return unavailable(request)
    return _page(request, 500)


def wants_problem_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith(MACHINE_PATHS) or (
        "json" in accept and "text/html" not in accept
    )


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, rendered without the database (it may be what is away)."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if wants_problem_json(request):
            document = problem(
                status=503,
                code="unavailable",
                title=_("The service is briefly unavailable."),
                detail=_("Nothing was lost. Try again in %(seconds)s seconds.")
                % {"seconds": RETRY_AFTER_SECONDS},
                instance=request.path,
            )
            response = render_problem(document)
        else:
            response = HttpResponse(
                render_to_string("errors/unavailable.html", _unavailable_context(language)),
                status=503,
            )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response


def _unavailable_context(language: str) -> dict[str, object]:
    """The page's words in the visitor's language first, then in the other one."""
    versions = []
    for code in [language, *(other for other in LANGUAGE_NAMES if other != language)]:
        with translation.override(code):
            versions.append(
                {
                    "lang": LANGUAGE_NAMES.get(code, code),
                    "title": _("The service is briefly unavailable"),
                    "text": _(
                        "Nothing you sent before this page is lost. Please try again in a "
                        "minute; this page does not need to be reloaded more often."
                    ),
                    "again": _("Try again"),
                }
            )
    try:  # a missing static manifest must not turn this page into a 500
        stylesheet = staticfiles_storage.url("vendor/uswds/css/uswds.min.css")
    except ValueError:
        stylesheet = ""
    return {"versions": versions, "stylesheet": stylesheet}
