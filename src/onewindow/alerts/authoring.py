"""What an alert must satisfy before it is published, checked all at once so that every
broken field is named (CAP 1.2 and our own rules): who may issue it, its words in Chinese (and
optionally English), its times, its severity for its category, and its area inside the
issuing department's jurisdiction. Nothing is written here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.alerts import geometry
from onewindow.alerts.models import (
    Alert,
    AreaKind,
    Category,
    Certainty,
    DivisionExtent,
    MessageType,
    Severity,
    Status,
    Urgency,
)
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, User

Refuse = Callable[..., None]  # refuse(field, message, **params)
LANGUAGES = ("zh-hans", "en")
REQUIRED_LANGUAGE = "zh-hans"
INFO_FIELDS = ("event", "headline", "description", "instruction", "area_description")
INFO_LIMITS = {"event": 100, "headline": 160, "area_description": 300}

# Which kinds of department issue which categories. There is no weather or water bureau in
# the department list: natural resources issue weather and geological warnings, housing and
# urban management water-supply notices; emergency management issues every category.
ISSUERS: dict[str, frozenset[str]] = {
    DepartmentKind.EMERGENCY: frozenset(Category.values),
    DepartmentKind.NATURAL_RESOURCES: frozenset({Category.MET, Category.GEO}),
    DepartmentKind.HEALTH: frozenset({Category.HEALTH}),
    DepartmentKind.PUBLIC_SECURITY: frozenset(
        {Category.SECURITY, Category.SAFETY, Category.TRANSPORT, Category.RESCUE}
    ),
    DepartmentKind.ECOLOGY: frozenset({Category.ENV, Category.CBRNE}),
    DepartmentKind.HOUSING: frozenset({Category.INFRA}),
    DepartmentKind.CITY_MANAGEMENT: frozenset({Category.INFRA}),
}
# Severities a category may carry: a utility notice is never "Extreme", a warning is never
# of "Unknown" severity.
SEVERITIES: dict[str, frozenset[str]] = {
    Category.INFRA: frozenset({Severity.SEVERE, Severity.MODERATE, Severity.MINOR}),
    Category.MET: frozenset({Severity.EXTREME, Severity.SEVERE, Severity.MODERATE, Severity.MINOR}),
    Category.GEO: frozenset({Severity.EXTREME, Severity.SEVERE, Severity.MODERATE, Severity.MINOR}),
    Category.HEALTH: frozenset(
        {Severity.EXTREME, Severity.SEVERE, Severity.MODERATE, Severity.MINOR}
    ),
}
# "Extreme" is only for a threat that is observed or likely.
EXTREME_CERTAINTIES = frozenset({Certainty.OBSERVED, Certainty.LIKELY})


@dataclass
class InfoDraft:
    language: str
    event: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    area_description: str = ""


@dataclass
class AreaDraft:
    """A division by code, a polygon of points, or a circle (`points` = [centre])."""

    kind: str
    division_code: str = ""
    points: list[geometry.Point] = field(default_factory=list)
    radius_km: float | None = None


@dataclass
class AlertDraft:
    department_code: str
    category: str
    urgency: str
    severity: str
    certainty: str
    onset: datetime
    expires: datetime
    infos: list[InfoDraft]
    areas: list[AreaDraft]
    contact: str = ""
    web: str = ""
    msg_type: str = MessageType.ALERT
    references: str = ""  # the reference of the alert this updates or cancels
    send_now: bool = False  # "Extreme / Immediate": out at once, reviewed afterwards


class AlertRefused(DomainError):
    """The draft breaks rules; `params["errors"]` maps each field to what it breaks."""

    status = 422
    code = "alert_invalid"


GEOMETRY_MESSAGES: dict[str, Promise] = {
    "polygon_too_short": _("A polygon needs at least four points, the last equal to the first."),
    "polygon_out_of_range": _(
        "Every point needs a latitude from -90 to 90 and a longitude from -180 to 180."
    ),
    "polygon_open": _("The polygon is not closed: its last point must equal its first."),
    "polygon_degenerate": _("The polygon needs at least three distinct corners around an area."),
    "polygon_unreadable": _("Write each point as latitude,longitude, separated by spaces."),
    "circle_out_of_range": _(
        "The centre needs a latitude from -90 to 90 and a longitude from -180 to 180."
    ),
    "radius_not_positive": _("The radius must be more than 0 km."),
    "radius_too_large": _("The radius may be at most 500 km."),
}


@dataclass
class Checked:
    """What the checks found besides errors: objects the service writes with."""

    department: Department | None = None
    references: Alert | None = None
    divisions: dict[int, Division] = field(default_factory=dict)  # area index -> division


def check(author: User, draft: AlertDraft, *, now: datetime | None = None) -> Checked:
    """Every rule at once; raises AlertRefused naming each field that breaks one."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    found = Checked()
    # A time without its offset is local time (Asia/Shanghai), as people write it.
    if timezone.is_naive(draft.onset):
        draft.onset = timezone.make_aware(draft.onset)
    if timezone.is_naive(draft.expires):
        draft.expires = timezone.make_aware(draft.expires)

    def refuse(name: str, message: Promise | str, **params: object) -> None:
        errors.setdefault(name, str(message) % params if params else str(message))

    department = (
        Department.objects.select_related("division").filter(code=draft.department_code).first()
    )
    if department is None:
        refuse("department", _("No department has this code."))
    elif not author.is_officer or not _serves(author, department):
        refuse("department", _("You may issue alerts only for your own department."))
    elif department.kind not in ISSUERS:
        refuse("department", _("This department does not issue public alerts."))
    else:
        found.department = department
        if draft.category in Category.values and draft.category not in ISSUERS[department.kind]:
            refuse("category", _("Your department does not issue alerts of this category."))

    for name, choices in (
        ("category", Category),
        ("urgency", Urgency),
        ("severity", Severity),
        ("certainty", Certainty),
        ("msg_type", MessageType),
    ):
        if getattr(draft, name) not in choices.values:
            refuse(name, _("Choose one of the listed values."))
    allowed = SEVERITIES.get(draft.category)
    if allowed is not None and draft.severity in Severity.values and draft.severity not in allowed:
        refuse(
            "severity",
            _("An alert of category %(category)s may not have severity %(severity)s."),
            category=draft.category,
            severity=draft.severity,
        )
    if draft.severity == Severity.EXTREME and draft.certainty not in EXTREME_CERTAINTIES:
        refuse("certainty", _("An extreme alert must be observed or likely."))
    if draft.send_now and not (
        draft.severity == Severity.EXTREME and draft.urgency == Urgency.IMMEDIATE
    ):
        refuse("send_now", _("Only an Extreme and Immediate alert may be sent before approval."))

    if draft.expires <= draft.onset:
        refuse("expires", _("The expiry must be after the onset."))
    elif draft.expires <= now:
        refuse("expires", _("The expiry must be in the future."))
    if len(draft.contact) > 200:
        refuse("contact", _("At most 200 characters."))
    if draft.web and not draft.web.startswith(("https://", "http://")):
        refuse("web", _("Give a web address starting with https://."))

    _check_infos(draft.infos, refuse)
    _check_references(draft, found, refuse)
    if found.department is not None:
        _check_areas(draft.areas, found, refuse)
    elif not draft.areas and found.references is None:
        refuse("areas", _("Name at least one area: a division, a polygon or a circle."))

    if errors:
        raise AlertRefused(
            _("The alert was not published: %(count)s field(s) need attention."),
            params={"errors": errors, "count": len(errors)},
        )
    return found


