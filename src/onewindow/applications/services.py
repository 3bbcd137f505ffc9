"""Writes to applications: filing, the workflow engine's transitions, supplements, escalation.

Every transition locks the application row first and the step second (one order, so two
officers on parallel steps serialise instead of deadlocking), checks the version the actor
saw (optimistic concurrency: a stale version is a 409 with the current state), writes a
Transition row, records decisions in the ledger, and queues notices on commit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.applications import delivery as paper_delivery
from onewindow.applications import fetching, notices
from onewindow.applications.models import (
    Application,
    ApplicationStatus,
    Channel,
    Draft,
    FetchedMaterial,
    FetchStatus,
    MaterialView,
    ReferenceCounter,
    Step,
    StepStatus,
    SupplementRequest,
    Transition,
    Upload,
    decision_payload,
    filing_payload,
)
from onewindow.applications.routing import (
    check_may_file_here,
    competent_department,
    county_of,
    supervising_department,
)
from onewindow.applications.signals import application_completed
from onewindow.applications.uploads import CheckedFile, check_upload
from onewindow.catalog.form_schema import validate_form_data
from onewindow.catalog.models import Audience, Delivery, MaterialSource, ServiceItemVersion
from onewindow.catalog.workflow_definition import StepDefinition, parse_workflow
from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity import services as identity_services
from onewindow.identity.models import Business, OfficerRole, Role, User, UserKind
from onewindow.ledger import services as ledger

REMINDER_HORIZON = timedelta(days=21)
RESOLVED_STEP_STATUSES = frozenset({StepStatus.APPROVED, StepStatus.SKIPPED, StepStatus.CANCELLED})


# ----- filing -------------------------------------------------------------------------------


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _next_ref(county: Division, now: datetime) -> str:
    prefix = f"{county.code[:6]}-{timezone.localtime(now):%Y%m%d}"
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(prefix=prefix)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{prefix}-{counter.last:06d}"


def _check_business(
    applicant: User, business: Business | None, version: ServiceItemVersion
) -> None:
    if version.audience == Audience.BUSINESS and business is None:
        raise DomainError(
            _("This service is for businesses: choose the company."), field="business"
        )
    if version.audience == Audience.CITIZEN and business is not None:
        raise DomainError(_("This service is for individuals."), field="business")
    if business is None or business.legal_representative_id == applicant.pk:
        return
    authorisation = business.agents.filter(agent=applicant, withdrawn_at__isnull=True).first()
    if authorisation is None or (
        authorisation.service_types and version.service_type not in authorisation.service_types
    ):
        raise PermissionDenied(
            _("You are not authorised to apply for this business."), field="business"
        )


def _filing_channel(
    applicant: User, filed_by: User, *, via_partner_app: bool = False
) -> tuple[str, Division]:
    """Who filed decides the channel and the receiving division; refuses agents without a
    valid consent and officers who are not window clerks."""
    if filed_by.pk == applicant.pk:
        if applicant.division is None:
            raise DomainError(_("Your account has no registered division."), field="division")
        return (Channel.PARTNER_APP if via_partner_app else Channel.ONLINE), applicant.division
    if filed_by.kind == UserKind.STATION_AGENT:
        if identity_services.valid_consent(filed_by, applicant) is None:
            raise PermissionDenied(_("The resident's consent is missing or has expired."))
        assert filed_by.division is not None
        return Channel.VILLAGE_AGENT, filed_by.division
    if (
        filed_by.is_officer
        and OfficerRole.objects.filter(user=filed_by, role=Role.WINDOW_CLERK).exists()
    ):
        # The citizen at the counter consents as a resident at a village station does.
        if identity_services.valid_consent(filed_by, applicant) is None:
            raise PermissionDenied(_("The citizen's consent is missing or has expired."))
        assert filed_by.department is not None
        return Channel.HALL, filed_by.department.division
    raise PermissionDenied(_("Only the applicant, a window clerk or a consented agent may file."))


def _missing_uploads(version: ServiceItemVersion, uploads: Iterable[Upload]) -> list[str]:
    have = {upload.material_key for upload in uploads}
    return [
        material["key"]
        for material in version.materials
        if material["source"] == MaterialSource.UPLOAD
        and material.get("is_required", True)
        and material["key"] not in have
    ]


def submit_application(
    applicant: User,
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    *,
    idempotency_key: str,
    delivery: str,
    business: Business | None = None,
    filed_by: User | None = None,
    draft: Draft | None = None,
    fetch_consent: bool = False,
    address: Mapping[str, Any] | None = None,
    via_partner_app: bool = False,
) -> Application:
    """File an application once. The same idempotency key returns the first application;
    the same key with different content is a Conflict. Raises DomainError with per-field
    `params["errors"]` for a form that breaks its schema, and stores nothing then.

    Materials the catalogue declares as fetched are asked from their departments right
    after the application is stored, once the applicant has confirmed (`fetch_consent`);
    a material the applicant uploaded anyway is not fetched.

    A result delivered by post needs the `address` (recipient_name, mobile, division code,
    street, postal_code): its errors come with the form's, keyed `address.<field>`; other
    methods ignore it."""
    filed_by = filed_by or applicant
    is_post = delivery == Delivery.POST
    if not idempotency_key or len(idempotency_key) > 64:
        raise DomainError(
            _("A request key of 1 to 64 characters is needed."), field="idempotency_key"
        )
    request = [version.pk, form_data, business.pk if business else None, delivery]
    if is_post and address is not None:
        request.append(dict(address))
    digest = _digest(request)
    existing = Application.objects.filter(
        applicant=applicant, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        if existing.request_digest != digest:
            raise Conflict(
                _("This request key was already used for a different application."),
                code="idempotency_key_reused",
            )
        return existing
    errors = validate_form_data(version.form_schema, form_data)
    postal_address = None
    if is_post and delivery in version.delivery_options:
        postal_address, address_errors = paper_delivery.address_errors(address or {})
        errors = {**errors, **address_errors}
    if errors:
        raise DomainError(
            _("The form has %(count)s problem(s)."),
            code="form_invalid",
            field=next(iter(errors)),
            params={"count": len(errors), "errors": errors},
        )
    if delivery not in version.delivery_options:
        raise DomainError(_("Choose one of the delivery options offered."), field="delivery")
    _check_business(applicant, business, version)
    channel, receiving = _filing_channel(applicant, filed_by, via_partner_app=via_partner_app)
    home = business.division if business is not None else applicant.division
    assert home is not None
    if channel in (Channel.ONLINE, Channel.PARTNER_APP):
        receiving = home  # online, the handling side is the receiving side
    check_may_file_here(
        home=home, receiving=receiving, is_apply_anywhere=version.item.is_apply_anywhere
    )
    uploads = list(draft.uploads.all()) if draft is not None else []
    missing = _missing_uploads(version, uploads)
    if missing:
        names = [m["name_en"] for m in version.materials if m["key"] in missing]
        raise DomainError(
            _("Upload every required material first: %(names)s."),
            code="materials_missing",
            field="materials",
            params={"names": ", ".join(names), "missing": missing},
        )
    uploaded = {upload.material_key for upload in uploads}
    planned = [
        fetch
        for fetch in fetching.plan(version, home, has_business=business is not None)
        if fetch.key not in uploaded
    ]
    if not fetch_consent and any(fetch.is_possible for fetch in planned):
        raise DomainError(
            _(
                "Confirm that the platform may fetch the listed records for you, "
                "or upload those documents yourself."
            ),
            code="fetch_consent_missing",
            field="fetch_consent",
        )
    definition = parse_workflow(version.workflow)
    now = timezone.now()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                # The readable ref comes last, so the county's counter row stays locked only
                # for the end of the transaction, not for all of it.
                ref=f"pending-{uuid.uuid4().hex[:16]}",
                applicant=applicant,
                business=business,
                item_version=version,
                division=home,
                receiving_division=receiving,
                channel=channel,
                filed_by=filed_by,
                form_data=form_data,
                delivery=delivery,
                idempotency_key=idempotency_key,
                request_digest=digest,
                submitted_at=now,
                due_at=calendar.add_working_days(now, version.promised_days),
                visits_promised=version.visits,
                visits_made=0 if channel in (Channel.ONLINE, Channel.PARTNER_APP) else 1,
                days_promised=version.promised_days,
            )
            for upload in uploads:
                upload.application = application
                upload.draft = None
                upload.save(update_fields=["application", "draft"])
            if draft is not None:
                draft.delete()
            _transition(application, None, "submitted", filed_by, "", ApplicationStatus.IN_PROGRESS)
            if postal_address is not None:
                paper_delivery.store_address(application, postal_address)
            for step_definition in definition.initial_steps():
                _open_step(application, step_definition, now)
            application.ref = _next_ref(county_of(home), now)
            application.filed_ledger_index = _record_filing(
                application, "filed", actor_role=_role_of(filed_by, application)
            )
            application.save(update_fields=["ref", "filed_ledger_index"])
            _advance(application, now)
            fetching.open_fetches(application, planned)
            notices.announce(application, "application_received")
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its application.
        existing = Application.objects.filter(
            applicant=applicant, idempotency_key=idempotency_key
        ).first()
        if existing is None or existing.request_digest != digest:
            raise
        return existing
    fetching.run_due(application)
    return application


def _record_filing(application: Application, action: str, *, actor_role: str) -> int:
    """Record the filing (or a change of its form or materials) in the ledger: digests of
    what was submitted, never the answers themselves. Returns the entry's index."""
    materials = application.uploads.values_list("material_key", "sha256")
    receipt = ledger.record(
        f"application.{action}",
        subject_ref=application.ref,
        actor_role=actor_role if actor_role != "system" else "applicant",
        department="platform",
        payload=filing_payload(
            application.ref, application.item_version_id, application.form_data, materials
        ),
    )
    return receipt.index


