"""One URL root per app (docs/ARCHITECTURE.md, "URL roots"; tests/architecture/
test_url_roots.py). Only the page shell is at the root, with the few addresses a standard
or a printed licence fixes there. Addresses that moved answer 301 to where they are now."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import get_script_prefix, include, path, re_path
from django.utils.encoding import escape_uri_path

from onewindow.config.api import api
from onewindow.credentials import urls as credentials_urls
from onewindow.identity.oidc import urls as oidc_urls


class Moved:
    """A permanent redirect (301) from an old address to the same place under its new root,
    query string kept: bookmarks, links in old notices and mails keep working."""

    def __init__(self, root: str) -> None:
        self.root = root

    def __call__(
        self, request: HttpRequest, rest: str = "", **kwargs: Any
    ) -> HttpResponsePermanentRedirect:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(
            f"{get_script_prefix()}{self.root}{escape_uri_path(rest)}"
            + (f"?{query}" if query else "")
        )


# Old address -> new root. The rest of the path follows unchanged.
MOVED = {
    "work/": "applications/work/",
    "data/": "exchange/",
    "credit/": "exchange/credit/",
    "wallet/": "credentials/wallet/",
    "verify/": "credentials/verify/",
}

urlpatterns = [
    # First: the most called root, found without trying the page shell's patterns before it.
    path("api/v1/", api.urls),
    path("", include("onewindow.web.urls")),
    path("account/", include("onewindow.identity.urls")),
    path("o/", include("onewindow.identity.oidc.urls")),
    path("", include((oidc_urls.well_known, "oidc"))),
    path("services/", include("onewindow.catalog.urls")),
    path("applications/", include("onewindow.applications.urls")),
    path("inbox/", include("onewindow.notify.urls")),
    path("ledger/", include("onewindow.ledger.urls")),
    path("exchange/v1/", include("onewindow.exchange.urls")),
    path("exchange/credit/", include("onewindow.exchange.credit.urls")),
    path("exchange/", include("onewindow.exchange.page_urls")),
    path("credentials/", include("onewindow.credentials.urls")),
    path("", include((credentials_urls.at_root, "credentials-at-root"))),
    path("hotline/", include("onewindow.grievances.urls")),
    path("alerts/", include("onewindow.alerts.urls")),
    path("payments/", include("onewindow.payments.urls")),
    path("appointments/", include("onewindow.appointments.urls")),
    path("tax/", include("onewindow.etax.urls")),
    path("rural/", include("onewindow.rural.urls")),
    path("assistant/", include("onewindow.assistant.urls")),
    path("open-data/", include("onewindow.transparency.urls")),
    path("supervision/", include("onewindow.supervision.urls")),
    path("api/", include("onewindow.transparency.ckan_urls")),
    path("insights/", include("onewindow.insights.urls")),
    path("city/", include("onewindow.cityops.urls")),
    path("open311/v2/", include("onewindow.grievances.open311_urls")),
    *(re_path(rf"^{old}(?P<rest>.*)$", Moved(new)) for old, new in MOVED.items()),
]

handler400 = "onewindow.web.errors.bad_request"
handler403 = "onewindow.web.errors.forbidden"
handler404 = "onewindow.web.errors.not_found"
handler500 = "onewindow.web.errors.server_error"
