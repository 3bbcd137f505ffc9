"""Data sharing over JSON: data services, grants (request, approve, refuse, revoke), and
reports of misuse of an access to the caller's data (the accesses themselves are identity's:
GET /my-data/accesses).

Officer endpoints need a session confirmed with the second factor; stewards decide only on
their own department's data services. The signed machine-to-machine calls themselves are at
/exchange/v1/ (application/jose), not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.security import django_auth

from onewindow.core.errors import NotFound
from onewindow.exchange import selectors, services
from onewindow.exchange.models import AccessGrant, MisuseReport
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import Department, User

router = Router(tags=["data sharing"], auth=django_auth)


def _department(officer: User) -> Department:
    if officer.department is None:
        raise NotFound(_("Your account belongs to no department."), field="department")
    return officer.department


class FieldOut(Schema):
    name: str
    type: str
    label_zh: str
    label_en: str


class DataServiceOut(Schema):
    code: str
    provider: str
    name_zh: str
    name_en: str
    subject_kind: str
    request_fields: list[str]
    response_fields: list[FieldOut]
    sharing_class: str
    legal_basis_zh: str
    legal_basis_en: str

    @staticmethod
    def resolve_provider(service: Any) -> str:
        return str(service.provider.code)


class GrantOut(Schema):
    id: int
    service: str
    provider: str
    consumer: str
    purpose: str
    fields: list[str]
    status: str
    requested_at: datetime
    decided_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    refusal_reason: str
    allows_secrecy: bool

    @staticmethod
    def resolve_service(grant: AccessGrant) -> str:
        return grant.service.code

    @staticmethod
    def resolve_provider(grant: AccessGrant) -> str:
        return grant.service.provider.code

    @staticmethod
    def resolve_consumer(grant: AccessGrant) -> str:
        return grant.consumer_code  # "320000/320100-CA" for a peer region's department


class GrantRequestIn(Schema):
    service: str
    purpose: str
    fields: list[str]


class GrantApproveIn(Schema):
    fields: list[str]
    expires_at: datetime
    # Calls may carry a legal secrecy order (investigations): hidden from the person until
    # the order's disclosure date.
    allows_secrecy: bool = False


class GrantRefuseIn(Schema):
    reason: str


class ReportIn(Schema):
    reason: str


class ReportOut(Schema):
    case: str
    access: int | None
    department: str
    status: str
    created_at: datetime
    due_at: datetime
    finding: str
    ledger_index: int | None

    @staticmethod
    def resolve_access(report: MisuseReport) -> int | None:
        return report.message.access_id

    @staticmethod
    def resolve_department(report: MisuseReport) -> str:
        return report.department.code


class DecideIn(Schema):
    upheld: bool
    finding: str


def _grant_of_provider(officer: User, grant_id: int) -> AccessGrant:
    found = selectors.grants_to_decide(_department(officer)).filter(pk=grant_id).first()
    if found is None:
        raise NotFound(_("No request for your department's data has this id."), field="id")
    return found


@router.get(
    "/data-services", response=list[DataServiceOut], summary="Every department's data services"
)
def data_services(request: HttpRequest) -> Any:
    verified_officer(request)
    return selectors.data_services()


@router.get(
    "/grants",
    response=list[GrantOut],
    summary="Grants my department holds and, for stewards, requests for its data",
)
def grants(request: HttpRequest) -> Any:
    officer = verified_officer(request)
    department = _department(officer)
    held = list(selectors.grants_held(department)[:200])
    is_steward = identity_selectors.roles_of(officer).filter(role="data_steward").exists()
    asked = list(selectors.grants_to_decide(department)[:200]) if is_steward else []
    return held + [grant for grant in asked if grant not in held]


@router.post("/grants", response={201: GrantOut}, summary="Ask for access to a data service")
def request_grant(request: HttpRequest, payload: GrantRequestIn) -> Status[AccessGrant]:
    officer = verified_officer(request)
    service = selectors.data_services().filter(code=payload.service).first()
    if service is None:
        raise NotFound(_("No data service has this code."), field="service")
    return Status(
        201,
        services.request_grant(officer, service, purpose=payload.purpose, fields=payload.fields),
    )


@router.post("/grants/{grant_id}/approve", response=GrantOut, summary="Approve (stewards)")
def approve_grant(request: HttpRequest, grant_id: int, payload: GrantApproveIn) -> AccessGrant:
    officer = verified_officer(request)
    return services.approve_grant(
        officer,
        _grant_of_provider(officer, grant_id),
        fields=payload.fields,
        expires_at=payload.expires_at,
        allows_secrecy=payload.allows_secrecy,
    )


@router.post("/grants/{grant_id}/refuse", response=GrantOut, summary="Refuse (stewards)")
def refuse_grant(request: HttpRequest, grant_id: int, payload: GrantRefuseIn) -> AccessGrant:
    officer = verified_officer(request)
    return services.refuse_grant(
        officer, _grant_of_provider(officer, grant_id), reason=payload.reason
    )


@router.post("/grants/{grant_id}/revoke", response=GrantOut, summary="Revoke at once (stewards)")
def revoke_grant(request: HttpRequest, grant_id: int) -> AccessGrant:
    officer = verified_officer(request)
    return services.revoke_grant(officer, _grant_of_provider(officer, grant_id))


@router.post(
    "/my-data/accesses/{access_id}/report",
    response={201: ReportOut},
    summary="Report a suspected misuse of one access",
)
def report_misuse(request: HttpRequest, access_id: int, payload: ReportIn) -> Status[MisuseReport]:
    user = signed_in_user(request)
    access = identity_selectors.access_about(user, access_id)
    return Status(201, services.report_misuse(user, access, reason=payload.reason))


@router.get("/misuse-cases", response=list[ReportOut], summary="My department's cases")
def misuse_cases(request: HttpRequest) -> Any:
    officer = verified_officer(request)
    return list(selectors.misuse_cases(_department(officer))[:200])


@router.post(
    "/misuse-cases/{case}/decide", response=ReportOut, summary="Record the finding (supervisors)"
)
def decide_misuse(request: HttpRequest, case: str, payload: DecideIn) -> MisuseReport:
    officer = verified_officer(request)
    found = selectors.misuse_case(_department(officer), case)
    return services.decide_misuse(officer, found, upheld=payload.upheld, finding=payload.finding)