def begin_hall_filing(clerk: User, *, resident_id_number: str) -> User:
    """A window clerk, with the citizen present and their ID card checked, looks them up to
    file for them. Raises PermissionDenied (not a window clerk), NotFound (no such citizen).
    The lookup of someone else's personal data is recorded in the ledger."""
    if not (
        clerk.is_officer
        and clerk.department is not None
        and OfficerRole.objects.filter(user=clerk, role=Role.WINDOW_CLERK).exists()
    ):
        raise PermissionDenied(_("Only window clerks file for citizens at a service hall."))
    citizen = identity_services.find_user_by_identifier(resident_id_number)
    if citizen is None or citizen.kind != UserKind.CITIZEN or len(resident_id_number.strip()) < 15:
        raise NotFound(_("No registered citizen has this resident ID number."), field="id_number")
    ledger.record(
        "data.access",
        subject_ref=f"user:{citizen.pk}",
        actor_role=Role.WINDOW_CLERK,
        department=clerk.department.code,
        payload={"purpose": "hall_filing", "clerk": clerk.username},
    )
    return citizen


def save_draft(
    applicant: User,
    version: ServiceItemVersion,
    form_data: dict[str, Any],
    *,
    business: Business | None = None,
    draft: Draft | None = None,
) -> Draft:
    """Keep a part-filled form (unvalidated: a draft may be incomplete)."""
    if draft is not None and draft.applicant_id != applicant.pk:
        raise PermissionDenied(_("This draft is not yours."))
    if draft is None:
        draft = Draft(applicant=applicant, item_version=version, business=business)
    draft.form_data = form_data
    draft.updated_at = timezone.now()
    draft.save()
    return draft


