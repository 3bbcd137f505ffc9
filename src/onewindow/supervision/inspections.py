"""Inspections: the checklist, findings (each on a check), photos, the business's signature or
refusal, the result published within the legal period; rectification orders with re-inspections,
and administrative penalties that reach the business's credit profile through the exchange."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal_data
from onewindow.core.calendar import add_working_days
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.exchange import services as exchange
from onewindow.exchange.credit import services as credit
from onewindow.exchange.models import DataService
from onewindow.identity.models import Role, User
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.models import Event
from onewindow.supervision import signals
from onewindow.supervision.models import (
    Acknowledgement,
    ChecklistItem,
    CheckOutcome,
    CheckResult,
    DeclaredRelation,
    Finding,
    Inspection,
    InspectionKind,
    InspectionMode,
    InspectionStatus,
    Inspector,
    OrderStatus,
    Penalty,
    Photo,
    RectificationOrder,
    Severity,
)
from onewindow.supervision.services import next_ref, refuse, require_supervisor

log = logging.getLogger("onewindow.supervision")

# Results are published within 20 working days of the inspection (State Council General
# Office, Guofa Ban [2019] No. 5, on "double random, one public" supervision).
PUBLISH_WITHIN_WORKING_DAYS = 20
PHOTO_MAX_BYTES = 5 * 1024 * 1024
# What a photo's first bytes must be, by the type it claims.
PHOTO_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}
SIGNATORY_CONTEXT = "supervision.signatory"
# The data service through which market supervision publishes its penalty decisions.
PENALTY_SERVICE = "market_supervision.administrative_penalties"


def inspector_of(user: User) -> Inspector:
    inspector = Inspector.objects.filter(user=user, is_active=True).first()
    if inspector is None:
        raise refuse(PermissionDenied(_("Only an appointed inspector may do this.")))
    return inspector


def _assigned(user: User, inspection: Inspection) -> Inspector:
    inspector = inspector_of(user)
    if not inspection.inspectors.filter(pk=inspector.pk).exists():
        raise refuse(NotFound(_("No inspection of yours has this number."), field="ref"))
    if DeclaredRelation.objects.filter(inspector=inspector, business=inspection.business).exists():
        raise refuse(
            DomainError(
                _("You declared a relation with this business: another inspector must go."),
                code="inspector_conflict",
                field="inspectors",
            )
        )
    return inspector


def _open(user: User, inspection: Inspection) -> Inspector:
    inspector = _assigned(user, inspection)
    if inspection.status != InspectionStatus.SCHEDULED:
        raise refuse(Conflict(_("This inspection is completed."), code="inspection_completed"))
    return inspector


def _checks_of(inspection: Inspection) -> dict[int, ChecklistItem]:
    return {
        check.pk: check for check in ChecklistItem.objects.filter(item__in=inspection.items.all())
    }


@transaction.atomic
def record_checks(user: User, inspection: Inspection, outcomes: Mapping[int, str]) -> int:
    """The inspector ticks the checklist: checklist item pk → passed / failed / not applicable."""
    _open(user, inspection)
    checks = _checks_of(inspection)
    for pk, outcome in outcomes.items():
        if pk not in checks:
            raise refuse(DomainError(_("Not a check of this inspection."), field="checks"))
        if outcome not in CheckOutcome.values:
            raise refuse(DomainError(_("Choose an outcome for every check."), field="checks"))
        CheckResult.objects.update_or_create(
            inspection=inspection, checklist_item=checks[pk], defaults={"outcome": outcome}
        )
    return len(outcomes)


@transaction.atomic
def record_finding(
    user: User,
    inspection: Inspection,
    *,
    checklist_item: int | None,
    description: str,
    severity: str,
) -> Finding:
    """A finding, tied to a check of the inspection's checklist (the check is marked failed).
    Raises DomainError `finding_without_checklist_item` on `checklist_item`, on `description`
    or `severity`; Conflict when the inspection is completed."""
    inspector = _open(user, inspection)
    checks = _checks_of(inspection)
    if checklist_item is None or checklist_item not in checks:
        raise refuse(
            DomainError(
                _("A finding must name the check of this inspection's checklist it breaks."),
                code="finding_without_checklist_item",
                field="checklist_item",
            )
        )
    if not description.strip():
        raise refuse(
            DomainError(_("Describe what was found."), code="required", field="description")
        )
    if severity not in Severity.values:
        raise refuse(DomainError(_("Choose a severity."), code="invalid", field="severity"))
    finding = Finding.objects.create(
        inspection=inspection,
        checklist_item=checks[checklist_item],
        description=description.strip()[:2000],
        severity=severity,
        recorded_by=inspector,
    )
    CheckResult.objects.update_or_create(
        inspection=inspection,
        checklist_item=checks[checklist_item],
        defaults={"outcome": CheckOutcome.FAILED},
    )
    business = inspection.business
    values = {
        "inspection_ref": inspection.ref,
        "finding_id": finding.pk,
        "business_credit_code": business.credit_code,
        "business_name": business.name,
        "division_code": business.division.code,
        "department_codes": sorted(d.code for d in inspection.departments.all()),
        "severity": severity,
        "description": finding.description,
        "recorded_at": finding.recorded_at,
    }
    transaction.on_commit(lambda: signals.finding_recorded.send(sender=Finding, **values))
    return finding


def _photo_type(upload: UploadedFile) -> str:
    claimed = (upload.content_type or "").lower()
    if claimed not in PHOTO_SIGNATURES:
        raise refuse(
            DomainError(
                _("A photo must be a JPEG, PNG or WebP image."), code="photo_type", field="photo"
            )
        )
    if (upload.size or 0) > PHOTO_MAX_BYTES:
        raise refuse(
            DomainError(_("A photo may be at most 5 MB."), code="photo_too_large", field="photo")
        )
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(PHOTO_SIGNATURES[claimed]):
        raise refuse(
            DomainError(
                _("The file is not the image type it claims to be."),
                code="photo_type",
                field="photo",
            )
        )
    return claimed


@transaction.atomic
def add_photo(
    user: User, inspection: Inspection, upload: UploadedFile, *, finding: Finding | None = None
) -> Photo:
    """A photo of the visit (of a finding when named). Raises DomainError on `photo`: not a
    JPEG/PNG/WebP by its first bytes, or over 5 MB."""
    _open(user, inspection)
    content_type = _photo_type(upload)
    data = upload.read()
    if finding is not None and finding.inspection_id != inspection.pk:
        raise refuse(DomainError(_("Not a finding of this inspection."), field="finding"))
    digest = hashlib.sha256(data).hexdigest()
    photo = Photo(
        inspection=inspection,
        finding=finding,
        content_type=content_type,
        size=len(data),
        sha256=digest,
    )
    photo.file.save(f"{inspection.ref}-{digest[:16]}", ContentFile(data), save=False)
    photo.save()
    return photo


@transaction.atomic
def complete_inspection(
    user: User,
    inspection: Inspection,
    *,
    mode: str,
    signed: bool,
    signatory: str = "",
    refusal_note: str = "",
    summary: str = "",
) -> Inspection:
    """The inspector closes the visit with the business's signature (its signatory's name,
    kept encrypted) or the noted refusal to sign. Every check must have an outcome. The result
    is due for publication within 20 working days. A re-inspection settles its orders."""
    inspector = _open(user, inspection)
    if mode not in InspectionMode.values:
        raise refuse(
            DomainError(_("Say whether the inspection was on site or remote."), field="mode")
        )
    if signed and not signatory.strip():
        raise refuse(DomainError(_("Name who signed for the business."), field="signatory"))
    if not signed and not refusal_note.strip():
        raise refuse(DomainError(_("Note how the business refused to sign."), field="refusal_note"))
    unchecked = set(_checks_of(inspection)) - set(
        inspection.checks.values_list("checklist_item", flat=True)
    )
    if unchecked:
        raise refuse(
            DomainError(
                _("%(count)s checks have no outcome yet."),
                code="checklist_incomplete",
                field="checks",
                params={"count": len(unchecked)},
            )
        )
    now = timezone.now()
    inspection.mode = mode
    inspection.acknowledgement = Acknowledgement.SIGNED if signed else Acknowledgement.REFUSED
    inspection.signatory_encrypted = (
        personal_data.encrypt(signatory.strip(), context=SIGNATORY_CONTEXT) if signed else ""
    )
    inspection.refusal_note = "" if signed else refusal_note.strip()[:300]
    inspection.summary = summary.strip()[:4000]
    inspection.status = InspectionStatus.COMPLETED
    inspection.completed_at = now
    inspection.publish_due = add_working_days(now, PUBLISH_WITHIN_WORKING_DAYS)
    receipt = ledger.record(
        "supervision.inspection_completed",
        subject_ref=f"inspection:{inspection.ref}",
        actor_role="inspector",
        department=inspector.department.code,
        payload={
            "inspection": inspection.ref,
            "findings": inspection.findings.count(),
            "acknowledgement": inspection.acknowledgement,
            "mode": mode,
            "by": inspector.certificate_number,
        },
    )
    inspection.ledger_index = receipt.index
    inspection.save()
    if inspection.kind == InspectionKind.REINSPECTION:
        failed = set(inspection.findings.values_list("checklist_item", flat=True))
        for order in RectificationOrder.objects.filter(reinspection=inspection).select_related(
            "finding"
        ):
            order.status = (
                OrderStatus.NOT_RECTIFIED
                if order.finding.checklist_item_id in failed
                else OrderStatus.RECTIFIED
            )
            order.closed_at = now
            order.save(update_fields=["status", "closed_at"])
    return inspection


def may_publish(user: User, inspection: Inspection) -> bool:
    inspector = Inspector.objects.filter(user=user).first()
    if inspector is not None and inspection.inspectors.filter(pk=inspector.pk).exists():
        return True
    return bool(
        user.department_id
        and inspection.departments.filter(pk=user.department_id).exists()
        and user.roles.filter(role="supervisor").exists()
    )


@transaction.atomic
def publish_result(user: User, inspection: Inspection) -> Inspection:
    """Publish a completed inspection's result on the public results page."""
    if not may_publish(user, inspection):
        raise refuse(NotFound(_("No inspection of yours has this number."), field="ref"))
    if inspection.status != InspectionStatus.COMPLETED:
        raise refuse(
            Conflict(
                _("Only a completed, unpublished result can be published."), code="not_completed"
            )
        )
    now = timezone.now()
    on_time = inspection.publish_due is None or now <= inspection.publish_due
    inspection.status = InspectionStatus.PUBLISHED
    inspection.published_at = now
    inspection.save(update_fields=["status", "published_at"])
    ledger.record(
        "supervision.result_published",
        subject_ref=f"inspection:{inspection.ref}",
        actor_role="inspector",
        department=inspection.departments.order_by("code").first().code,  # type: ignore[union-attr]
        payload={
            "inspection": inspection.ref,
            "on_time": on_time,
        },
    )
    return inspection


