"""Alerts over JSON at /api/v1/alerts: anyone reads the alerts in force and each published
one; officers of an issuing department compose, approve and read delivery figures (session
confirmed with the second factor). The CAP 1.2 XML and the Atom feed are at /alerts/.
Health and travel codes at /api/v1/health-code (a resident's own) and /api/v1/health-codes
(a health department's approvers set colours); verifying is credentials' /api/v1 verify."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from onewindow.alerts import health_codes, selectors, services
from onewindow.alerts.authoring import AlertDraft, AreaDraft, InfoDraft
from onewindow.alerts.models import Alert
from onewindow.core.errors import DomainError, NotFound, PermissionDenied, documented_problems
from onewindow.core.models import Division
from onewindow.credentials import services as credentials
from onewindow.credentials.models import Credential
from onewindow.identity.decorators import signed_in_user, verified_officer

router = Router(tags=["alerts"])


class AlertInfoOut(Schema):
    language: str
    event: str
    headline: str
    description: str
    instruction: str
    area_description: str


class AlertAreaOut(Schema):
    kind: str
    division: str | None
    points: list[list[float]]
    radius_km: float | None


class AlertOut(Schema):
    ref: str
    status: str
    msg_type: str
    references: str | None
    superseded_by: str | None
    department: str
    category: str
    urgency: str
    severity: str
    certainty: str
    onset: datetime
    expires: datetime
    sent_at: datetime | None
    contact: str
    web: str
    cap_xml: str
    infos: list[AlertInfoOut]
    areas: list[AlertAreaOut]


def alert_out(alert: Alert) -> dict[str, Any]:
    return {
        "ref": alert.ref,
        "status": alert.status,
        "msg_type": alert.msg_type,
        "references": alert.references.ref if alert.references else None,
        "superseded_by": alert.superseded_by.ref if alert.superseded_by else None,
        "department": alert.department.code,
        "category": alert.category,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "onset": alert.onset,
        "expires": alert.expires,
        "sent_at": alert.sent_at,
        "contact": alert.contact,
        "web": alert.web,
        "cap_xml": f"/alerts/{alert.ref}.xml" if alert.sent_at else "",
        "infos": list(alert.infos.all()),
        "areas": [
            {
                "kind": area.kind,
                "division": area.division.code if area.division else None,
                "points": area.points,
                "radius_km": area.radius_km,
            }
            for area in alert.areas.all()
        ],
    }


class AlertInfoIn(Schema):
    language: str = Field(..., examples=["zh-hans"])
    event: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    area_description: str = ""


class AlertAreaIn(Schema):
    kind: str = Field(..., description="division, polygon or circle")
    division: str = Field("", description="a division code (kind division)")
    points: list[list[float]] = Field(
        default_factory=list,
        description="[[latitude, longitude], ...]: a closed polygon, or a circle's centre",
    )
    radius_km: float | None = None


class AlertIn(Schema):
    department: str
    category: str
    urgency: str
    severity: str
    certainty: str
    onset: datetime
    expires: datetime
    infos: list[AlertInfoIn]
    areas: list[AlertAreaIn] = Field(default_factory=list)
    contact: str = ""
    web: str = ""
    msg_type: str = "Alert"
    references: str = ""
    send_now: bool = False


class DeliveryCountsOut(Schema):
    division: str | None
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


def _points(points: list[list[float]], index: int) -> list[tuple[float, float]]:
    if any(len(point) != 2 for point in points):
        raise DomainError(
            _("Write each point as [latitude, longitude]."),
            field=f"areas.{index}.points",
            code="alert_invalid",
        )
    return [(point[0], point[1]) for point in points]


@router.get(
    "/alerts",
    response=list[AlertOut],
    summary="Alerts in force",
    auth=None,
    openapi_extra=documented_problems(400),
)
def current(request: HttpRequest, division: str = "") -> list[dict[str, Any]]:
    """Published alerts not yet updated, cancelled or expired; `division` (a code) keeps
    those whose area covers it or lies inside it."""
    place = None
    if division:
        place = Division.objects.filter(code=division).first()
        if place is None:
            raise DomainError(
                _("No division has this code."), field="division", code="unknown_division"
            )
    return [alert_out(alert) for alert in selectors.current(division=place)]


@router.get("/alerts/{ref}", response=AlertOut, summary="One published alert", auth=None)
def one(request: HttpRequest, ref: str) -> dict[str, Any]:
    return alert_out(selectors.access_public(ref))


@router.post(
    "/alerts",
    response={201: AlertOut},
    summary="Compose an alert, update or cancellation",
    auth=django_auth,
)
def compose(request: HttpRequest, body: AlertIn) -> Status[dict[str, Any]]:
    """It waits for a second officer of the department, unless it is Extreme and
    Immediate and `send_now` is set. Every broken rule is named in `errors`."""
    author = verified_officer(request)
    draft = AlertDraft(
        department_code=body.department,
        category=body.category,
        urgency=body.urgency,
        severity=body.severity,
        certainty=body.certainty,
        onset=body.onset,
        expires=body.expires,
        infos=[InfoDraft(**info.dict()) for info in body.infos],
        areas=[
            AreaDraft(
                area.kind,
                division_code=area.division,
                points=_points(area.points, index),
                radius_km=area.radius_km,
            )
            for index, area in enumerate(body.areas)
        ],
        contact=body.contact,
        web=body.web,
        msg_type=body.msg_type,
        references=body.references,
        send_now=body.send_now,
    )
    alert = services.compose_alert(author, draft)
    return Status(201, alert_out(selectors.access_for_officer(author, alert.ref)))


@router.post(
    "/alerts/{ref}/approve",
    response=AlertOut,
    summary="Approve an alert (a second officer)",
    auth=django_auth,
)
def approve(request: HttpRequest, ref: str) -> dict[str, Any]:
    officer = verified_officer(request)
    alert = services.approve_alert(officer, selectors.access_for_officer(officer, ref))
    return alert_out(selectors.access_for_officer(officer, alert.ref))


@router.get(
    "/alerts/{ref}/deliveries",
    response=list[DeliveryCountsOut],
    summary="Delivery figures of an alert, in all and by division",
    auth=django_auth,
)
def deliveries(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    """First the totals (`division` null), then one row per division reached."""
    officer = verified_officer(request)
    alert = selectors.access_for_officer(officer, ref)
    if alert.department_id != officer.department_id:
        raise PermissionDenied(_("Only the issuing department sees delivery figures."))
    rows = [{"division": None, **vars(selectors.delivery_counts(alert))}]
    rows += [
        {"division": division.code, **vars(counts)}
        for division, counts in selectors.delivery_counts_by_division(alert)
    ]
    return rows


# ----- health and travel codes --------------------------------------------------------------


class HealthCodeOut(Schema):
    credential_id: str
    number: str
    colour: str = Field(..., description="green, yellow or red")
    holder_name_masked: str
    issuer: str
    valid_from: datetime
    valid_until: datetime | None
    status: str
    qr: str = Field(..., description="the signed QR payload (OW1:...)")
    qr_url: str = Field(..., description="what the printed QR holds: the /v/ verification URL")
    sd_jwt: str


def health_code_out(code: Credential) -> dict[str, Any]:
    subject = credentials.subject_of(code)
    return {
        "credential_id": str(code.pk),
        "number": code.number,
        "colour": subject["colour"],
        "holder_name_masked": subject["holderNameMasked"],
        "issuer": credentials.issuer_id(code.issuer),
        "valid_from": code.valid_from,
        "valid_until": code.valid_until,
        "status": code.status,
        "qr": credentials.qr_of(code),
        "qr_url": credentials.qr_url(code),
        "sd_jwt": credentials.sd_jwt_of(code),
    }


@router.get(
    "/health-code",
    response=HealthCodeOut,
    summary="My current health and travel code",
    auth=django_auth,
    openapi_extra=documented_problems(404),
)
def my_health_code(request: HttpRequest) -> dict[str, Any]:
    """The signed-in resident's code while it is valid; 404 when none is (POST for one)."""
    code = health_codes.current_code(signed_in_user(request))
    if code is None:
        raise NotFound(_("You have no valid health code now."), code="no_health_code")
    return health_code_out(code)


