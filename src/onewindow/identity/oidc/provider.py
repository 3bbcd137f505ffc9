"""Sign-on for other sites and apps: subjects, claims, remembered consent, the client registry
and its usage counts. django-oauth-toolkit runs the protocol (see validator.py and
docs/adr/0006-oidc-provider.md); what OneWindow decides lives here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from onewindow.core.errors import DomainError, NotFound, PermissionDenied
from onewindow.identity.access import record_data_access
from onewindow.identity.models import (
    AccessKind,
    Client,
    ClientConsent,
    ClientKind,
    ClientUsage,
    Department,
    OfficerRole,
    Role,
    SubjectType,
    User,
)
from onewindow.identity.oidc.scopes import CLAIM_LABELS, ID_NUMBER, SCOPES
from onewindow.ledger import services as ledger

# ----- who the person is to a client ----------------------------------------------------------


def sector_of(client: Client) -> str:
    """OIDC Core 8.1: the pairwise sector is the registered sector identifier, else the host
    of the client's (first) redirect URI."""
    if client.sector_identifier:
        return client.sector_identifier
    uris = client.redirect_uris.split()
    return (urlsplit(uris[0]).hostname or "") if uris else client.client_id


def subject_for(user: User, client: Client) -> str:
    """The `sub` this client sees: by default pairwise (an HMAC of the sector and the account
    with a server secret, so two clients cannot match their users by it); public clients see
    one identifier shared by every public client."""
    sector = "public" if client.subject_type == SubjectType.PUBLIC else sector_of(client)
    key = settings.ONEWINDOW_OIDC_SUBJECT_KEY.encode()
    digest = hmac.new(key, f"{sector}|{user.pk}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def claims_for(user: User, client: Client) -> dict[str, Any]:
    """Every claim OneWindow can release; django-oauth-toolkit keeps those whose scope was
    granted. Values that decrypt are callables, so nothing is decrypted that is not sent."""
    division = user.division
    return {
        "sub": subject_for(user, client),
        "name": user.real_name or user.username,
        "id_number_masked": lambda request: user.masked_id_number,
        "account_type": user.kind,
        "division": division.code if division else None,
        "division_name": division.name_zh if division else None,
        ID_NUMBER: lambda request: user.plain_id_number(),
    }


@dataclass(frozen=True)
class ScopeView:
    """One scope on the consent screen, with exactly the claims the client will receive."""

    name: str
    description: str | Promise
    claims: list[tuple[str | Promise, str]]
    is_sensitive: bool


def consent_preview(user: User, client: Client, scopes: Iterable[str]) -> list[ScopeView]:
    """What the consent screen shows: per scope, each claim with this person's value (the
    full ID number itself is shown masked: the screen need not show it in full)."""
    values = claims_for(user, client)
    shown: list[ScopeView] = []
    for name in scopes:
        scope = SCOPES.get(name)
        if scope is None:
            continue
        claims = []
        for claim in scope.claims:
            if claim == "sub":
                claims.append((CLAIM_LABELS[claim], ""))
                continue
            if claim == ID_NUMBER:
                value = user.masked_id_number
            else:
                raw = values[claim]
                value = raw(None) if callable(raw) else raw
            claims.append((CLAIM_LABELS[claim], str(value or "—")))
        shown.append(
            ScopeView(
                name=name,
                description=scope.description,
                claims=claims,
                is_sensitive=scope.needs_lawful_basis,
            )
        )
    return shown


# ----- consent --------------------------------------------------------------------------------


def active_consent(user: User, client: Client) -> ClientConsent | None:
    return ClientConsent.objects.filter(user=user, client=client, withdrawn_at__isnull=True).first()


def consent_covers(user: User, client: Client, scopes: Iterable[str]) -> bool:
    """True when the person already allowed this client every one of these scopes."""
    consent = active_consent(user, client)
    return consent is not None and set(scopes) <= set(consent.scopes)


@transaction.atomic
def record_consent(user: User, client: Client, scopes: Iterable[str]) -> ClientConsent:
    """The person allowed the client these scopes (added to what they allowed before)."""
    consent = (
        ClientConsent.objects.select_for_update()
        .filter(user=user, client=client, withdrawn_at__isnull=True)
        .first()
    )
    wanted = sorted(set(scopes) | set(consent.scopes if consent else []))
    if consent is None:
        consent = ClientConsent.objects.create(user=user, client=client, scopes=wanted)
    elif wanted != consent.scopes:
        consent.scopes = wanted
        consent.granted_at = timezone.now()
        consent.save(update_fields=["scopes", "granted_at"])
    else:
        return consent
    ledger.record(
        "identity.client_authorised",
        subject_ref=f"user:{user.pk}",
        actor_role="person",
        department=client.contact_department.code,
        payload={"client": client.pk, "scopes": wanted},
    )
    return consent


def _revoke_tokens(user: User, client: Client) -> int:
    """Revoke every token and code the client holds for the person; returns how many."""
    refreshes = list(
        RefreshToken.objects.filter(user=user, application=client, revoked__isnull=True)
    )
    revoked: int = (
        len(refreshes) + AccessToken.objects.filter(user=user, application=client).count()
    )
    for refresh in refreshes:
        refresh.revoke()  # takes its access token with it
    for access in AccessToken.objects.filter(user=user, application=client):
        access.revoke()
    IDToken.objects.filter(user=user, application=client).delete()
    Grant.objects.filter(user=user, application=client).delete()
    return revoked


@transaction.atomic
def withdraw_consent(user: User, client: Client) -> int:
    """The person takes back what they allowed a client: its tokens stop working at once and
    it must ask again. Returns the number of tokens revoked."""
    consent = active_consent(user, client)
    revoked = _revoke_tokens(user, client)
    if consent is None and revoked == 0:
        raise NotFound(_("You have not authorised this client."))
    if consent is not None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
    ledger.record(
        "identity.client_authorisation_withdrawn",
        subject_ref=f"user:{user.pk}",
        actor_role="person",
        department=client.contact_department.code,
        payload={"client": client.pk, "tokens_revoked": revoked},
    )
    return revoked


def authorised_clients(user: User) -> QuerySet[Client]:
    """Clients the person allowed, or that still hold a token for them."""
    with_consent = ClientConsent.objects.filter(user=user, withdrawn_at__isnull=True).values(
        "client"
    )
    with_token = AccessToken.objects.filter(user=user, expires__gt=timezone.now()).values(
        "application"
    )
    return (
        (Client.objects.filter(pk__in=with_consent) | Client.objects.filter(pk__in=with_token))
        .distinct()
        .select_related("contact_department")
        .order_by("name")
    )


def access_authorised_client(user: User, pk: int) -> Client:
    client = authorised_clients(user).filter(pk=pk).first()
    if client is None:
        raise NotFound(_("You have not authorised this client."))
    return client


# ----- where a sign-on page may send the browser, and what a client may learn of its tokens -------


def client_by_client_id(client_id: str) -> Client | None:
    """The registered client with this public identifier (none when blank or unknown)."""
    if not client_id:
        return None
    return Client.objects.filter(client_id=client_id).first()


def own_access_token(client: Client, token: str) -> AccessToken | None:
    """RFC 7662 for `client`: its own access token with this value, if it is still good.
    Another client's token is no token at all to it (tokens are kept as SHA-256 digests)."""
    checksum = hashlib.sha256(token.encode()).hexdigest()
    found = (
        AccessToken.objects.select_related("user", "application")
        .filter(token_checksum=checksum, application=client)
        .first()
    )
    if found is None or not found.is_valid() or not client.is_usable(None):
        return None
    return found


# ----- what was released, and how often --------------------------------------------------------


def record_claim_release(user: User, client: Client, *, claims: Iterable[str], via: str) -> None:
    """A client received the full ID number: a read of personal data, in the ledger and on
    the person's "who read my data" page (`via`: "id_token" or "userinfo")."""
    for claim in claims:
        record_data_access(
            AccessKind.CLAIMS_RELEASED,
            subject_user=user,
            department=client.contact_department,
            accessor=client.name,
            actor_role="oidc_client",
            what=CLAIM_LABELS.get(claim, claim),
            purpose=via,
            legal_basis=client.lawful_basis,
            details={"client": client.pk, "claim": claim, "via": via},
        )


def count_issued(client: Client, *, is_refresh: bool) -> None:
    """One more token issued to the client today (the registry's usage page)."""
    day = timezone.localdate()
    changes = {"tokens_issued": F("tokens_issued") + 1}
    if is_refresh:
        changes["refreshes"] = F("refreshes") + 1
    if ClientUsage.objects.filter(client=client, day=day).update(**changes):
        return
    try:
        with transaction.atomic():
            ClientUsage.objects.create(
                client=client, day=day, tokens_issued=1, refreshes=1 if is_refresh else 0
            )
    except IntegrityError:  # another request created today's row first
        ClientUsage.objects.filter(client=client, day=day).update(**changes)


# ----- the client registry (platform administrators) ------------------------------------------


def is_platform_admin(user: Any) -> bool:
    return bool(
        isinstance(user, User)
        and (
            user.is_superuser
            or OfficerRole.objects.filter(user=user, role=Role.PLATFORM_ADMIN).exists()
        )
    )


def _require_admin(user: User) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied(_("Only platform administrators manage sign-on clients."))


def _check_scopes(scopes: Iterable[str], lawful_basis: str) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [name for name in chosen if name not in SCOPES]
    if unknown:
        raise DomainError(
            _("Unknown scope: %(scopes)s."),
            code="unknown_scope",
            field="allowed_scopes",
            params={"scopes": ", ".join(unknown)},
        )
    if ID_NUMBER in chosen and not lawful_basis.strip():
        raise DomainError(
            _("Name the law that allows this client full ID numbers."),
            code="lawful_basis_missing",
            field="lawful_basis",
        )
    return chosen


def _clean_uris(value: str | Iterable[str]) -> str:
    items = value.split() if isinstance(value, str) else list(value)
    return " ".join(item.strip() for item in items if item.strip())


@transaction.atomic
def register_client(
    admin: User,
    *,
    name: str,
    kind: str,
    contact_department: Department,
    redirect_uris: str | Iterable[str],
    allowed_scopes: Iterable[str],
    is_confidential: bool = True,
    post_logout_redirect_uris: str | Iterable[str] = "",
    lawful_basis: str = "",
    subject_type: str = SubjectType.PAIRWISE,
    sector_identifier: str = "",
    client_id: str | None = None,
    client_secret: str | None = None,
) -> tuple[Client, str]:
    """Register a client; returns it with its secret, shown this once (only a hash is kept;
    public clients, such as apps on phones, get none and must use PKCE like everyone).

    Raises PermissionDenied (not a platform administrator) and DomainError naming the field
    (unknown kind or scope, the full ID number without a legal basis, a bad redirect URI)."""
    _require_admin(admin)
    if kind not in ClientKind.values:
        raise DomainError(_("Choose the kind of client."), field="kind")
    if subject_type not in SubjectType.values:
        raise DomainError(_("Choose pairwise or public subjects."), field="subject_type")
    if not name.strip():
        raise DomainError(_("Name the client."), field="name")
    scopes = _check_scopes(allowed_scopes, lawful_basis)
    secret = (client_secret or generate_client_secret()) if is_confidential else ""
    client = Client(
        name=name.strip(),
        kind=kind,
        contact_department=contact_department,
        redirect_uris=_clean_uris(redirect_uris),
        post_logout_redirect_uris=_clean_uris(post_logout_redirect_uris),
        client_type=Client.CLIENT_CONFIDENTIAL if is_confidential else Client.CLIENT_PUBLIC,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        client_secret=secret,
        algorithm=Client.RS256_ALGORITHM,
        allowed_scopes=scopes,
        lawful_basis=lawful_basis.strip(),
        subject_type=subject_type,
        sector_identifier=sector_identifier.strip(),
        registered_by=admin,
    )
    if client_id:
        client.client_id = client_id
    if not client.redirect_uris:
        raise DomainError(_("Give at least one redirect URI."), field="redirect_uris")
    try:
        client.clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], code="invalid", field=field) from error
    client.save()
    ledger.record(
        "identity.client_registered",
        subject_ref=f"client:{client.pk}",
        actor_role="platform_admin",
        department=contact_department.code,
        payload={"client": client.pk, "kind": kind, "scopes": scopes},
    )
    return client, secret