def _serves(author: User, department: Department) -> bool:
    """The author belongs to the department (or one of its branches)."""
    current = author.department
    while current is not None:
        if current.pk == department.pk:
            return True
        current = current.parent
    return False


def _check_infos(infos: list[InfoDraft], refuse: Refuse) -> None:
    languages = [info.language for info in infos]
    for language in languages:
        if language not in LANGUAGES:
            refuse("infos", _("Write the alert in Chinese, and optionally in English."))
    if len(set(languages)) != len(languages):
        refuse("infos", _("One block per language."))
    if REQUIRED_LANGUAGE not in languages:
        refuse(f"infos.{REQUIRED_LANGUAGE}", _("The Chinese text is required."))
    for info in infos:
        if info.language not in LANGUAGES:
            continue
        for name in INFO_FIELDS:
            value = getattr(info, name).strip()
            if not value:
                refuse(f"infos.{info.language}.{name}", _("This field is required."))
            elif len(value) > INFO_LIMITS.get(name, 4000):
                refuse(
                    f"infos.{info.language}.{name}",
                    _("At most %(limit)s characters."),
                    limit=INFO_LIMITS.get(name, 4000),
                )


def _check_references(draft: AlertDraft, found: Checked, refuse: Refuse) -> None:
    if draft.msg_type == MessageType.ALERT:
        if draft.references:
            refuse("references", _("A new alert references nothing; choose Update or Cancel."))
        return
    if not draft.references:
        refuse("references", _("An update or cancellation names the alert it follows."))
        return
    earlier = Alert.objects.filter(ref=draft.references, status=Status.PUBLISHED).first()
    if earlier is None:
        refuse("references", _("No published alert has this reference."))
    elif found.department is not None and earlier.department_id != found.department.pk:
        refuse("references", _("Only the department that issued an alert updates or cancels it."))
    elif earlier.superseded_by_id is not None:
        refuse("references", _("This alert was already updated or cancelled; follow the newest."))
    else:
        found.references = earlier


