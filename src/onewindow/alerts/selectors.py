"""Reads of alerts that pages, feeds and the API share."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.alerts.delivery import target_division_ids
from onewindow.alerts.models import (
    Alert,
    AlertDelivery,
    AreaKind,
    MessageType,
    ResidentPlace,
    Status,
)
from onewindow.core.errors import NotFound
from onewindow.core.models import Division
from onewindow.identity.models import User, UserKind
from onewindow.notify.models import DeliveryStatus


def published() -> QuerySet[Alert]:
    return (
        Alert.objects.filter(status=Status.PUBLISHED)
        .select_related("department__division", "references")
        .prefetch_related("infos", "areas__division")
        .order_by("-sent_at", "-pk")
    )


def current(*, division: Division | None = None) -> QuerySet[Alert]:
    """Messages in force: published, not yet updated or cancelled, not expired. With
    `division`, those whose area covers it or lies inside it."""
    found = published().filter(superseded_by__isnull=True, expires__gt=timezone.now())
    if division is None:
        return found
    named = Q(areas__division__path__startswith=division.path) | Q(pk__in=_covering(division))
    # A drawn area reaches the division when a village inside it (or it) lies in the area.
    drawn = [
        alert.pk
        for alert in found.filter(areas__kind__in=[AreaKind.POLYGON, AreaKind.CIRCLE]).distinct()
        if Division.objects.filter(
            pk__in=target_division_ids(alert), path__startswith=division.path
        ).exists()
    ]
    return found.filter(named | Q(pk__in=drawn)).distinct()


def _covering(division: Division) -> QuerySet[Alert, int]:
    """The keys of alerts whose named divisions contain `division`."""
    ancestors = [*division.ancestor_codes(), division.code]
    return Alert.objects.filter(areas__division__code__in=ancestors).values_list("pk", flat=True)


def access_public(ref: str) -> Alert:
    """A published alert by reference (anyone may read it); NotFound otherwise."""
    found = published().filter(ref=ref).first()
    if found is None:
        raise NotFound(_("No such alert."))
    return found


def access_for_officer(officer: User, ref: str) -> Alert:
    """An alert of the officer's own department, whatever its status; NotFound otherwise
    (missing and another department's unpublished draft alike)."""
    found = (
        Alert.objects.select_related("department__division", "references", "author", "approver")
        .prefetch_related("infos", "areas__division")
        .filter(ref=ref)
        .filter(Q(status=Status.PUBLISHED) | Q(department_id=officer.department_id))
        .first()
    )
    if found is None or officer.department_id is None:
        raise NotFound(_("No such alert."))
    return found


def department_alerts(officer: User) -> QuerySet[Alert]:
    if officer.department_id is None:
        return Alert.objects.none()
    return (
        Alert.objects.filter(department_id=officer.department_id)
        .select_related("author", "approver")
        .prefetch_related("infos")
        .order_by("-created_at", "-pk")
    )


def awaiting_approval(officer: User) -> QuerySet[Alert]:
    """The department's alerts waiting for a second officer (not the officer's own), and
    those sent before approval that wait for their review."""
    return (
        department_alerts(officer)
        .exclude(author=officer)
        .filter(
            Q(status=Status.PENDING)
            | Q(status=Status.PUBLISHED, sent_before_review=True, reviewed_at__isnull=True)
        )
    )


def chain(alert: Alert) -> list[Alert]:
    """The alert, what it follows and what followed it, oldest first."""
    first = alert
    while first.references is not None:
        first = first.references
    found = [first]
    while True:
        following = (
            Alert.objects.filter(references=found[-1], status=Status.PUBLISHED)
            .select_related("references")
            .prefetch_related("infos")
            .first()
        )
        if following is None:
            return found
        found.append(following)


def places_of(resident: User) -> QuerySet[ResidentPlace]:
    return ResidentPlace.objects.filter(resident=resident).select_related("division")


def banner_for(user: User) -> list[Alert]:
    """The alerts in force for the resident's registered division and places (no
    cancellations: they end a banner, they do not show one)."""
    if user.kind != UserKind.CITIZEN:
        return []
    divisions = [place.division for place in places_of(user)]
    if user.division_id is not None:
        divisions.insert(0, user.division)  # type: ignore[arg-type]
    found: dict[int, Alert] = {}
    for division in divisions:
        for alert in current(division=division).exclude(msg_type=MessageType.CANCEL):
            found.setdefault(alert.pk, alert)
    return sorted(found.values(), key=lambda alert: alert.sent_at or alert.created_at)


@dataclass(frozen=True)
class Counts:
    """Delivery figures of one alert (or one division of it)."""

    residents: int
    inbox_read: int
    sms_sent: int
    sms_failed: int
    sms_pending: int
    email_sent: int
    email_failed: int
    email_pending: int
    to_visit: int
    informed: int


def _counts(rows: QuerySet[AlertDelivery]) -> dict[str, int]:
    def status(channel: str, value: str) -> Count:
        return Count("pk", filter=Q(**{f"message__{channel}_status": value}))

    return rows.aggregate(
        residents=Count("pk"),
        inbox_read=Count("pk", filter=Q(message__read_at__isnull=False)),
        sms_sent=status("sms", DeliveryStatus.SENT),
        sms_failed=status("sms", DeliveryStatus.FAILED),
        sms_pending=status("sms", DeliveryStatus.PENDING),
        email_sent=status("email", DeliveryStatus.SENT),
        email_failed=status("email", DeliveryStatus.FAILED),
        email_pending=status("email", DeliveryStatus.PENDING),
        to_visit=Count("pk", filter=Q(needs_visit=True)),
        informed=Count("pk", filter=Q(informed_at__isnull=False)),
    )


def delivery_counts(alert: Alert) -> Counts:
    return Counts(**_counts(AlertDelivery.objects.filter(alert=alert)))


def delivery_counts_by_division(alert: Alert) -> list[tuple[Division, Counts]]:
    division_ids = (
        AlertDelivery.objects.filter(alert=alert).values_list("division_id", flat=True).distinct()
    )
    divisions = Division.objects.filter(pk__in=list(division_ids)).order_by("code")
    return [
        (division, Counts(**_counts(AlertDelivery.objects.filter(alert=alert, division=division))))
        for division in divisions
    ]


def visits_for(agent: User) -> QuerySet[AlertDelivery]:
    """The residents of the agent's village without a mobile phone whom a current alert
    reached: the agent tells them in person."""
    if agent.kind != UserKind.STATION_AGENT or agent.division_id is None:
        return AlertDelivery.objects.none()
    return (
        AlertDelivery.objects.filter(
            division_id=agent.division_id,
            needs_visit=True,
            alert__status=Status.PUBLISHED,
            alert__expires__gt=timezone.now(),
        )
        .select_related("alert", "recipient")
        .order_by("informed_at", "alert__sent_at", "recipient__pk")
    )


def access_visit(agent: User, pk: int) -> AlertDelivery:
    found = visits_for(agent).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such resident to inform."))
    return found
