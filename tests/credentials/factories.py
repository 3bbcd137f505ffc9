"""Credentials issued the way the platform issues them: an application approved end to end."""

from __future__ import annotations

from typing import Any

from onewindow.applications import issuing, services
from onewindow.applications.models import Application, ApplicationStatus
from onewindow.catalog.models import ServiceItemVersion
from onewindow.credentials.models import Credential
from onewindow.identity.models import User
from tests.applications import factories


def approve_all(application: Application) -> Application:
    """Every step approved by an officer of its department, until the application is done."""
    for _round in range(10):
        application.refresh_from_db()
        if application.status != ApplicationStatus.IN_PROGRESS:
            break
        for step in application.steps.filter(status="open"):
            holder = factories.officer(step.department, step.role)
            step = services.claim_step(holder, step, version=step.version)
            services.approve_step(holder, step, version=step.version, note="ok")
    application.refresh_from_db()
    return application


def issued(
    applicant: User, version: ServiceItemVersion, form: dict[str, Any], **extra: Any
) -> Credential:
    application = approve_all(factories.file(applicant, version, form, **extra))
    assert application.status == ApplicationStatus.APPROVED
    credential = issuing.issue_for(application)
    assert credential is not None
    return credential
