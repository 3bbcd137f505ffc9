"""The shell's own pages: home, language and elder-mode switches, health checks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_GET, require_POST

from onewindow.alerts.selectors import banner_for
from onewindow.applications.models import TERMINAL_APPLICATION_STATUSES
from onewindow.applications.selectors import applications_of
from onewindow.catalog import selectors as catalog_selectors
from onewindow.exchange import selectors as exchange_selectors
from onewindow.identity import selectors as identity_selectors
from onewindow.identity import services as identity_services
from onewindow.identity.models import User
from onewindow.web import portal
from onewindow.web.middleware import ELDER_COOKIE

COOKIE_AGE = 365 * 24 * 3600


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal's home: search, life-event tiles, hot services, services by department and
    level, and where the person left off; the elder version shows its six services instead."""
    elder = getattr(request, "elder_mode", False)
    open_applications = None
    continuing = None
    if isinstance(request.user, User):
        mine = applications_of(request.user)
        if mine.exists():
            open_applications = mine.exclude(status__in=TERMINAL_APPLICATION_STATUSES).count()
        continuing = portal.left_off(request.user)
    # Alerts in force where the resident lives or named a place: shown until they expire.
    alerts = banner_for(request.user) if isinstance(request.user, User) else []
    return render(
        request,
        "web/home.html",
        {
            "life_event_tiles": portal.life_event_tiles(),
            "elder_tiles": portal.elder_tiles() if elder else [],
            "catalogue": None if elder else portal.catalogue_overview(),
            "open_applications": open_applications,
            "continuing": continuing,
            "alerts": alerts,
        },
    )


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Services whose names or synonyms match what is typed so far, as the options of the
    search box's list (htmx asks as the person types; without script the box is a plain
    search and its list holds the hot services)."""
    query = request.GET.get("q", "")[:100]
    items = portal.suggestions(query) if query.strip() else []
    return render(request, "web/suggestions.html", {"items": items})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language for this browser, and remember it on the account when signed in."""
    response = HttpResponseRedirect(_safe_next(request))
    language = request.POST.get("language", "")
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    if request.user.is_authenticated:
        identity_services.set_preferences(request.user, language=language)
    return response


@require_POST
def set_elder_mode(request: HttpRequest) -> HttpResponse:
    """Turn elder-friendly mode on or off for this browser and, when signed in, the account."""
    enabled = request.POST.get("enabled") == "1"
    response = HttpResponseRedirect(_safe_next(request))
    response.set_cookie(
        ELDER_COOKIE,
        "1" if enabled else "0",
        max_age=COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    if request.user.is_authenticated:
        identity_services.set_preferences(request.user, elder_mode=enabled)
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_required
@require_GET
def who_read_my_data(request: HttpRequest) -> HttpResponse:
    """Everyone who read the person's data, or their businesses' data: officers opening
    application materials or hotline contact details, sites and apps receiving the full ID
    number, departments fetching records through the exchange, clerks looking them up at a
    hall. The same accesses as GET /api/v1/my-data/accesses, each with its ledger entry."""
    assert isinstance(request.user, User)
    accesses = identity_selectors.accesses_about(request.user)
    purposes = {
        item.code: item.current_version.name
        for item in catalog_selectors.published_items().filter(
            code__in={access.purpose for access in accesses if access.purpose}
        )
        if item.current_version is not None
    }
    return render(
        request,
        "web/who_read_my_data.html",
        {
            "accesses": [
                (access, purposes.get(access.purpose, access.purpose)) for access in accesses
            ],
            "reports": list(exchange_selectors.reports_by(request.user)[:50]),
        },
    )
