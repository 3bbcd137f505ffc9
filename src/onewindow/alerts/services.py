"""Writes of the alerts app: compose, approve (the two-person rule), reject, review an alert
sent before approval, a village agent marking a resident informed, a resident's places."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.alerts.authoring import AlertDraft, AlertRefused, check
from onewindow.alerts.models import (
    Alert,
    AlertArea,
    AlertCounter,
    AlertDelivery,
    AlertInfo,
    AreaKind,
    PlaceKind,
    ResidentPlace,
    Status,
)
from onewindow.alerts.tasks import fan_out
from onewindow.core.enqueue import enqueue_with_transaction
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.access import NewAccess, record_data_accesses
from onewindow.identity.models import AccessKind, OfficerRole, Role, User, UserKind
from onewindow.ledger import services as ledger

APPROVER_ROLES = (Role.APPROVER, Role.DEPARTMENT_ADMIN)


def compose_alert(author: User, draft: AlertDraft, *, now: datetime | None = None) -> Alert:
    """An officer of an issuing department writes an alert (or an update or cancellation of
    one). It waits for a second officer's approval, unless it is Extreme and Immediate and
    the author sends it at once (`draft.send_now`): then it goes out now and is reviewed
    afterwards.

    Raises AlertRefused naming every field that breaks a rule (nothing is written then).
    """
    now = now or timezone.now()
    found = check(author, draft, now=now)
    assert found.department is not None
    with transaction.atomic():
        alert = Alert.objects.create(
            ref=_next_ref(found.department.division, now),
            department=found.department,
            author=author,
            status=Status.PENDING,
            msg_type=draft.msg_type,
            references=found.references,
            category=draft.category,
            urgency=draft.urgency,
            severity=draft.severity,
            certainty=draft.certainty,
            onset=draft.onset,
            expires=draft.expires,
            contact=draft.contact.strip(),
            web=draft.web.strip(),
            created_at=now,
        )
        AlertInfo.objects.bulk_create(
            AlertInfo(
                alert=alert,
                language=info.language,
                event=info.event.strip(),
                headline=info.headline.strip(),
                description=info.description.strip(),
                instruction=info.instruction.strip(),
                area_description=info.area_description.strip(),
            )
            for info in draft.infos
        )
        if draft.areas:
            AlertArea.objects.bulk_create(
                AlertArea(
                    alert=alert,
                    kind=area.kind,
                    division=found.divisions.get(index),
                    points=[list(point) for point in area.points]
                    if area.kind != AreaKind.DIVISION
                    else [],
                    radius_km=area.radius_km if area.kind == AreaKind.CIRCLE else None,
                )
                for index, area in enumerate(draft.areas)
            )
        elif found.references is not None:
            # An update or cancellation without areas of its own keeps the earlier ones.
            AlertArea.objects.bulk_create(
                AlertArea(
                    alert=alert,
                    kind=area.kind,
                    division=area.division,
                    points=area.points,
                    radius_km=area.radius_km,
                )
                for area in found.references.areas.all()
            )
        ledger.record(
            "alert.composed",
            subject_ref=alert.ref,
            actor_role="alert_author",
            department=found.department.code,
            payload={"msg_type": alert.msg_type, "references": draft.references},
        )
        if draft.send_now:
            alert.sent_before_review = True
            _publish(alert, now=now)
    return alert


def approve_alert(approver: User, alert: Alert, *, now: datetime | None = None) -> Alert:
    """A second officer of the issuing department approves and so publishes the alert.

    Raises PermissionDenied for the author, another department or an officer without an
    approver's role; Conflict when the alert is no longer waiting; AlertRefused when its
    expiry has passed or what it references was superseded meanwhile.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        _may_approve(approver, locked)
        if locked.status != Status.PENDING:
            raise Conflict(_("This alert is not waiting for approval."))
        if locked.expires <= now:
            raise AlertRefused(
                _("The alert has expired; compose it again."),
                field="expires",
                params={"errors": {"expires": _("The expiry must be in the future.")}},
            )
        if locked.references is not None and locked.references.superseded_by_id is not None:
            raise AlertRefused(
                _("The alert it follows was updated meanwhile."),
                field="references",
                params={"errors": {"references": _("Follow the newest message.")}},
            )
        locked.approver = approver
        locked.reviewed_at = now
        _publish(locked, now=now)
    return locked