# Supervisors hear of a result this many working days before it falls due.
WARN_WITHIN_WORKING_DAYS = 3


def warn_of_results_due(now: datetime | None = None) -> int:
    """Tell the supervisors of a completed, unpublished inspection's departments once when its
    result falls due within 3 working days and once when it is overdue (the worker's tick).
    Each warning is claimed by a conditional update, so a late or doubled tick warns nobody
    twice. Returns how many inspections were warned of."""
    now = now or timezone.now()
    pending = Inspection.objects.filter(
        status=InspectionStatus.COMPLETED, publish_due__isnull=False
    ).select_related("business")
    overdue = pending.filter(publish_due__lt=now, overdue_warned_at__isnull=True)
    due_soon = pending.filter(
        publish_due__gte=now,
        publish_due__lte=add_working_days(now, WARN_WITHIN_WORKING_DAYS),
        due_warned_at__isnull=True,
    )
    warned = 0
    for inspection in overdue:
        # An overdue result needs no "due soon" warning any more.
        claim = {"overdue_warned_at": now, "due_warned_at": inspection.due_warned_at or now}
        warned += _warn(inspection, "overdue_warned_at", claim, _("it is overdue"))
    for inspection in due_soon:
        warned += _warn(
            inspection,
            "due_warned_at",
            {"due_warned_at": now},
            # Lazy to the end: notify renders it in each supervisor's language.
            format_lazy(
                _("it falls due within {days} working days"), days=WARN_WITHIN_WORKING_DAYS
            ),
        )
    return warned


