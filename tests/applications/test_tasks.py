"""The worker's tick and the notices the engine sends."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.applications import services
from onewindow.applications.models import Step
from onewindow.applications.tasks import tick
from onewindow.core.models import Division
from onewindow.ledger.models import TreeHead
from onewindow.ledger.tasks import tick as ledger_tick
from onewindow.notify.models import Message
from tests.applications import factories
from tests.identity.factories import citizen


def test_tick_escalates_overdue_steps_tells_the_supervisor_and_the_ledger_tick_integrates(
    divisions: dict[str, Division],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    departments = factories.departments(divisions)
    versions = factories.catalogue()
    applicant = citizen(divisions["community"])
    with django_capture_on_commit_callbacks(execute=True):
        application = factories.file(applicant, versions[factories.BIRTH], factories.BIRTH_FORM)
    admin = factories.officer(departments["330106-public_security"], "department_admin")
    Step.objects.filter(application=application).update(due_at=timezone.now() - timedelta(hours=1))

    result = tick.enqueue().return_value
    integrated = ledger_tick.enqueue().return_value

    assert result is not None
    assert integrated is not None
    assert result["escalated"] == 1
    assert "ledger_size" not in result  # the ledger has its own tick
    assert integrated["ledger_size"] >= 1
    assert TreeHead.objects.get().size >= 1
    notice = Message.objects.get(recipient=admin, event="step_escalated")
    assert application.ref in notice.body


def test_the_applicant_hears_about_receipt_supplements_and_the_decision_in_their_language(
    divisions: dict[str, Division],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    applicant = citizen(divisions["community"])
    applicant.preferred_language = "zh-hans"
    applicant.save()
    application = factories.file(applicant, versions[factories.BIRTH], factories.BIRTH_FORM)
    step = application.steps.get()
    officer = factories.officer(step.department)
    step = services.claim_step(officer, step, version=step.version)
    services.request_supplements(
        officer, step, version=step.version, items=[{"key": "", "reason": "请补充户口簿首页"}]
    )
    application.refresh_from_db()
    services.provide_supplements(applicant, application, version=application.version)
    step.refresh_from_db()
    services.reject_step(officer, step, version=step.version, reasons="出生医学证明编号不符")

    events = list(
        Message.objects.filter(recipient=applicant).order_by("pk").values_list("event", flat=True)
    )
    assert events == ["application_received", "supplement_requested", "application_rejected"]
    supplement = Message.objects.get(recipient=applicant, event="supplement_requested")
    assert "请补充户口簿首页" in supplement.body
    assert "出生登记" in supplement.body  # the service's name in the applicant's language
    rejected = Message.objects.get(recipient=applicant, event="application_rejected")
    assert "出生医学证明编号不符" in rejected.body


def test_pickup_results_also_say_they_are_ready(divisions: dict[str, Division]) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    applicant = citizen(divisions["community"])
    card = versions[factories.SOCIAL_SECURITY_CARD]
    application = factories.file(applicant, card, {"bank": "icbc"}, delivery="pickup")
    step = application.steps.get()
    officer = factories.officer(step.department)
    step = services.claim_step(officer, step, version=step.version)
    services.approve_step(officer, step, version=step.version)

    events = set(Message.objects.filter(recipient=applicant).values_list("event", flat=True))
    assert {"application_approved", "ready_for_pickup"} <= events