def reject_alert(approver: User, alert: Alert, *, reason: str) -> Alert:
    """A second officer sends the alert back; nothing is published or sent."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the alert is rejected."), field="reason")
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        _may_approve(approver, locked)
        if locked.status != Status.PENDING:
            raise Conflict(_("This alert is not waiting for approval."))
        locked.status = Status.REJECTED
        locked.approver = approver
        locked.reviewed_at = timezone.now()
        locked.rejection_reason = reason[:300]
        locked.save(update_fields=["status", "approver", "reviewed_at", "rejection_reason"])
        ledger.record(
            "alert.rejected",
            subject_ref=locked.ref,
            actor_role="alert_approver",
            department=locked.department.code,
            payload={},
        )
    return locked


def review_alert(approver: User, alert: Alert) -> Alert:
    """A second officer confirms an Extreme / Immediate alert that went out before approval
    (to take it back, they issue a cancellation)."""
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        _may_approve(approver, locked)
        if not locked.sent_before_review or locked.reviewed_at is not None:
            raise Conflict(_("This alert is not waiting for a review."))
        locked.approver = approver
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["approver", "reviewed_at"])
        ledger.record(
            "alert.reviewed",
            subject_ref=locked.ref,
            actor_role="alert_approver",
            department=locked.department.code,
            payload={},
        )
    return locked


def _may_approve(approver: User, alert: Alert) -> None:
    if approver.pk == alert.author_id:
        raise PermissionDenied(_("A second officer must approve: not the author."))
    if approver.department_id != alert.department_id:
        raise PermissionDenied(_("Only an officer of the issuing department approves."))
    if not OfficerRole.objects.filter(user=approver, role__in=APPROVER_ROLES).exists():
        raise PermissionDenied(_("Approving alerts needs an approver's role."))


def _publish(alert: Alert, *, now: datetime) -> None:
    """Inside the caller's transaction: publish, supersede what it follows, queue the
    fan-out to the residents of the area once the transaction commits."""
    alert.status = Status.PUBLISHED
    alert.sent_at = now
    alert.save()
    if alert.references_id is not None:
        Alert.objects.filter(pk=alert.references_id).update(superseded_by=alert)
    ledger.record(
        "alert.published",
        subject_ref=alert.ref,
        actor_role="alert_author" if alert.sent_before_review else "alert_approver",
        department=alert.department.code,
        payload={
            "msg_type": alert.msg_type,
            "severity": alert.severity,
            "urgency": alert.urgency,
            "before_review": alert.sent_before_review,
        },
    )
    # Queued with the publication: the worker finds the alert committed, and a crash right
    # after the commit does not lose the fan-out.
    enqueue_with_transaction(fan_out, alert.pk)


def _next_ref(division: Division, now: datetime) -> str:
    prefix = f"A{division.code[:6]}-{timezone.localtime(now):%Y%m%d}"
    counter, _created = AlertCounter.objects.select_for_update().get_or_create(prefix=prefix)
    AlertCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{prefix}-{counter.last:04d}"


def mark_informed(agent: User, delivery: AlertDelivery) -> AlertDelivery:
    """A village agent told a resident without a mobile phone in person.

    Raises NotFound unless the delivery is for a resident of the agent's village who needs a
    visit (missing and not-yours alike); marking twice keeps the first time.
    """
    if (
        agent.kind != UserKind.STATION_AGENT
        or agent.division_id is None
        or not delivery.needs_visit
        or delivery.division_id != agent.division_id
    ):
        raise NotFound(_("No such resident to inform."))
    with transaction.atomic():
        updated = AlertDelivery.objects.filter(pk=delivery.pk, informed_at__isnull=True).update(
            informed_at=timezone.now(), informed_by=agent
        )
        if updated:
            ledger.record(
                "alert.informed_in_person",
                subject_ref=delivery.alert.ref,
                actor_role="station_agent",
                department=delivery.alert.department.code,
                payload={"delivery": delivery.pk},
            )
    delivery.refresh_from_db()
    return delivery


def record_visit_list_read(agent: User, residents: list[User], *, alert: Alert) -> None:
    """An agent's list of residents to visit shows their names: each read is recorded (one
    insert for the list), so the residents see who looked them up and why."""
    if residents:
        record_data_accesses(
            [
                NewAccess(
                    kind=AccessKind.CONTACT_READ,
                    subject_user=resident,
                    department=alert.department,
                    accessor=agent.username,
                    actor_role="station_agent",
                    what=_("Name, to tell you of a public alert in person"),
                    purpose="public_alert",
                    case_ref=alert.ref,
                )
                for resident in residents
            ]
        )


def set_place(resident: User, *, kind: str, division_code: str) -> ResidentPlace:
    """A resident names a village to get alerts for (home village, parents', workplace)."""
    if kind not in PlaceKind.values:
        raise DomainError(_("Choose a kind of place."), field="kind")
    division = Division.objects.filter(code=division_code.strip()).first()
    if division is None:
        raise DomainError(_("No division has this code."), field="division")
    place, _created = ResidentPlace.objects.update_or_create(
        resident=resident, kind=kind, defaults={"division": division}
    )
    return place


def remove_place(resident: User, *, kind: str) -> None:
    ResidentPlace.objects.filter(resident=resident, kind=kind).delete()