def _warn(inspection: Inspection, field: str, claim: dict[str, Any], state: Any) -> int:
    with transaction.atomic():
        claimed = Inspection.objects.filter(
            pk=inspection.pk, status=InspectionStatus.COMPLETED, **{f"{field}__isnull": True}
        ).update(**claim)
        if not claimed:
            return 0
        supervisors = User.objects.filter(
            department__in=inspection.departments.all(), roles__role=Role.SUPERVISOR
        ).distinct()
        due = timezone.localtime(inspection.publish_due).strftime("%Y-%m-%d %H:%M")
        for supervisor in supervisors:
            notify.send(
                supervisor,
                Event.INSPECTION_RESULT_DUE,
                context={
                    "ref": inspection.ref,
                    "business": inspection.business.name,
                    "due": due,
                    "state": state,
                },
                subject_ref=f"inspection:{inspection.ref}",
                link=reverse("supervision:inspection", args=[inspection.ref]),
            )
    return 1


# ----- rectification and penalties -----------------------------------------------------------


@transaction.atomic
def order_rectification(user: User, finding: Finding, *, working_days: int) -> RectificationOrder:
    """Order the business to rectify a finding within `working_days` (1–60) and schedule the
    re-inspection by the same inspectors."""
    inspection = finding.inspection
    inspector = _assigned(user, inspection)
    if not 1 <= working_days <= 60:
        raise refuse(
            DomainError(
                _("A deadline is 1 to 60 working days."), code="invalid", field="working_days"
            )
        )
    if RectificationOrder.objects.filter(finding=finding).exists():
        raise refuse(Conflict(_("This finding already has an order."), code="order_exists"))
    now = timezone.now()
    reinspection = Inspection.objects.create(
        ref=next_ref(f"FC{inspection.ref}"),
        kind=InspectionKind.REINSPECTION,
        plan=inspection.plan,
        business=inspection.business,
        reinspection_of=inspection,
    )
    reinspection.departments.set(inspection.departments.all())
    reinspection.items.set(inspection.items.all())
    reinspection.inspectors.set(inspection.inspectors.all())
    order = RectificationOrder.objects.create(
        ref=next_ref(f"ZG{inspection.ref}"),
        finding=finding,
        due=add_working_days(now, working_days),
        reinspection=reinspection,
        issued_at=now,
    )
    receipt = ledger.record(
        "supervision.rectification_ordered",
        subject_ref=f"inspection:{inspection.ref}",
        actor_role="inspector",
        department=inspector.department.code,
        payload={
            "order": order.ref,
            "due": order.due.isoformat(),
            "reinspection": reinspection.ref,
        },
    )
    order.ledger_index = receipt.index
    order.save(update_fields=["ledger_index"])
    return order