def _store_upload(
    owner: User,
    *,
    material_key: str,
    name: str,
    content: bytes,
    checked: CheckedFile,
    draft: Draft | None = None,
    application: Application | None = None,
) -> Upload:
    upload = Upload(
        owner=owner,
        draft=draft,
        application=application,
        material_key=material_key,
        original_name=name[:200],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        scan_status=checked.scan_status,
    )
    upload.file.save(f"{checked.sha256[:16]}.bin", ContentFile(content), save=False)
    upload.save()
    return upload


UPLOADABLE_SOURCES = (MaterialSource.UPLOAD, MaterialSource.EXCHANGE)


def add_upload(
    owner: User, draft: Draft, *, material_key: str, name: str, content: bytes
) -> Upload:
    """Attach a material file to a draft after checking its type, size and scan. A material
    the platform would fetch may be uploaded instead; then it is not fetched."""
    if draft.applicant_id != owner.pk:
        raise PermissionDenied(_("This draft is not yours."))
    keys = {m["key"] for m in draft.item_version.materials if m["source"] in UPLOADABLE_SOURCES}
    if material_key not in keys:
        raise DomainError(_("This service asks for no such material."), field="material_key")
    checked = check_upload(content, field=f"file_{material_key}")
    draft.uploads.filter(material_key=material_key).delete()  # a new file replaces the old
    return _store_upload(
        owner, material_key=material_key, name=name, content=content, checked=checked, draft=draft
    )


# ----- the engine ---------------------------------------------------------------------------


def _check_acting_for(actor: User, application: Application) -> None:
    """Someone other than the applicant acts on the application: only a village agent or
    window clerk, and only under the applicant's valid consent."""
    applicant = application.applicant
    if (
        not identity_services.may_act_for_residents(actor)
        or identity_services.valid_consent(actor, applicant) is None
    ):
        raise PermissionDenied(_("The applicant's consent is missing or has expired."))


