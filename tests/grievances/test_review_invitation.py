"""Grievances listens to `application_completed` itself: a completed application invites a
review, with nothing in between (no top-layer wiring)."""

from __future__ import annotations

from typing import Any

from onewindow.applications import services
from onewindow.applications.models import ApplicationStatus, StepStatus
from onewindow.applications.signals import application_completed
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


def test_grievances_listens_to_the_signal_itself_and_reads_only_plain_values(
    divisions: dict[str, Any],
) -> None:
    departments = factories.departments(divisions)
    versions = factories.catalogue()
    applicant = citizen(divisions["community"])
    # Only the signal and no Application at all: the receiver grievances connected reads the
    # plain values (robustly sent: applications' own receivers need the application).
    application_completed.send_robust(
        sender=object,
        applicant=applicant,
        subject_ref="330106-20261201-000001",
        item_version=versions[factories.BIRTH],
        department=departments["330106-public_security"],
    )

    invitation = ReviewInvitation.objects.get(user=applicant, subject_ref="330106-20261201-000001")
    assert invitation.department == departments["330106-public_security"]
    assert invitation.service_name == versions[factories.BIRTH].name_zh  # no language: Chinese