@router.post(
    "/health-code",
    response=HealthCodeOut,
    summary="Get my health and travel code (issued anew when none is valid)",
    auth=django_auth,
    openapi_extra=documented_problems(400, 403),
)
def get_health_code(request: HttpRequest) -> dict[str, Any]:
    return health_code_out(health_codes.code_for(signed_in_user(request)))


class HealthColourIn(Schema):
    id_number: str = Field(..., description="the resident's ID number")
    colour: str = Field(..., description="green, yellow or red")
    reason: str = Field(..., description="kept by the department; only its digest is public")


class HealthColourOut(Schema):
    colour: str
    holder_name_masked: str
    code_number: str
    replaced: str | None = Field(None, description="the number of the code just revoked")


@router.post(
    "/health-codes/colour",
    response=HealthColourOut,
    summary="Set a resident's health code colour (a health department's approver)",
    auth=django_auth,
    openapi_extra=documented_problems(400, 403, 404),
)
def set_health_colour(request: HttpRequest, body: HealthColourIn) -> dict[str, Any]:
    """The resident's code in use is revoked at once and a new one issued with the colour."""
    officer = verified_officer(request)
    if not health_codes.may_decide(officer):
        raise PermissionDenied(_("Only approvers of a health department set health codes."))
    resident = health_codes.find_resident(body.id_number)
    before = health_codes.status_of(resident)
    status = health_codes.set_colour(officer, resident, colour=body.colour, reason=body.reason)
    assert status.code is not None
    return {
        "colour": status.colour,
        "holder_name_masked": status.code.title,
        "code_number": status.code.number,
        "replaced": before.code.number if before is not None and before.code else None,
    }
