"""The ledger's URLs plus stand-ins for the names the shared layout links to, so the page
renders in `web/base.html` without importing every other app's views."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def elsewhere(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


web_patterns = (
    [
        path("", elsewhere, name="home"),
        path("language/", elsewhere, name="set-language"),
        path("elder-mode/", elsewhere, name="set-elder-mode"),
    ],
    "web",
)
identity_patterns = (
    [
        path(f"{name}/", elsewhere, name=name)
        for name in (
            "sign-in",
            "sign-out",
            "register-citizen",
            "profile",
            "officer-home",
            "assist-start",
            "assist-stop",
        )
    ],
    "identity",
)

catalog_patterns = ([path("services/", elsewhere, name="search")], "catalog")
applications_patterns = (
    [path(f"{name}/", elsewhere, name=name) for name in ("mine", "queue")],
    "applications",
)
grievances_patterns = ([path("hotline/", elsewhere, name="home")], "grievances")
transparency_patterns = ([path("open-data/", elsewhere, name="list")], "transparency")

credentials_patterns = (
    [path(f"{name}/", elsewhere, name=name) for name in ("verify", "wallet")],
    "credentials",
)

urlpatterns = [
    path("", include(credentials_patterns)),
    path("", include(catalog_patterns)),
    path("", include(grievances_patterns)),
    path("", include(transparency_patterns)),
    path("", include(applications_patterns)),
    path("", include(web_patterns)),
    path("account/", include(identity_patterns)),
    path("ledger/", include("onewindow.ledger.urls")),
]