def _check_areas(areas: list[AreaDraft], found: Checked, refuse: Refuse) -> None:
    assert found.department is not None
    if not areas:
        if found.references is None:
            refuse("areas", _("Name at least one area: a division, a polygon or a circle."))
        return
    jurisdiction = found.department.division
    extent = DivisionExtent.objects.filter(division=jurisdiction).first()
    box = (
        geometry.Box(extent.south, extent.west, extent.north, extent.east)
        if extent is not None
        else None
    )
    for index, area in enumerate(areas):
        name = f"areas.{index}"
        if area.kind == AreaKind.DIVISION:
            division = Division.objects.filter(code=area.division_code.strip()).first()
            if division is None:
                refuse(f"{name}.division", _("No division has this code."))
            elif not division.is_within(jurisdiction):
                refuse(f"{name}.division", _("This division is outside your jurisdiction."))
            else:
                found.divisions[index] = division
            continue
        try:
            if area.kind == AreaKind.POLYGON:
                geometry.check_polygon(area.points)
                drawn = geometry.polygon_box(area.points)
            elif area.kind == AreaKind.CIRCLE:
                if len(area.points) != 1 or area.radius_km is None:
                    refuse(f"{name}.radius_km", _("A circle needs a centre and a radius."))
                    continue
                geometry.check_circle(area.points[0], area.radius_km)
                drawn = geometry.circle_box(area.points[0], area.radius_km)
            else:
                refuse(f"{name}.kind", _("Choose a division, a polygon or a circle."))
                continue
        except geometry.GeometryError as error:
            target = "radius_km" if error.code.startswith("radius") else "points"
            refuse(f"{name}.{target}", GEOMETRY_MESSAGES[error.code])
            continue
        if box is None:
            refuse(
                f"{name}.points",
                _("Your jurisdiction has no map extent on file: name divisions instead."),
            )
        elif not box.contains_box(drawn):
            target = "radius_km" if area.kind == AreaKind.CIRCLE else "points"
            refuse(f"{name}.{target}", _("The area reaches beyond your jurisdiction."))