def _penalty_row(penalty: Penalty) -> dict[str, Any]:
    return {
        "decision_number": penalty.decision_number,
        "decided_on": penalty.decided_on.isoformat(),
        "authority": penalty.department.name_zh,
        "violation": penalty.violation,
        "penalty_type": "罚款" if penalty.fine_fen else "警告",
        "legal_basis": penalty.legal_basis,
        "fine_fen": penalty.fine_fen,
        "publicity_category": penalty.publicity_category,
        "inspection": penalty.inspection.ref,
    }


def _publish_penalties(credit_code: str) -> None:
    """The provider's record of every penalty on the business, as its data service answers."""
    service = DataService.objects.filter(code=PENALTY_SERVICE).first()
    if service is None:
        raise refuse(
            DomainError(
                _("Market supervision's penalty data service is not published."),
                code="penalty_service_missing",
                field="decision_number",
            )
        )
    penalties = Penalty.objects.filter(business__credit_code=credit_code).select_related(
        "department", "inspection"
    )
    exchange.load_records(
        service, [(credit_code, {"penalties": [_penalty_row(p) for p in penalties]})]
    )


def refresh_credit(credit_code: str) -> None:
    """Ask the credit platform to refresh the profile (after commit, so it reads the penalty);
    a failure is logged, the penalty stands and the next refresh picks it up."""
    try:
        credit.refresh_profile(credit_code)
    except DomainError as error:
        log.warning("credit refresh after a penalty failed for a business: %s", error)


