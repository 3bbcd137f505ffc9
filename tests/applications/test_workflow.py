"""The workflow engine driven the way officers and applicants drive it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.applications import services
from onewindow.applications.models import (
    Application,
    ApplicationStatus,
    Channel,
    Step,
    StepStatus,
)
from onewindow.applications.signals import application_completed
from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity import services as identity_services
from onewindow.identity.models import Business, Department, User
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Message
from onewindow.notify.tasks import deliver_message
from tests.applications import factories
from tests.applications.factories import World
from tests.identity.factories import citizen


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _approve(step: Step, department: Department, role: str = "reviewer") -> Step:
    holder = factories.officer(department, role)
    step = services.claim_step(holder, step, version=step.version)
    return services.approve_step(holder, step, version=step.version, note="ok")


def test_company_establishment_runs_five_departments_in_parallel(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    applicant = citizen(world["divisions"]["community"])
    version = world["versions"][factories.COMPANY]
    completed: list[Application] = []
    application_completed.connect(
        lambda sender, application, **kw: completed.append(application), weak=False
    )

    application = factories.file(applicant, version, factories.COMPANY_FORM)

    steps = list(application.steps.all())
    assert {step.key for step in steps} == {
        "registration",
        "seal",
        "invoices",
        "social_insurance",
        "bank_account",
    }
    assert all(step.status == StepStatus.OPEN for step in steps)
    assert application.ref.startswith("330106-")
    assert application.channel == Channel.ONLINE
    departments = {step.key: step.department.code for step in steps}
    assert departments["registration"] == "330106-market_supervision"  # the county's branch
    assert departments["invoices"] == "330100-taxation"  # no county office: the city's
    with django_capture_on_commit_callbacks(execute=True):
        for step in steps[:-1]:
            _approve(step, step.department)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_PROGRESS
    with django_capture_on_commit_callbacks(execute=True):
        _approve(steps[-1], steps[-1].department)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert [a.pk for a in completed] == [application.pk]
    assert (
        application.transitions.filter(action="approved", ledger_index__isnull=False).count() == 6
    )
    assert LedgerEntry.objects.filter(event_type="application.approved").exists()


def _business(founder: User, division: Division) -> Business:
    import random

    from onewindow.core.validators import generate_credit_code
    from onewindow.identity import services as identity_services

    return identity_services.register_business(
        founder,
        credit_code=generate_credit_code(random.Random(3), division_code=division.code),
        name="杭州云帆科技有限公司",
        division=division,
    )


INVESTMENT_FORM = {
    "project_name": "西湖智能制造产业园",
    "total_investment_wan": 52000,
    "site_address": "杭州市西湖区三墩镇",
    "construction_content": "新建厂房 12 万平方米",
    "industry": "manufacturing",
}


def test_investment_project_waits_for_all_eight_opinions(world: World) -> None:
    founder = citizen(world["divisions"]["community"])
    business = _business(founder, world["divisions"]["district"])
    version = world["versions"][factories.INVESTMENT]
    application = factories.file(founder, version, INVESTMENT_FORM, business=business)
    (acceptance,) = application.steps.all()

    _approve(acceptance, acceptance.department)

    opinions = list(application.steps.exclude(key="acceptance"))
    assert len(opinions) == 8
    assert len({step.department_id for step in opinions}) == 8
    for step in opinions[:-1]:
        _approve(step, step.department)
    assert not application.steps.filter(key="decision").exists()
    _approve(opinions[-1], opinions[-1].department)
    decision = application.steps.get(key="decision")
    assert decision.role == "approver"
    _approve(decision, decision.department, "approver")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_business_service_refuses_a_stranger_acting_for_the_company(world: World) -> None:
    founder = citizen(world["divisions"]["community"])
    stranger = citizen(world["divisions"]["community"])
    business = _business(founder, world["divisions"]["district"])
    version = world["versions"][factories.INVESTMENT]
    draft = factories.draft_with_uploads(stranger, version)
    with pytest.raises(PermissionDenied):
        services.submit_application(
            stranger,
            version,
            INVESTMENT_FORM,
            idempotency_key="k1",
            delivery="electronic",
            business=business,
            draft=draft,
        )
    assert not Application.objects.exists()


def test_submitting_twice_with_one_key_gives_one_application(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    version = world["versions"][factories.BIRTH]
    draft = factories.draft_with_uploads(applicant, version)
    first = services.submit_application(
        applicant,
        version,
        factories.BIRTH_FORM,
        idempotency_key="same",
        delivery="electronic",
        draft=draft,
    )
    again = services.submit_application(
        applicant, version, factories.BIRTH_FORM, idempotency_key="same", delivery="electronic"
    )
    assert again.pk == first.pk
    assert Application.objects.count() == 1
    with pytest.raises(Conflict) as refused:
        services.submit_application(
            applicant,
            version,
            {**factories.BIRTH_FORM, "baby_name": "王二宝"},
            idempotency_key="same",
            delivery="electronic",
        )
    assert refused.value.code == "idempotency_key_reused"


def test_a_draft_another_submission_used_meanwhile_is_a_conflict_and_files_once(
    world: World,
) -> None:
    applicant = citizen(world["divisions"]["community"])
    version = world["versions"][factories.BIRTH]
    draft = factories.draft_with_uploads(applicant, version)
    # Two submissions of one draft (a double click with two keys), both checked first:
    first, second = (
        services.check_submission(
            applicant,
            version,
            factories.BIRTH_FORM,
            idempotency_key=key,
            delivery="electronic",
            draft=draft,
        )
        for key in ("click-1", "click-2")
    )

    filed = services.file_submission(first)
    with pytest.raises(Conflict) as refused, transaction.atomic():
        services.file_submission(second)

    assert refused.value.code == "draft_changed"
    assert list(Application.objects.values_list("ref", flat=True)) == [filed.ref]
    assert {upload.application_id for upload in filed.uploads.all()} == {filed.pk}


def test_the_notice_and_its_delivery_task_are_written_in_the_filing_transaction(
    world: World,
) -> None:
    applicant = citizen(world["divisions"]["community"])
    database_tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    with override_settings(TASKS=database_tasks):
        application = factories.file(
            applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
        )
        # The test's transaction has not committed: the task row is already there with it.
        [notice] = Message.objects.filter(subject_ref=application.ref)
        [task] = DBTaskResult.objects.filter(task_path=deliver_message.module_path)

    assert task.args_kwargs == {"args": [notice.pk], "kwargs": {}}
    assert notice.recipient == applicant


def test_a_form_that_breaks_its_schema_names_every_field_and_stores_nothing(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    version = world["versions"][factories.BIRTH]
    draft = factories.draft_with_uploads(applicant, version)
    form = {**factories.BIRTH_FORM, "birth_certificate_number": "12", "baby_sex": "unknown"}
    del form["baby_name"]
    with pytest.raises(DomainError) as refused:
        services.submit_application(
            applicant, version, form, idempotency_key="k", delivery="electronic", draft=draft
        )
    errors = refused.value.params["errors"]
    assert set(errors) == {"baby_name", "birth_certificate_number", "baby_sex"}
    assert "Baby's name" in errors["baby_name"]
    assert not Application.objects.exists()
    assert not Step.objects.exists()


def test_required_uploads_must_be_there_before_submission(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    version = world["versions"][factories.BIRTH]
    with pytest.raises(DomainError) as refused:
        services.submit_application(
            applicant, version, factories.BIRTH_FORM, idempotency_key="k", delivery="electronic"
        )
    assert refused.value.code == "materials_missing"


def test_second_officer_on_the_same_step_gets_a_conflict(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    (step,) = application.steps.all()
    first = factories.officer(step.department)
    second = factories.officer(step.department)
    seen_version = step.version

    services.claim_step(first, step, version=seen_version)
    with pytest.raises(Conflict) as refused:
        services.claim_step(second, step, version=seen_version)

    assert refused.value.code == "stale_version"
    assert refused.value.params["current"]["assignee"] == first.username


def test_a_decided_step_cannot_be_claimed_or_assigned(world: World) -> None:
    # Found by the workflow state machine: claim_step took a step that was already done.
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    (review,) = application.steps.all()
    _approve(review, review.department)
    review.refresh_from_db()
    latecomer = factories.officer(review.department)
    admin = factories.officer(review.department, "department_admin")

    with pytest.raises(Conflict) as refused:
        services.claim_step(latecomer, review, version=review.version)
    assert refused.value.code == "step_not_open"
    with pytest.raises(Conflict) as unassignable:
        services.assign_step(admin, review, version=review.version, assignee=latecomer)
    assert unassignable.value.code == "step_not_active"


def test_acting_on_a_step_you_do_not_hold_is_forbidden(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    (step,) = application.steps.all()
    holder = factories.officer(step.department)
    colleague = factories.officer(step.department)
    elsewhere = factories.officer(world["departments"]["330127-public_security"])
    step = services.claim_step(holder, step, version=step.version)

    with pytest.raises(PermissionDenied):
        services.approve_step(colleague, step, version=step.version)
    with pytest.raises(PermissionDenied):
        services.claim_step(elsewhere, step, version=step.version)
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN


def test_supplements_list_everything_once_and_resume_the_clock(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    (step,) = application.steps.all()
    holder = factories.officer(step.department)
    step = services.claim_step(holder, step, version=step.version)

    services.request_supplements(
        holder,
        step,
        version=step.version,
        items=[
            {"key": "household_register", "reason": "The head-of-household page is missing."},
            {"key": "", "reason": "The certificate number does not match the hospital's record."},
        ],
    )
    application.refresh_from_db()
    step.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_SUPPLEMENTS
    assert step.status == StepStatus.AWAITING_SUPPLEMENTS
    with pytest.raises(Conflict):
        services.approve_step(holder, step, version=step.version)

    services.provide_supplements(
        applicant,
        application,
        version=application.version,
        note="Both attached.",
        form_data={"birth_certificate_number": "Q330012346"},
        files={"household_register": ("register.pdf", factories.PDF)},
    )
    step.refresh_from_db()
    application.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert application.status == ApplicationStatus.IN_PROGRESS
    assert application.form_data["birth_certificate_number"] == "Q330012346"
    assert calendar.is_working_day(timezone.localtime(step.due_at).date())
    with pytest.raises(Conflict) as again:
        services.request_supplements(
            holder, step, version=step.version, items=[{"key": "", "reason": "one more thing"}]
        )
    assert again.value.code == "supplements_used"


def test_rejection_needs_reasons_and_ends_every_step(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.COMPANY], factories.COMPANY_FORM
    )
    step = application.steps.get(key="registration")
    holder = factories.officer(step.department)
    step = services.claim_step(holder, step, version=step.version)
    with pytest.raises(DomainError):
        services.reject_step(holder, step, version=step.version, reasons="  ")

    services.reject_step(holder, step, version=step.version, reasons="The name is already taken.")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert not application.steps.filter(status__in=["open", "awaiting_supplements"]).exists()
    other = application.steps.get(key="seal")
    with pytest.raises(Conflict) as refused:
        services.claim_step(factories.officer(other.department), other, version=other.version)
    assert refused.value.code == "application_finished"


def test_withdrawn_application_cannot_move_again(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    services.withdraw_application(
        applicant, application, version=application.version, reason="filed by mistake"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    with pytest.raises(Conflict):
        services.withdraw_application(applicant, application, version=application.version)


def test_overdue_steps_escalate_to_the_supervisor_then_the_level_above(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    (step,) = application.steps.all()
    later = step.due_at + timedelta(hours=1)

    assert services.escalate_overdue(later) == 1
    step.refresh_from_db()
    assert step.escalated_to is not None
    assert (step.escalation_level, step.escalated_to.code) == (1, "330106-public_security")
    assert services.escalate_overdue(later) == 0  # not yet a working day later

    much_later = calendar.add_working_days(later, 2)
    assert services.escalate_overdue(much_later) == 1
    step.refresh_from_db()
    assert step.escalated_to is not None
    assert (step.escalation_level, step.escalated_to.code) == (2, "330100-public_security")
    city_officer = factories.officer(world["departments"]["330100-public_security"])
    services.claim_step(city_officer, step, version=step.version)  # the level above may act


def test_reminders_go_once_before_the_deadline(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    (step,) = application.steps.all()
    assert services.send_reminders(step.opened_at) == 0
    just_before = step.due_at - timedelta(hours=2)
    assert services.send_reminders(just_before) == 1
    assert services.send_reminders(just_before) == 0


def test_a_hall_clerk_files_apply_anywhere_services_for_other_counties(world: World) -> None:
    rural = citizen(world["divisions"]["village"])
    clerk = factories.officer(world["departments"]["330106-market_supervision"], "window_clerk")
    card = world["versions"][factories.SOCIAL_SECURITY_CARD]
    identity_services.record_agent_consent(clerk, rural, method="signed_form", evidence=b"%PDF-")
    application = services.submit_application(
        rural,
        card,
        {"bank": "icbc"},
        idempotency_key=uuid.uuid4().hex,
        delivery="pickup",
        filed_by=clerk,
        draft=factories.draft_with_uploads(rural, card),
    )
    assert application.channel == Channel.HALL
    assert application.receiving_division.code == "330106"
    assert application.division.code == "330127201202"
    assert application.visits_made == 1

    birth = world["versions"][factories.BIRTH]  # not apply-anywhere
    with pytest.raises(DomainError) as refused:
        services.submit_application(
            rural,
            birth,
            factories.BIRTH_FORM,
            idempotency_key=uuid.uuid4().hex,
            delivery="electronic",
            filed_by=clerk,
            draft=factories.draft_with_uploads(rural, birth),
        )
    assert refused.value.code == "not_apply_anywhere"


def test_changing_a_decision_row_afterwards_is_named_by_the_audit(world: World) -> None:
    from django.core.management import CommandError, call_command

    from onewindow.applications.audit import audit_decisions
    from onewindow.applications.models import Transition

    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.COMPANY], factories.COMPANY_FORM
    )
    step = application.steps.get(key="registration")
    holder = factories.officer(step.department)
    step = services.claim_step(holder, step, version=step.version)
    services.reject_step(holder, step, version=step.version, reasons="The name is taken.")
    assert audit_decisions() == []
    call_command("audit_decisions")

    rejection = Transition.objects.get(step=step, action="rejected")
    Transition.objects.filter(pk=rejection.pk).update(reason="Approved after all.")

    finding = audit_decisions()[0]
    assert finding.ledger_index == rejection.ledger_index
    assert finding.ref == application.ref
    with pytest.raises(CommandError, match=f"ledger entry {rejection.ledger_index}"):
        call_command("audit_decisions")

    Transition.objects.filter(pk=rejection.pk).update(reason="The name is taken.")
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.APPROVED)
    finding = audit_decisions()[0]
    assert "status" in finding.reason