def _role_of(actor: User | None, application: Application) -> str:
    """Who acted, as the record shows it: the applicant, or the agent or clerk acting for
    them under their consent (the record then names both people)."""
    if actor is None:
        return "system"
    if actor.pk == application.applicant_id:
        return "applicant"
    if actor.kind == UserKind.STATION_AGENT:
        return "station_agent"
    if actor.kind == UserKind.OFFICER and identity_services.may_act_for_residents(actor):
        return "window_clerk"
    return "system"


def _transition(
    application: Application,
    step: Step | None,
    action: str,
    actor: User | None,
    from_status: str,
    to_status: str,
    *,
    reason: str = "",
    actor_role: str = "",
    decision: bool = False,
) -> Transition:
    ledger_index = None
    if decision:
        receipt = ledger.record(
            f"application.{action}",
            subject_ref=application.ref if step is None else f"{application.ref}/{step.key}",
            actor_role=actor_role or "system",
            department=step.department.code if step is not None else "platform",
            payload=decision_payload(
                application.ref, step.key if step is not None else "", action, to_status, reason
            ),
        )
        ledger_index = receipt.index
    return Transition.objects.create(
        application=application,
        step=step,
        action=action,
        actor=actor,
        actor_role=actor_role or _role_of(actor, application),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        at=timezone.now(),
        ledger_index=ledger_index,
    )


def _open_step(application: Application, definition: StepDefinition, now: datetime) -> Step:
    department = competent_department(
        application.division, kind=definition.department_kind, level=definition.level
    )
    holds = definition.when is None or definition.when.holds(application.form_data)
    step = Step.objects.create(
        application=application,
        key=definition.key,
        department=department,
        role=definition.role,
        status=StepStatus.OPEN if holds else StepStatus.SKIPPED,
        opened_at=now,
        due_at=calendar.add_working_days(now, definition.sla_days),
        finished_at=None if holds else now,
    )
    _transition(
        application,
        step,
        "opened" if holds else "skipped",
        None,
        "",
        step.status,
        reason="" if holds else "condition not met",
    )
    return step


def _advance(application: Application, now: datetime) -> None:
    """Open every step whose join is satisfied; finish the application when nothing is left."""
    definition = parse_workflow(application.item_version.workflow)
    while True:
        steps = {step.key: step for step in application.steps.all()}
        opened = False
        for step_definition in definition.steps:
            if step_definition.key in steps or not step_definition.after:
                continue
            before = [steps.get(key) for key in step_definition.after]
            if any(step is None for step in before):
                continue
            statuses = [step.status for step in before if step is not None]
            resolved = all(status in RESOLVED_STEP_STATUSES for status in statuses)
            if step_definition.join == "all" and not resolved:
                continue
            if step_definition.join == "any" and not (StepStatus.APPROVED in statuses or resolved):
                continue
            new_step = _open_step(application, step_definition, now)
            steps[new_step.key] = new_step
            opened = True
            if step_definition.join == "any":
                _cancel_unneeded(application, definition, steps, before, now)
        if not opened:
            break
    if any(step.is_active for step in steps.values()):
        return
    if len(steps) == len(definition.steps):
        _finish(application, ApplicationStatus.APPROVED, None, now, reason="")


def _cancel_unneeded(application, definition, steps, before, now) -> None:  # type: ignore[no-untyped-def]
    """After an any-join fires, stop the branches it no longer waits for (when nothing else
    waits for them either)."""
    for step in before:
        if step is None or not step.is_active:
            continue
        if all(successor.key in steps for successor in definition.successors(step.key)):
            from_status = step.status
            step.status = StepStatus.CANCELLED
            step.finished_at = now
            step.version += 1
            step.save(update_fields=["status", "finished_at", "version"])
            _transition(
                application,
                step,
                "cancelled",
                None,
                from_status,
                step.status,
                reason="another branch completed the join",
            )