@transaction.atomic
def decide_penalty(
    supervisor: User,
    inspection: Inspection,
    *,
    finding_ids: list[int],
    decision_number: str,
    violation: str,
    legal_basis: str,
    fine_fen: int,
    decided_on: date,
    publicity_category: str = "general",
) -> Penalty:
    """An administrative penalty on findings of a completed inspection, under a decision
    number. Published through market supervision's data service and, after commit, on the
    business's credit profile with its publicity period (exchange.credit.PUBLICITY_RULES)."""
    department = require_supervisor(supervisor)
    if not inspection.departments.filter(pk=department.pk).exists():
        raise refuse(NotFound(_("No inspection of your department has this number."), field="ref"))
    if inspection.status == InspectionStatus.SCHEDULED:
        raise refuse(
            Conflict(_("Decide a penalty once the inspection is completed."), code="not_completed")
        )
    findings = list(inspection.findings.filter(pk__in=finding_ids))
    if not findings or len(findings) != len(set(finding_ids)):
        raise refuse(
            DomainError(
                _("Name the findings of this inspection the penalty is for."), field="findings"
            )
        )
    number = decision_number.strip()
    if not number or Penalty.objects.filter(decision_number=number).exists():
        raise refuse(
            DomainError(
                _("Give a decision number not used before."),
                code="decision_number_taken",
                field="decision_number",
            )
        )
    if not violation.strip() or not legal_basis.strip():
        raise refuse(DomainError(_("Name the violation and its legal basis."), field="violation"))
    if fine_fen < 0:
        raise refuse(DomainError(_("A fine cannot be negative."), field="fine_fen"))
    if publicity_category not in credit.PUBLICITY_RULES:
        raise refuse(DomainError(_("Unknown publicity category."), field="publicity_category"))
    if decided_on > timezone.localdate():
        raise refuse(
            DomainError(_("A decision cannot be dated in the future."), field="decided_on")
        )
    penalty = Penalty.objects.create(
        decision_number=number,
        inspection=inspection,
        business=inspection.business,
        department=department,
        violation=violation.strip()[:200],
        legal_basis=legal_basis.strip()[:300],
        fine_fen=fine_fen,
        publicity_category=publicity_category,
        decided_on=decided_on,
    )
    penalty.findings.set(findings)
    _publish_penalties(inspection.business.credit_code)
    receipt = ledger.record(
        "supervision.penalty_decided",
        subject_ref=f"inspection:{inspection.ref}",
        actor_role="supervisor",
        department=department.code,
        payload={
            "decision": number,
            "fine_fen": fine_fen,
            "findings": len(findings),
        },
    )
    penalty.ledger_index = receipt.index
    penalty.save(update_fields=["ledger_index"])
    credit_code = inspection.business.credit_code
    # The refresh calls the exchange, which logs each call in its own transaction.
    transaction.on_commit(lambda: refresh_credit(credit_code))
    return penalty