@transaction.atomic
def set_client_scopes(
    admin: User, client: Client, *, allowed_scopes: Iterable[str], lawful_basis: str = ""
) -> Client:
    """Change what a client may ask for; tokens it holds lose a withdrawn scope at once."""
    _require_admin(admin)
    client.allowed_scopes = _check_scopes(allowed_scopes, lawful_basis)
    client.lawful_basis = lawful_basis.strip()
    client.save(update_fields=["allowed_scopes", "lawful_basis", "updated"])
    ledger.record(
        "identity.client_scopes_changed",
        subject_ref=f"client:{client.pk}",
        actor_role="platform_admin",
        department=client.contact_department.code,
        payload={"client": client.pk, "scopes": client.allowed_scopes},
    )
    return client


@transaction.atomic
def suspend_client(admin: User, client: Client, *, reason: str) -> Client:
    """Stop a client at once: no sign-in, no token, and every token it holds is refused
    from the next request (Client.is_usable)."""
    _require_admin(admin)
    if not reason.strip():
        raise DomainError(_("Say why the client is suspended."), field="reason")
    if client.suspended_at is None:
        client.suspended_at = timezone.now()
        client.suspension_reason = reason.strip()[:300]
        client.save(update_fields=["suspended_at", "suspension_reason", "updated"])
        ledger.record(
            "identity.client_suspended",
            subject_ref=f"client:{client.pk}",
            actor_role="platform_admin",
            department=client.contact_department.code,
            payload={"client": client.pk},
        )
    return client