def _finish(
    application: Application,
    status: str,
    actor: User | None,
    now: datetime,
    *,
    reason: str,
    actor_role: str = "",
) -> None:
    from_status = application.status
    application.status = status
    application.finished_at = now
    application.days_taken = calendar.working_days_between(application.submitted_at, now)
    application.version += 1
    application.save(update_fields=["status", "finished_at", "days_taken", "version"])
    for step in application.steps.filter(
        status__in=[StepStatus.OPEN, StepStatus.AWAITING_SUPPLEMENTS]
    ):
        step_from = step.status
        step.status = StepStatus.CANCELLED
        step.finished_at = now
        step.version += 1
        step.save(update_fields=["status", "finished_at", "version"])
        _transition(application, step, "cancelled", actor, step_from, step.status, reason=reason)
    _transition(
        application,
        None,
        status,
        actor,
        from_status,
        status,
        reason=reason,
        actor_role=actor_role,
        decision=True,
    )
    events: dict[str, str] = {
        ApplicationStatus.APPROVED: "application_approved",
        ApplicationStatus.REJECTED: "application_rejected",
    }
    if status in events:
        notices.announce(application, events[status], reasons=reason)
    if status == ApplicationStatus.APPROVED:
        # In the approving transaction, not on the signal: no approved application is ever
        # left without the delivery of its paper result.
        paper_delivery.open_delivery(application, now)
        transaction.on_commit(
            lambda: application_completed.send(sender=Application, application=application)
        )


def _locked(step: Step, *, version: int) -> tuple[Application, Step]:
    """Lock the application, then the step; refuse finished applications and stale versions."""
    application = Application.objects.select_for_update().get(pk=step.application_id)
    current = Step.objects.select_for_update().select_related("department").get(pk=step.pk)
    if application.is_terminal:
        raise Conflict(
            _("The application is already %(status)s and cannot move again."),
            code="application_finished",
            params={"status": application.get_status_display(), "current": _state(current)},
        )
    if current.version != version:
        raise Conflict(
            _("Someone else acted on this step first; reload to see its current state."),
            code="stale_version",
            params={"current": _state(current)},
        )
    return application, current


def _state(step: Step) -> dict[str, Any]:
    return {
        "status": step.status,
        "version": step.version,
        "assignee": step.assignee.username if step.assignee else None,
    }


def _may_work_on(officer: User, step: Step) -> bool:
    departments = {step.department_id, step.escalated_to_id}
    return (
        officer.is_officer
        and officer.department_id in departments
        and OfficerRole.objects.filter(
            user=officer, role__in=[step.role, Role.DEPARTMENT_ADMIN]
        ).exists()
    )


def _check_open(step: Step) -> None:
    if step.status != StepStatus.OPEN:
        raise Conflict(
            _("This step is not open for a decision."),
            code="step_not_open",
            params={"current": _state(step)},
        )


def _check_assignee(officer: User, step: Step) -> None:
    if step.assignee_id != officer.pk:
        raise PermissionDenied(
            _("This step is not assigned to you: claim it first."), code="not_assigned"
        )
    _check_open(step)


def _step_for(officer: User, step: Step, *, version: int) -> tuple[Application, Step]:
    if not _may_work_on(officer, step):
        raise PermissionDenied(_("This step belongs to another department or role."))
    return _locked(step, version=version)


