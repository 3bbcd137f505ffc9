from django.urls import include, path

from onewindow.config.api import api
from onewindow.identity.oidc import urls as oidc_urls

urlpatterns = [
    path("", include("onewindow.web.urls")),
    path("account/", include("onewindow.identity.urls")),
    path("o/", include("onewindow.identity.oidc.urls")),
    path("", include((oidc_urls.well_known, "oidc"))),
    path("services/", include("onewindow.catalog.urls")),
    path("", include("onewindow.applications.urls")),
    path("api/v1/", api.urls),
    path("inbox/", include("onewindow.notify.urls")),
    path("ledger/", include("onewindow.ledger.urls")),
    path("exchange/v1/", include("onewindow.exchange.urls")),
    path("data/", include("onewindow.exchange.page_urls")),
    path("credit/", include("onewindow.exchange.credit.urls")),
    path("", include("onewindow.credentials.urls")),
    path("hotline/", include("onewindow.grievances.urls")),
    path("open311/v2/", include("onewindow.grievances.open311_urls")),
]

handler400 = "onewindow.web.errors.bad_request"
handler403 = "onewindow.web.errors.forbidden"
handler404 = "onewindow.web.errors.not_found"
handler500 = "onewindow.web.errors.server_error"
