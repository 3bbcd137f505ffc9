"""Who is in an alert's area, and how each of them gets it exactly once.

Targeting: the divisions named (with everything inside them), and the villages whose centre
lies in a drawn polygon or circle, inside the issuing department's jurisdiction. Residents
whose registered division is one of those, or who named one as a place of theirs (home
village, parents' village, workplace), are in the area.

Fan-out: residents in batches, by ascending key. Each batch writes, in one transaction, the
residents' inbox messages (notify.send_many, which queues their e-mail and SMS copies on
commit) and one `AlertDelivery` per resident, unique per alert and resident. A run killed
mid-way committed whole batches only; the next run skips whoever has a delivery. Two runs at
once cannot both deliver to one person: the second insert breaks the unique constraint, its
batch rolls back (messages too) and is read again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_noop

from onewindow.alerts import geometry
from onewindow.alerts.models import (
    Alert,
    AlertDelivery,
    AreaKind,
    DivisionExtent,
    MessageType,
    ResidentPlace,
    Status,
)
from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.identity.models import User, UserKind
from onewindow.notify import services as notify
from onewindow.notify.models import Event


def target_division_ids(alert: Alert) -> set[int]:
    """The divisions in the alert's area (and all divisions inside named ones)."""
    ids: set[int] = set()
    jurisdiction = alert.department.division
    villages: list[tuple[int, float, float]] | None = None
    for area in alert.areas.select_related("division"):
        if area.kind == AreaKind.DIVISION and area.division is not None:
            ids.update(
                Division.objects.filter(path__startswith=area.division.path).values_list(
                    "pk", flat=True
                )
            )
            continue
        if villages is None:
            villages = list(
                DivisionExtent.objects.filter(
                    division__level=Level.VILLAGE,
                    division__path__startswith=jurisdiction.path,
                ).values_list("division_id", "centre_lat", "centre_lon")
            )
        points = [(float(lat), float(lon)) for lat, lon in area.points]
        for division_id, latitude, longitude in villages:
            centre = (latitude, longitude)
            if area.kind == AreaKind.POLYGON:
                inside = geometry.polygon_contains(points, centre)
            else:
                inside = geometry.circle_contains(points[0], float(area.radius_km or 0), centre)
            if inside:
                ids.add(division_id)
    return ids


def residents_in(division_ids: set[int]) -> QuerySet[User]:
    return User.objects.filter(kind=UserKind.CITIZEN, is_active=True, division_id__in=division_ids)


def recipient_batches(division_ids: set[int], *, size: int) -> Iterator[dict[int, int]]:
    """{resident pk: the division they are reached for}, a batch at a time: registered
    residents first, then those who named a place in the area."""
    last = 0
    while True:
        rows = list(
            residents_in(division_ids)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "division_id")[:size]
        )
        if not rows:
            break
        last = rows[-1][0]
        yield {pk: division_id for pk, division_id in rows}
    last = 0
    while True:
        places = list(
            ResidentPlace.objects.filter(
                division_id__in=division_ids,
                resident__kind=UserKind.CITIZEN,
                resident__is_active=True,
                pk__gt=last,
            )
            .exclude(resident__division_id__in=division_ids)
            .order_by("pk")
            .values_list("pk", "resident_id", "division_id")[:size]
        )
        if not places:
            break
        last = places[-1][0]
        yield {resident_id: division_id for _pk, resident_id, division_id in places}


def fan_out(alert_pk: int, *, batch_size: int | None = None) -> int:
    """Deliver the alert to everyone in its area who does not have it yet; returns how many
    got it in this run. A pause between batches (ONEWINDOW_ALERT_BATCH_PAUSE) leaves the
    database to other writers during a large fan-out."""
    alert = Alert.objects.select_related("department__division").get(pk=alert_pk)
    if alert.status != Status.PUBLISHED:
        return 0
    size = batch_size or settings.ONEWINDOW_ALERT_BATCH_SIZE
    pause = settings.ONEWINDOW_ALERT_BATCH_PAUSE
    contexts = {language: message_context(alert, language) for language in notify.LANGUAGES}
    delivered = 0
    for batch in recipient_batches(target_division_ids(alert), size=size):
        delivered += deliver_batch(alert, batch, contexts)
        if pause:
            time.sleep(pause)
    Alert.objects.filter(pk=alert.pk, fan_out_done_at__isnull=True).update(
        fan_out_done_at=timezone.now()
    )
    return delivered


def deliver_batch(
    alert: Alert, division_of: Mapping[int, int], contexts: Mapping[str, Mapping[str, object]]
) -> int:
    """One transaction: the inbox messages and deliveries of the residents in `division_of`
    who do not have the alert yet. Retried once when a concurrent run got there first."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                done = set(
                    AlertDelivery.objects.filter(
                        alert=alert, recipient_id__in=list(division_of)
                    ).values_list("recipient_id", flat=True)
                )
                recipients = list(
                    User.objects.filter(pk__in=[pk for pk in division_of if pk not in done])
                    .only("pk", "email", "mobile_encrypted", "preferred_language")
                    .order_by("pk")
                )
                if not recipients:
                    return 0
                messages = notify.send_many(
                    recipients,
                    Event.PUBLIC_ALERT,
                    context_for=contexts.__getitem__,
                    subject_ref=alert.ref,
                    link=f"/alerts/{alert.ref}/",
                )
                has_mobile = {user.pk: bool(user.mobile_encrypted) for user in recipients}
                AlertDelivery.objects.bulk_create(
                    AlertDelivery(
                        alert=alert,
                        recipient_id=message.recipient_id,
                        message_id=message.pk,
                        division_id=division_of[message.recipient_id],
                        needs_visit=not has_mobile[message.recipient_id],
                    )
                    for message in messages
                )
                return len(messages)
        except IntegrityError:
            if attempt:
                raise
    return 0


KIND_LABELS = {
    MessageType.ALERT: gettext_noop("Alert"),
    MessageType.UPDATE: gettext_noop("Update"),
    MessageType.CANCEL: gettext_noop("Cancelled"),
}


def message_context(alert: Alert, language: str) -> dict[str, object]:
    """What the inbox message says in `language`: the alert's own words in that language
    (Chinese when it has none in it)."""
    with translation.override(language):
        info = alert.info(language)
        department = alert.department
        return {
            "kind": translation.gettext(KIND_LABELS[MessageType(alert.msg_type)]),
            "headline": info.headline,
            "sender": department.name_zh if language.startswith("zh") else department.name_en,
            "description": info.description,
            "instruction": info.instruction,
            "area": info.area_description,
            "expires": formats.date_format(timezone.localtime(alert.expires), "Y-m-d H:i"),
            "ref": alert.ref,
        }