def _save_step(step: Step, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(step, name, value)
    step.version += 1
    step.save(update_fields=[*changes, "version"])


@transaction.atomic
def claim_step(officer: User, step: Step, *, version: int) -> Step:
    """Take an unassigned open step (or one already yours). Raises PermissionDenied, Conflict
    (held by another, or skipped, decided or waiting for supplements)."""
    application, step = _step_for(officer, step, version=version)
    _check_open(step)
    if step.assignee_id not in (None, officer.pk):
        raise Conflict(
            _("Another officer holds this step."),
            code="already_claimed",
            params={"current": _state(step)},
        )
    _save_step(step, assignee=officer)
    _transition(
        application, step, "claimed", officer, step.status, step.status, actor_role=step.role
    )
    return step


@transaction.atomic
def assign_step(admin: User, step: Step, *, version: int, assignee: User) -> Step:
    """A department administrator (or the supervising one after escalation) hands a step to
    an officer of the step's department and role."""
    application, step = _step_for(admin, step, version=version)
    if not OfficerRole.objects.filter(user=admin, role=Role.DEPARTMENT_ADMIN).exists():
        raise PermissionDenied(_("Only a department administrator assigns steps."))
    if not step.is_active:
        raise Conflict(
            _("This step is finished or was not needed: nobody can be assigned to it."),
            code="step_not_active",
            params={"current": _state(step)},
        )
    if (
        assignee.department_id != step.department_id
        or not OfficerRole.objects.filter(user=assignee, role=step.role).exists()
    ):
        raise DomainError(_("That officer cannot handle this step."), field="assignee")
    _save_step(step, assignee=assignee)
    _transition(
        application,
        step,
        "assigned",
        admin,
        step.status,
        step.status,
        reason=assignee.username,
        actor_role=Role.DEPARTMENT_ADMIN,
    )
    return step


@transaction.atomic
def forward_step(officer: User, step: Step, *, version: int, to: User, note: str = "") -> Step:
    """Pass a step you hold to a colleague of the same department and role."""
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    if (
        to.department_id != step.department_id
        or not OfficerRole.objects.filter(user=to, role=step.role).exists()
    ):
        raise DomainError(_("That officer cannot handle this step."), field="to")
    _save_step(step, assignee=to)
    _transition(
        application,
        step,
        "forwarded",
        officer,
        step.status,
        step.status,
        reason=note or to.username,
        actor_role=step.role,
    )
    return step


@transaction.atomic
def approve_step(officer: User, step: Step, *, version: int, note: str = "") -> Step:
    """Approve a step you hold; opens what follows and completes the application when it was
    the last. Raises PermissionDenied (not yours), Conflict (stale or finished)."""
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    now = timezone.now()
    _save_step(
        step,
        status=StepStatus.APPROVED,
        finished_at=now,
        days_taken=calendar.working_days_between(step.opened_at, now),
    )
    _transition(
        application,
        step,
        "approved",
        officer,
        StepStatus.OPEN,
        step.status,
        reason=note,
        actor_role=step.role,
        decision=True,
    )
    _advance(application, now)
    return step


@transaction.atomic
def reject_step(officer: User, step: Step, *, version: int, reasons: str) -> Step:
    """Reject with reasons (required): the application ends rejected, other steps stop."""
    if not reasons.strip():
        raise DomainError(_("Give the reasons for the rejection."), field="reasons")
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    now = timezone.now()
    _save_step(step, status=StepStatus.REJECTED, finished_at=now)
    _transition(
        application,
        step,
        "rejected",
        officer,
        StepStatus.OPEN,
        step.status,
        reason=reasons,
        actor_role=step.role,
        decision=True,
    )
    _finish(
        application, ApplicationStatus.REJECTED, officer, now, reason=reasons, actor_role=step.role
    )
    return step


@transaction.atomic
def request_supplements(
    officer: User, step: Step, *, version: int, items: list[dict[str, str]]
) -> SupplementRequest:
    """Ask for everything missing at once; a step may ask only once. Pauses the step's clock.
    `items` are {"key": material key or "", "reason": what is wrong or missing}."""
    cleaned = [
        {"key": str(item.get("key", "")), "reason": str(item.get("reason", "")).strip()}
        for item in items
    ]
    if not cleaned or any(not item["reason"] for item in cleaned):
        raise DomainError(
            _("List every missing item, each with what is missing or wrong."), field="items"
        )
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    if step.is_supplement_used:
        raise Conflict(
            _("Supplements were already requested once on this step."),
            code="supplements_used",
            params={"current": _state(step)},
        )
    now = timezone.now()
    _save_step(
        step,
        status=StepStatus.AWAITING_SUPPLEMENTS,
        is_supplement_used=True,
        days_left_when_paused=calendar.working_days_between(now, step.due_at),
    )
    supplement = SupplementRequest.objects.create(
        step=step, items=cleaned, requested_by=officer, requested_at=now
    )
    _transition(
        application,
        step,
        "supplements_requested",
        officer,
        StepStatus.OPEN,
        step.status,
        reason="; ".join(item["reason"] for item in cleaned),
        actor_role=step.role,
    )
    if application.status != ApplicationStatus.AWAITING_SUPPLEMENTS:
        from_status = application.status
        application.status = ApplicationStatus.AWAITING_SUPPLEMENTS
        application.version += 1
        application.save(update_fields=["status", "version"])
        _transition(application, None, "paused", officer, from_status, application.status)
    notices.announce(
        application, "supplement_requested", items=[item["reason"] for item in cleaned]
    )
    return supplement


@transaction.atomic
def provide_supplements(
    applicant: User,
    application: Application,
    *,
    version: int,
    note: str = "",
    form_data: dict[str, Any] | None = None,
    files: dict[str, tuple[str, bytes]] | None = None,
    acting: User | None = None,
) -> Application:
    """Answer every open supplement request at once (corrected form answers and/or new
    files); the paused steps resume with the working days they had left. `acting` is the
    village agent or window clerk doing it for the applicant (a valid consent needed); the
    record then names them."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.applicant_id != applicant.pk:
        raise PermissionDenied(_("This application is not yours."))
    actor = applicant
    if acting is not None and acting.pk != applicant.pk:
        _check_acting_for(acting, locked)
        actor = acting
    if locked.version != version:
        raise Conflict(
            _("The application changed; reload it."),
            code="stale_version",
            params={"current": {"status": locked.status, "version": locked.version}},
        )
    if locked.status != ApplicationStatus.AWAITING_SUPPLEMENTS:
        raise Conflict(_("No supplements are being waited for."), code="nothing_to_supplement")
    if form_data is not None:
        merged = {**locked.form_data, **form_data}
        errors = validate_form_data(locked.item_version.form_schema, merged)
        if errors:
            raise DomainError(
                _("The form has %(count)s problem(s)."),
                code="form_invalid",
                field=next(iter(errors)),
                params={"count": len(errors), "errors": errors},
            )
        locked.form_data = merged
    uploads_by_key = {m["key"] for m in locked.item_version.materials}
    for key, (name, content) in (files or {}).items():
        if key not in uploads_by_key:
            raise DomainError(_("This service asks for no such material."), field=key)
        _store_upload(
            applicant,
            material_key=key,
            name=name,
            content=content,
            checked=check_upload(content, field=key),
            application=locked,
        )
    now = timezone.now()
    for step in locked.steps.select_for_update().filter(status=StepStatus.AWAITING_SUPPLEMENTS):
        SupplementRequest.objects.filter(step=step).update(answered_at=now, answer_note=note)
        _save_step(
            step,
            status=StepStatus.OPEN,
            due_at=calendar.add_working_days(now, max(step.days_left_when_paused or 0, 1)),
            days_left_when_paused=None,
            reminded_at=None,
        )
        _transition(
            locked,
            step,
            "supplements_provided",
            actor,
            StepStatus.AWAITING_SUPPLEMENTS,
            step.status,
            reason=note,
        )
    locked.status = ApplicationStatus.IN_PROGRESS
    locked.version += 1
    locked.save(update_fields=["status", "version", "form_data"])
    _record_filing(locked, "amended", actor_role=_role_of(actor, locked))
    _transition(
        locked, None, "resumed", actor, ApplicationStatus.AWAITING_SUPPLEMENTS, locked.status
    )
    return locked


@transaction.atomic
def withdraw_application(
    applicant: User, application: Application, *, version: int, reason: str = ""
) -> Application:
    """The applicant (or whoever filed it for them) withdraws an unfinished application."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if applicant.pk not in (locked.applicant_id, locked.filed_by_id):
        raise PermissionDenied(_("This application is not yours."))
    if applicant.pk != locked.applicant_id:
        _check_acting_for(applicant, locked)
    if locked.is_terminal:
        raise Conflict(
            _("The application is already %(status)s and cannot move again."),
            code="application_finished",
            params={"status": locked.get_status_display()},
        )
    if locked.version != version:
        raise Conflict(
            _("The application changed; reload it."),
            code="stale_version",
            params={"current": {"status": locked.status, "version": locked.version}},
        )
    _finish(
        locked,
        ApplicationStatus.WITHDRAWN,
        applicant,
        timezone.now(),
        reason=reason,
        actor_role=_role_of(applicant, locked),
    )
    return locked


def record_material_view(officer: User, application: Application, *, purpose: str) -> MaterialView:
    """Log an officer opening an applicant's materials; the applicant sees the log."""
    if not officer.is_officer or officer.department is None:
        raise PermissionDenied(_("Only officers of a handling department view materials."))
    if not application.steps.filter(department=officer.department).exists():
        raise PermissionDenied(_("Your department does not handle this application."))
    view = MaterialView.objects.create(
        application=application, officer=officer, department=officer.department, purpose=purpose
    )
    ledger.record(
        "data.access",
        subject_ref=application.ref,
        actor_role="officer",
        department=officer.department.code,
        payload={"ref": application.ref, "purpose": purpose, "view": view.pk},
    )
    return view


# ----- time: reminders and escalation (run by the worker's tick) ------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Remind the holders of open steps whose deadline is within the workflow's
    `remind_before` working days. Each step is reminded once per deadline; returns how many."""
    now = now or timezone.now()
    sent = 0
    # No workflow reminds more than MAX_REMIND_BEFORE_DAYS working days ahead, and so many
    # working days never span more than REMINDER_HORIZON of calendar (Spring Festival included).
    candidates = Step.objects.filter(
        status=StepStatus.OPEN,
        reminded_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + REMINDER_HORIZON,
    ).select_related("application__item_version", "assignee", "department")
    remind_before_of: dict[int, int] = {}
    for step in candidates.iterator():
        version = step.application.item_version
        if version.pk not in remind_before_of:
            remind_before_of[version.pk] = parse_workflow(version.workflow).remind_before_days
        remind_before = remind_before_of[version.pk]
        if calendar.working_days_between(now, step.due_at) > remind_before:
            continue
        with transaction.atomic():
            if Step.objects.filter(pk=step.pk, reminded_at__isnull=True).update(reminded_at=now):
                notices.remind(step)
                sent += 1
    return sent


def escalate_overdue(now: datetime | None = None) -> int:
    """Overdue open steps go to the department's administrators (level 1); a working day later,
    still overdue, to the same kind of department one level up (level 2). Returns how many."""
    now = now or timezone.now()
    moved = 0
    overdue = Step.objects.filter(
        status=StepStatus.OPEN, due_at__lt=now, escalation_level__lt=2
    ).select_related("department__division", "application")
    for step in overdue.iterator():
        if step.escalation_level == 1 and (
            step.escalated_at is None or calendar.add_working_days(step.escalated_at, 1) > now
        ):
            continue
        with transaction.atomic():
            target = (
                step.department
                if step.escalation_level == 0
                else supervising_department(step.department)
            )
            updated = Step.objects.filter(
                pk=step.pk, escalation_level=step.escalation_level
            ).update(
                escalation_level=F("escalation_level") + 1,
                escalated_at=now,
                escalated_to=target,
                version=F("version") + 1,
            )
            if not updated:
                continue
            step.refresh_from_db()
            _transition(
                step.application,
                step,
                "escalated",
                None,
                step.status,
                step.status,
                reason=f"level {step.escalation_level}: {target.code if target else 'none'}",
            )
            notices.escalated(step)
            moved += 1
    return moved


# ----- once-only: materials fetched from the departments ----------------------------------


def _fetch_for_applicant(applicant: User, application: Application, material_key: str):  # type: ignore[no-untyped-def]
    if application.applicant_id != applicant.pk:
        raise PermissionDenied(_("This application is not yours."))
    if application.is_terminal:
        raise Conflict(_("This application is closed."), code="application_closed")
    fetched = (
        FetchedMaterial.objects.select_for_update()
        .filter(application=application, material_key=material_key)
        .first()
    )
    if fetched is None:
        raise NotFound(_("No material of this application is fetched."), field="material_key")
    return fetched


@transaction.atomic
def provide_instead(
    applicant: User, application: Application, *, material_key: str, name: str, content: bytes
) -> Upload:
    """The applicant uploads a material the platform could not fetch (or chose not to wait
    for); the officer then works from the file."""
    fetched = _fetch_for_applicant(applicant, application, material_key)
    if fetched.status == FetchStatus.FETCHED:
        raise Conflict(_("This material was already fetched and verified."), code="fetched")
    upload = _store_upload(
        applicant,
        material_key=material_key,
        name=name,
        content=content,
        checked=check_upload(content, field=f"file_{material_key}"),
        application=application,
    )
    fetched.status = FetchStatus.UPLOADED
    fetched.next_attempt_at = None
    fetched.updated_at = timezone.now()
    fetched.save(update_fields=["status", "next_attempt_at", "updated_at"])
    _record_filing(application, "amended", actor_role="applicant")
    _transition(
        application,
        None,
        "material_uploaded",
        applicant,
        application.status,
        application.status,
        reason=material_key,
    )
    return upload


def retry_fetch(applicant: User, application: Application, *, material_key: str) -> FetchStatus:
    """The applicant asks the platform to try a failed fetch again now."""
    with transaction.atomic():
        fetched = _fetch_for_applicant(applicant, application, material_key)
        if fetched.status not in (FetchStatus.UNAVAILABLE, FetchStatus.NOT_FOUND):
            raise Conflict(_("This material is not waiting for another try."), code="not_retryable")
        fetched.status = FetchStatus.PENDING
        fetched.next_attempt_at = timezone.now()
        fetched.save(update_fields=["status", "next_attempt_at"])
    fetching.run_due(application)
    fetched.refresh_from_db()
    return FetchStatus(fetched.status)


def retry_fetches(now: datetime | None = None) -> int:
    """The worker's tick: fetches whose provider was unavailable, tried again when due."""
    return fetching.run_due(now=now)
