"""The top layer wires a completed application to a review invitation (grievances)."""

from __future__ import annotations

from typing import Any

from onewindow.applications import services
from onewindow.applications.models import ApplicationStatus, StepStatus
from onewindow.grievances.models import ReviewInvitation
from tests.applications import factories
from tests.identity.factories import citizen


def test_a_completed_application_asks_its_applicant_for_a_review(
    divisions: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    applicant = citizen(divisions["community"])
    application = factories.file(applicant, versions[factories.BIRTH], factories.BIRTH_FORM)

    with django_capture_on_commit_callbacks(execute=True):
        for _round in range(10):
            step = application.steps.filter(status=StepStatus.OPEN).first()
            if step is None:
                break
            holder = factories.officer(step.department, step.role)
            step = services.claim_step(holder, step, version=step.version)
            services.approve_step(holder, step, version=step.version, note="ok")
    application.refresh_from_db()

    assert application.status == ApplicationStatus.APPROVED
    invitation = ReviewInvitation.objects.get(user=applicant, subject_ref=application.ref)
    assert invitation.department.kind == "public_security"
    assert applicant.messages.filter(event="review_requested").exists()
