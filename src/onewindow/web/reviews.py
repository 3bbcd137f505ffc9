"""Every completed application asks its applicant for a review (issue 7).

Applications and grievances sit on the same layer and may not import each other, so the
top layer connects `applications.signals.application_completed` to this function, which
hands grievances plain values (listed in docs/ARCHITECTURE.md)."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import translation

from onewindow.applications.models import Application
from onewindow.core.errors import DomainError
from onewindow.grievances import reviews
from onewindow.notify import services as notify

logger = logging.getLogger(__name__)


def invite_review_on_completion(sender: Any, *, application: Application, **kwargs: Any) -> None:
    """Runs after the approval committed: a failure is logged, never raised at the approver."""
    step = application.steps.filter(status="approved").order_by("-finished_at", "-pk").first()
    if step is None:
        return
    # The service's name as the applicant reads it: the invitation keeps it as text.
    with translation.override(notify.language_for(application.applicant)):
        service_name = application.item_version.name
    try:
        reviews.invite_review(
            application.applicant,
            subject_ref=application.ref,
            department=step.department,
            service_name=service_name,
        )
    except DomainError as refused:
        logger.warning("review invitation for %s not sent: %s", application.ref, refused)
