"""The records audit against someone who edits the database directly, as an attacker would:
filings, decisions and issued credentials are checked against the ledger both ways."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.applications import audit, services, tasks
from onewindow.applications.models import Application, ApplicationStatus, Step, Transition
from onewindow.core.models import Division
from onewindow.credentials import services as credential_services
from onewindow.credentials.models import Credential
from onewindow.identity.models import User
from onewindow.ledger import tasks as ledger_tasks
from onewindow.ledger.models import AuditKind, AuditRun, LedgerEntry
from onewindow.notify.models import Message
from tests.applications import factories
from tests.applications.factories import World
from tests.credentials.factories import approve_all, issued
from tests.identity import factories as identity_factories
from tests.identity.factories import citizen


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _applicant(world: World) -> User:
    return citizen(world["divisions"]["community"])


def _filed(world: World) -> Application:
    return factories.file(
        _applicant(world), world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )


def _rejected(world: World) -> tuple[Application, Step]:
    application = factories.file(
        _applicant(world), world["versions"][factories.COMPANY], factories.COMPANY_FORM
    )
    step = application.steps.get(key="registration")
    holder = factories.officer(step.department)
    step = services.claim_step(holder, step, version=step.version)
    services.reject_step(holder, step, version=step.version, reasons="The name is taken.")
    application.refresh_from_db()
    return application, step


def _text(findings: Iterable[object]) -> str:
    return "\n".join(str(finding) for finding in findings)


def test_filings_decisions_and_credentials_made_by_the_services_audit_clean(world: World) -> None:
    _filed(world)
    _rejected(world)
    licence = issued(
        _applicant(world), world["versions"][factories.COMPANY], factories.COMPANY_FORM
    )
    approver = factories.officer(licence.issuer, "approver")
    credential_services.change_status(approver, licence, to="suspended", reason="检查期间暂停使用")

    findings = audit.audit_records()

    assert findings == [], _text(findings)
    call_command("audit_decisions")
    assert AuditRun.objects.get(kind=AuditKind.RECORDS).is_clean


def test_the_filing_is_in_the_ledger_as_digests_and_the_receipt_shows_its_index(
    world: World,
) -> None:
    application = _filed(world)

    assert application.filed_ledger_index is not None
    entry = LedgerEntry.objects.get(index=application.filed_ledger_index)
    assert (entry.event_type, entry.subject_ref) == ("application.filed", application.ref)
    for answer in factories.BIRTH_FORM.values():
        assert str(answer) not in entry.body
    client = Client()
    client.force_login(application.applicant)
    page = client.get(
        reverse("applications:detail", args=[application.ref]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert f"recorded in the ledger at index {application.filed_ledger_index}" in page.text
    chinese = client.get(
        reverse("applications:detail", args=[application.ref]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "filing-ledger-index" in chinese.text
    assert f"recorded in the ledger at index {application.filed_ledger_index}" not in chinese.text


def test_a_decided_application_moved_back_to_in_progress_is_named(world: World) -> None:
    application = approve_all(_filed(world))
    assert application.status == ApplicationStatus.APPROVED
    Application.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.IN_PROGRESS, finished_at=None
    )

    findings = audit.audit_decisions()

    assert [finding.ref for finding in findings] == [application.ref], _text(findings)
    assert "last decision says approved" in findings[0].reason
    with pytest.raises(CommandError, match=application.ref):
        call_command("audit_decisions")


def test_a_decision_row_unlinked_from_the_ledger_and_flipped_is_named(world: World) -> None:
    application, step = _rejected(world)
    rejection = Transition.objects.get(step=step, action="rejected")
    Transition.objects.filter(pk=rejection.pk).update(
        ledger_index=None, action="approved", to_status="approved"
    )

    findings = audit.audit_decisions()

    unlinked = [f for f in findings if f.ledger_index == rejection.ledger_index]
    assert unlinked, _text(findings)
    assert unlinked[0].ref == f"{application.ref}/registration"
    assert "deleted or unlinked" in unlinked[0].reason


def test_a_decision_row_deleted_while_the_application_is_set_to_rejected_is_named(
    world: World,
) -> None:
    application = approve_all(_filed(world))
    approval = Transition.objects.get(application=application, step=None, action="approved")
    with connection.cursor() as cursor:  # raw SQL, as someone at the database would
        table = connection.ops.quote_name(Transition._meta.db_table)
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [approval.pk])  # noqa: S608
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.REJECTED)

    findings = audit.audit_decisions()

    assert {(f.ref, f.ledger_index) for f in findings} >= {
        (application.ref, approval.ledger_index)
    }, _text(findings)
    assert "status is rejected" in _text(findings)


def test_a_form_changed_in_the_database_is_named(world: World) -> None:
    application = _filed(world)
    changed = {**application.form_data, "baby_name": "王小明"}
    Application.objects.filter(pk=application.pk).update(form_data=changed)

    findings = audit.audit_decisions()

    assert [(f.ref, f.ledger_index) for f in findings] == [
        (application.ref, application.filed_ledger_index)
    ], _text(findings)
    assert "form, service or materials differ" in findings[0].reason


def test_a_material_swapped_in_the_database_is_named(world: World) -> None:
    application = _filed(world)
    application.uploads.update(sha256="0" * 64)

    findings = audit.audit_decisions()

    assert [f.ref for f in findings] == [application.ref], _text(findings)


def test_a_deleted_application_is_named_by_its_filing(world: World) -> None:
    application = _filed(world)
    Application.objects.filter(pk=application.pk).delete()

    findings = audit.audit_decisions()

    assert [(f.ref, f.ledger_index) for f in findings] == [
        (application.ref, application.filed_ledger_index)
    ], _text(findings)
    assert "no longer exists" in findings[0].reason


def test_supplements_that_change_the_form_are_recorded_and_audit_clean(world: World) -> None:
    application = _filed(world)
    step = application.steps.filter(status="open").first()
    assert step is not None
    holder = factories.officer(step.department, step.role)
    step = services.claim_step(holder, step, version=step.version)
    services.request_supplements(
        holder, step, version=step.version, items=[{"key": "", "reason": "Check the name."}]
    )
    application.refresh_from_db()
    changed = {**application.form_data, "baby_name": "王小明"}

    services.provide_supplements(
        application.applicant, application, version=application.version, form_data=changed
    )

    assert LedgerEntry.objects.filter(
        subject_ref=application.ref, event_type="application.amended"
    ).exists()
    assert audit.audit_decisions() == []


def test_a_credential_altered_deleted_or_reinstated_in_the_database_is_named(world: World) -> None:
    licence = issued(
        _applicant(world), world["versions"][factories.COMPANY], factories.COMPANY_FORM
    )
    approver = factories.officer(licence.issuer, "approver")
    credential_services.change_status(approver, licence, to="revoked", reason="营业执照被吊销")
    Credential.objects.filter(pk=licence.pk).update(status="active")

    findings = audit.audit_records()

    assert [f.ref for f in findings] == [licence.number], _text(findings)
    assert "ledger says revoked" in findings[0].reason

    Credential.objects.filter(pk=licence.pk).update(status="revoked", case_ref="other-case")
    assert "no longer matches its issuance" in _text(audit.audit_records())

    table = connection.ops.quote_name(Credential._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [licence.pk.hex])  # noqa: S608
    if Credential.objects.filter(pk=licence.pk).exists():  # PostgreSQL stores a real uuid
        Credential.objects.filter(pk=licence.pk).delete()
    findings = audit.audit_records()
    assert [(f.ref, f.ledger_index) for f in findings] == [
        (licence.number, licence.issued_ledger_index)
    ], _text(findings)


def test_the_worker_audits_when_due_tells_platform_admins_and_the_ledger_page_shows_it(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    department = next(iter(world["departments"].values()))
    admin = identity_factories.officer(department, roles=("platform_admin",), username="admin")
    application = _filed(world)

    ledger_audit = ledger_tasks.audit.enqueue().return_value
    assert ledger_audit is not None
    assert ledger_audit["ran"] is True
    assert tasks.audit.enqueue().return_value == {"ran": True, "findings": 0}
    assert tasks.audit.enqueue().return_value == {"ran": False}  # not due again yet
    page = Client().get(reverse("ledger-public"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.text.count("Last audited at") == 2
    chinese = Client().get(reverse("ledger-public"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.text.count("最近一次审计于") == 2
    assert not Message.objects.filter(recipient=admin, event="integrity_audit_failed").exists()

    Application.objects.filter(pk=application.pk).update(form_data={})
    AuditRun.objects.update(finished_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.audit.enqueue()

    assert result.return_value == {"ran": True, "findings": 1}
    notice = Message.objects.get(recipient=admin, event="integrity_audit_failed")
    assert application.ref in notice.body
    run = AuditRun.objects.filter(kind=AuditKind.RECORDS).order_by("-pk").first()
    assert run is not None
    assert not run.is_clean
    # The page keeps showing the last clean run, not the failed one.
    last_clean = AuditRun.objects.filter(kind=AuditKind.RECORDS, is_clean=True).get()
    page = Client().get(reverse("ledger-public"), HTTP_ACCEPT_LANGUAGE="en")
    shown = timezone.localtime(last_clean.finished_at, timezone.get_fixed_timezone(480))
    assert f"Last audited at {shown:%Y-%m-%d %H:%M}" in page.text

    # The same finding an hour later does not send the message again.
    AuditRun.objects.update(finished_at=timezone.now() - timedelta(hours=2))
    with override_settings(ONEWINDOW_AUDIT_SECONDS=60):
        tasks.audit.enqueue()
    assert Message.objects.filter(recipient=admin, event="integrity_audit_failed").count() == 1
