"""Only the ledger's URLs, mounted where the project mounts them, so these tests do not depend
on every other app's URLs importing cleanly."""

from django.urls import include, path

urlpatterns = [path("ledger/", include("onewindow.ledger.urls"))]
