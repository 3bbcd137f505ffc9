"""The ledger under /ledger/: the JSON API, and the C2SP checkpoint and tiles as files."""

from __future__ import annotations

from typing import Any

from django.urls import path, re_path
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from onewindow.core.errors import problem
from onewindow.core.problem_json import field_errors, install_problem_json
from onewindow.ledger import views
from onewindow.ledger.api import router

# Its own NinjaAPI so the ledger serves the same paths whether or not /api/v1/ mounts it too.
api = NinjaAPI(
    title="OneWindow public ledger",
    version="1",
    description="RFC 9162 proofs and C2SP checkpoints. Errors are RFC 9457 problem+json.",
    urls_namespace="ledger_api",
)
api.add_router("/", router)


def _bad_query(error: NinjaValidationError) -> dict[str, Any]:
    errors = field_errors(error, default_field="query")
    fields = ", ".join(item["field"] for item in errors)
    return problem(status=400, code="ledger_bad_query", title=f"Invalid {fields}.", errors=errors)


install_problem_json(api, invalid_input=_bad_query)

# No app namespace: ninja reverses its own "ledger_api:" namespace from the root, so the page
# and file routes carry a "ledger-" prefix instead.
urlpatterns = [
    path("", views.public_page, name="ledger-public"),
    path("api/", api.urls),
    path("checkpoint", views.checkpoint, name="ledger-checkpoint"),
    re_path(
        r"^tile/entries/(?P<encoded>[0-9x/.p]+)$", views.entry_bundle, name="ledger-entry-bundle"
    ),
    re_path(
        r"^tile/(?P<level>[0-9]{1,2})/(?P<encoded>[0-9x/.p]+)$", views.tile, name="ledger-tile"
    ),
]
