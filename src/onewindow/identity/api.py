"""The signed-in person's own account and its security (sessions, authorised clients,
consents given to agents), a business's agent authorisations, and the sign-on client
registry for platform administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.security import django_auth

from onewindow.core.errors import NotFound, PermissionDenied
from onewindow.identity import selectors, services
from onewindow.identity.account import security
from onewindow.identity.bearer import person
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import (
    AccessKind,
    AgentConsent,
    BusinessAgent,
    Client,
    DataAccess,
    Department,
    User,
    UserSession,
)
from onewindow.identity.oidc import provider as oidc
from onewindow.identity.oidc.scopes import MY_DATA_READ

router = Router(tags=["identity"], auth=django_auth)


class MeOut(Schema):
    username: str
    kind: str
    real_name: str
    masked_id_number: str
    masked_mobile: str
    division_code: str | None
    preferred_language: str
    prefers_elder_mode: bool

    @staticmethod
    def resolve_division_code(user: User) -> str | None:
        return user.division.code if user.division else None


@router.get(
    "/me", response=MeOut, summary="My account, personal data masked", auth=person("profile")
)
def me(request: HttpRequest) -> User:
    return signed_in_user(request)


# ----- who read my data ------------------------------------------------------------------------


class AccessOut(Schema):
    id: int
    at: datetime
    kind: str
    kind_label: str
    department: str
    department_name: str
    accessor: str
    what: str
    purpose: str
    case_ref: str
    legal_basis: str
    business: str  # the credit code, when the data read was a business's
    ledger_index: int | None
    ledger_url: str | None
    reportable: bool

    @staticmethod
    def resolve_at(access: DataAccess) -> datetime:
        return access.created_at

    @staticmethod
    def resolve_kind_label(access: DataAccess) -> str:
        return str(AccessKind(access.kind).label)

    @staticmethod
    def resolve_department(access: DataAccess) -> str:
        return access.department.code if access.department else ""

    @staticmethod
    def resolve_department_name(access: DataAccess) -> str:
        return access.department.name if access.department else ""

    @staticmethod
    def resolve_business(access: DataAccess) -> str:
        return access.subject_business.credit_code if access.subject_business else ""

    @staticmethod
    def resolve_ledger_url(access: DataAccess, context: dict[str, Any]) -> str | None:
        if access.ledger_index is None:
            return None
        path = f"{reverse('ledger-public')}?index={access.ledger_index}"
        return str(context["request"].build_absolute_uri(path))

    @staticmethod
    def resolve_reportable(access: DataAccess) -> bool:
        return access.is_reportable


@router.get(
    "/my-data/accesses",
    response=list[AccessOut],
    summary="Who read my data (and my businesses' data), newest first",
    description=(
        "The same accesses as the page /my-data/: materials opened, contact details read, "
        "claims released to sites and apps, exchange calls and identity look-ups at a hall, "
        "each with its entry in the public ledger."
    ),
    auth=person(MY_DATA_READ),
)
def my_accesses(request: HttpRequest) -> list[DataAccess]:
    return selectors.accesses_about(signed_in_user(request))


# ----- my account's security -------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    started_at: datetime
    user_agent: str
    ip_address: str | None
    is_current: bool

    @staticmethod
    def resolve_is_current(session: UserSession, context: dict[str, Any]) -> bool:
        return bool(session.session_key == context["request"].session.session_key)


@router.get("/me/sessions", response=list[SessionOut], summary="Where I am signed in")
def my_sessions(request: HttpRequest) -> list[UserSession]:
    return security.active_sessions(signed_in_user(request))


@router.post("/me/sessions/{pk}/end", response={204: None}, summary="Sign one session out")
def end_my_session(request: HttpRequest, pk: int) -> Status[None]:
    security.end_session(signed_in_user(request), pk)
    return Status(204, None)


class AuthorisedClientOut(Schema):
    id: int
    name: str
    kind: str
    contact_department: str
    scopes: list[str]
    is_suspended: bool

    @staticmethod
    def resolve_contact_department(client: Client) -> str:
        return client.contact_department.code

    @staticmethod
    def resolve_scopes(client: Client, context: dict[str, Any]) -> list[str]:
        consent = oidc.active_consent(context["request"].user, client)
        return list(consent.scopes) if consent else []


@router.get("/me/clients", response=list[AuthorisedClientOut], summary="Sites and apps I allowed")
def my_clients(request: HttpRequest) -> list[Client]:
    return list(oidc.authorised_clients(signed_in_user(request)))


class RevokedOut(Schema):
    tokens_revoked: int


@router.post(
    "/me/clients/{pk}/revoke",
    response=RevokedOut,
    summary="Withdraw a site or app: its tokens stop working now",
)
def revoke_my_client(request: HttpRequest, pk: int) -> dict[str, int]:
    user = signed_in_user(request)
    client = oidc.access_authorised_client(user, pk)
    return {"tokens_revoked": oidc.withdraw_consent(user, client)}


class AgentConsentOut(Schema):
    id: int
    agent: str
    agent_kind: str
    method: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    is_valid: bool

    @staticmethod
    def resolve_agent(consent: AgentConsent) -> str:
        return consent.agent.real_name or consent.agent.username

    @staticmethod
    def resolve_agent_kind(consent: AgentConsent) -> str:
        return consent.agent.kind


@router.get(
    "/me/agent-consents",
    response=list[AgentConsentOut],
    summary="Who acted for me with my consent",
)
def my_agent_consents(request: HttpRequest) -> list[AgentConsent]:
    return list(security.consents_given(signed_in_user(request))[:200])


@router.post(
    "/me/agent-consents/{pk}/withdraw",
    response=AgentConsentOut,
    summary="End a consent before its time",
)
def withdraw_my_agent_consent(request: HttpRequest, pk: int) -> AgentConsent:
    return security.withdraw_agent_consent(signed_in_user(request), pk)


# ----- a business's agents (its legal representative) ---------------------------------------


class AuthorisationOut(Schema):
    id: int
    agent: str
    service_types: list[str]
    granted_at: datetime
    withdrawn_at: datetime | None

    @staticmethod
    def resolve_agent(item: BusinessAgent) -> str:
        return item.agent.username


class AuthorisationIn(Schema):
    agent: str  # account name, mobile or ID number
    service_types: list[str] = []


@router.get(
    "/businesses/{code}/agents",
    response=list[AuthorisationOut],
    summary="My business's agent authorisations (legal representative)",
)
def business_agents(request: HttpRequest, code: str) -> list[BusinessAgent]:
    return list(
        selectors.authorisations_of(
            selectors.access_represented_business(signed_in_user(request), code)
        )
    )


@router.post(
    "/businesses/{code}/agents",
    response={201: AuthorisationOut},
    summary="Authorise an agent for some kinds of service (none: all)",
)
def authorise_business_agent(
    request: HttpRequest, code: str, payload: AuthorisationIn
) -> Status[BusinessAgent]:
    user = signed_in_user(request)
    business = selectors.access_represented_business(user, code)
    agent = services.find_user_by_identifier(payload.agent)
    if agent is None:
        raise NotFound(_("No account has this name, mobile or ID number."), field="agent")
    return Status(
        201,
        services.authorise_agent(
            business, by=user, agent=agent, service_types=payload.service_types
        ),
    )


@router.post(
    "/businesses/{code}/agents/{pk}/withdraw",
    response=AuthorisationOut,
    summary="Withdraw an agent's authorisation",
)
def withdraw_business_agent(request: HttpRequest, code: str, pk: int) -> BusinessAgent:
    user = signed_in_user(request)
    business = selectors.access_represented_business(user, code)
    authorisation = selectors.access_agent_authorisation(business, pk)
    return services.withdraw_agent(authorisation, by=user)


# ----- the sign-on client registry (platform administrators) ----------------------------------


def _admin(request: HttpRequest) -> User:
    officer = verified_officer(request)
    if not oidc.is_platform_admin(officer):
        raise PermissionDenied(_("Only platform administrators manage sign-on clients."))
    return officer


class ClientOut(Schema):
    id: int
    client_id: str
    name: str
    kind: str
    contact_department: str
    redirect_uris: list[str]
    allowed_scopes: list[str]
    subject_type: str
    is_public: bool
    suspended_at: datetime | None

    @staticmethod
    def resolve_contact_department(client: Client) -> str:
        return client.contact_department.code

    @staticmethod
    def resolve_redirect_uris(client: Client) -> list[str]:
        return client.redirect_uris.split()

    @staticmethod
    def resolve_is_public(client: Client) -> bool:
        return client.client_type == Client.CLIENT_PUBLIC


class UsageOut(Schema):
    client: ClientOut
    tokens_issued: int
    refreshes: int
    last_30_days: int
    people: int


@router.get("/clients", response=list[UsageOut], summary="Sign-on clients and their use")
def clients(request: HttpRequest) -> list[oidc.Usage]:
    return oidc.usage(_admin(request))


class ClientIn(Schema):
    name: str
    kind: str
    contact_department: str  # department code
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = []
    allowed_scopes: list[str] = []
    is_confidential: bool = True
    lawful_basis: str = ""
    subject_type: str = "pairwise"


class RegisteredOut(ClientOut):
    client_secret: str  # shown in this answer only; the registry keeps a hash

    @staticmethod
    def resolve_client_secret(client: Client) -> str:
        return str(getattr(client, "plain_secret", ""))


@router.post(
    "/clients",
    response={201: RegisteredOut},
    summary="Register a client (its secret is in this answer only)",
)
def register_client(request: HttpRequest, payload: ClientIn) -> Status[Client]:
    admin = _admin(request)
    department = Department.objects.filter(code=payload.contact_department).first()
    if department is None:
        raise NotFound(_("No department has this code."), field="contact_department")
    client, secret = oidc.register_client(
        admin,
        name=payload.name,
        kind=payload.kind,
        contact_department=department,
        redirect_uris=payload.redirect_uris,
        post_logout_redirect_uris=payload.post_logout_redirect_uris,
        allowed_scopes=payload.allowed_scopes,
        is_confidential=payload.is_confidential,
        lawful_basis=payload.lawful_basis,
        subject_type=payload.subject_type,
    )
    setattr(client, "plain_secret", secret)  # noqa: B010  (for this answer only)
    return Status(201, client)


class SuspendIn(Schema):
    reason: str


@router.post("/clients/{pk}/suspend", response=ClientOut, summary="Suspend a client at once")
def suspend_client(request: HttpRequest, pk: int, payload: SuspendIn) -> Client:
    admin = _admin(request)
    return oidc.suspend_client(admin, oidc.access_client(admin, pk), reason=payload.reason)


@router.post("/clients/{pk}/reinstate", response=ClientOut, summary="Reinstate a client")
def reinstate_client(request: HttpRequest, pk: int) -> Client:
    admin = _admin(request)
    return oidc.reinstate_client(admin, oidc.access_client(admin, pk))


class ScopesIn(Schema):
    allowed_scopes: list[str]
    lawful_basis: str = ""


@router.put("/clients/{pk}/scopes", response=ClientOut, summary="Change what a client may ask")
def set_client_scopes(request: HttpRequest, pk: int, payload: ScopesIn) -> Client:
    admin = _admin(request)
    return oidc.set_client_scopes(
        admin,
        oidc.access_client(admin, pk),
        allowed_scopes=payload.allowed_scopes,
        lawful_basis=payload.lawful_basis,
    )