@transaction.atomic
def reinstate_client(admin: User, client: Client) -> Client:
    _require_admin(admin)
    if client.suspended_at is not None:
        client.suspended_at = None
        client.suspension_reason = ""
        client.save(update_fields=["suspended_at", "suspension_reason", "updated"])
        ledger.record(
            "identity.client_reinstated",
            subject_ref=f"client:{client.pk}",
            actor_role="platform_admin",
            department=client.contact_department.code,
            payload={"client": client.pk},
        )
    return client


def access_client(admin: User, pk: int) -> Client:
    """A client from the registry, for platform administrators (others: not found)."""
    if not is_platform_admin(admin):
        raise NotFound(_("No such client."))
    client = Client.objects.select_related("contact_department").filter(pk=pk).first()
    if client is None:
        raise NotFound(_("No such client."))
    return client


@dataclass(frozen=True)
class Usage:
    client: Client
    tokens_issued: int
    refreshes: int
    last_30_days: int
    people: int


def usage(admin: User) -> list[Usage]:
    """Each client with the tokens issued to it (ever, and in the last 30 days) and how many
    people currently allow it."""
    _require_admin(admin)
    since = timezone.localdate() - timedelta(days=30)
    rows: list[Usage] = []
    for client in Client.objects.select_related("contact_department").order_by("name"):
        total = client.usage.aggregate(tokens=Sum("tokens_issued"), refreshes=Sum("refreshes"))
        recent = client.usage.filter(day__gte=since).aggregate(tokens=Sum("tokens_issued"))
        rows.append(
            Usage(
                client=client,
                tokens_issued=total["tokens"] or 0,
                refreshes=total["refreshes"] or 0,
                last_30_days=recent["tokens"] or 0,
                people=client.consents.filter(withdrawn_at__isnull=True).count(),
            )
        )
    return rows
