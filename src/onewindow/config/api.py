"""The JSON API at /api/v1/: one NinjaAPI, RFC 9457 problem+json for every error
(core.problem_json)."""

from __future__ import annotations

from onewindow.alerts.api import router as alerts_router
from onewindow.applications.api import router as applications_router
from onewindow.applications.delivery.api import router as delivery_router
from onewindow.appointments.api import router as appointments_router
from onewindow.assistant.api import router as assistant_router
from onewindow.catalog.api import router as catalog_router
from onewindow.cityops.api import router as cityops_router
from onewindow.config.api_edge import OneWindowAPI, VendoredSwagger
from onewindow.core.api import router as core_router
from onewindow.core.problem_json import install_problem_json
from onewindow.credentials.api import router as credentials_router
from onewindow.etax.api import router as etax_router
from onewindow.exchange.api import router as exchange_router
from onewindow.exchange.credit.api import router as credit_router
from onewindow.grievances.api import router as grievances_router
from onewindow.identity.api import router as identity_router
from onewindow.insights.api import router as insights_router
from onewindow.notify.api import router as notify_router
from onewindow.payments.api import router as payments_router
from onewindow.rural.api import router as rural_router
from onewindow.supervision.api import router as supervision_router
from onewindow.transparency.api import router as transparency_router

api = OneWindowAPI(
    title="OneWindow API",
    version="1",
    description="Government services behind one window. Errors are RFC 9457 problem+json.",
    urls_namespace="api",
    docs=VendoredSwagger(),
)
api.add_router("/", core_router)
api.add_router("/", identity_router)
api.add_router("/", catalog_router)
api.add_router("/", applications_router)
api.add_router("/", delivery_router)
api.add_router("/", notify_router)
api.add_router("/", exchange_router)
api.add_router("/", credit_router)
api.add_router("/", credentials_router)
api.add_router("/", grievances_router)
api.add_router("/", alerts_router)
api.add_router("/", payments_router)
api.add_router("/", appointments_router)
api.add_router("/", etax_router)
api.add_router("/", rural_router)
api.add_router("/", assistant_router)
api.add_router("/", insights_router)
api.add_router("/", transparency_router)
api.add_router("/", supervision_router)
api.add_router("/", cityops_router)

install_problem_json(api)
