"""Reads the wallet, the officers' register and the verifier share."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.credentials import formats, services
from onewindow.credentials.kinds import kind_named
from onewindow.credentials.models import Credential, CredentialShare, CredentialStatus
from onewindow.credentials.verify import (
    Issuer,
    Reason,
    TrustList,
    Verdict,
    fetch_status_list,
)
from onewindow.credentials.verify import verify as verify_text
from onewindow.identity.models import User
from onewindow.identity.selectors import businesses_of

MAX_INPUT = 20_000  # far above any credential we issue; more is refused unread


def wallet(user: User) -> QuerySet[Credential]:
    """The person's credentials and those of the businesses they represent or act for."""
    return (
        Credential.objects.filter(Q(holder=user) | Q(business__in=businesses_of(user)))
        .select_related("issuer", "business")
        # Newest first; of two issued in the same second, the later entry in the ledger.
        .order_by("-valid_from", "-issued_ledger_index")
    )


@dataclass
class Wallet:
    personal: list[Credential]
    business: list[Credential]
    earlier: list[Credential]  # of kinds replaced by the next: expired, revoked or replaced


def wallet_sections(user: User, *, now: datetime | None = None) -> Wallet:
    """The wallet as the page shows it: of a kind each new one of which replaces the last (a
    health code, issued daily), only the newest while it is valid; the others, newest
    first, under "earlier"."""
    now = now or timezone.now()
    sections = Wallet([], [], [])
    seen: set[tuple[str, int | None, int | None]] = set()
    for credential in wallet(user):
        if credential.kind_info.replaced_by_next:
            holder = (credential.kind, credential.holder_id, credential.business_id)
            current = (
                holder not in seen
                and credential.status == CredentialStatus.ACTIVE
                and (credential.valid_until is None or credential.valid_until > now)
            )
            seen.add(holder)
            if not current:
                sections.earlier.append(credential)
                continue
        (sections.personal if credential.business_id is None else sections.business).append(
            credential
        )
    return sections


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(_("No credential of yours has this number."), field="credential") from None


def access_credential(user: User, credential_id: str) -> Credential:
    """A credential in the person's wallet; NotFound for missing and not-yours alike."""
    found = wallet(user).filter(pk=_uuid(credential_id)).first()
    if found is None:
        raise NotFound(_("No credential of yours has this number."), field="credential")
    return found


def issued_by(officer: User) -> QuerySet[Credential]:
    return Credential.objects.filter(issuer_id=officer.department_id).select_related(
        "issuer", "business", "holder"
    )


def access_issued_credential(officer: User, credential_id: str) -> Credential:
    """A credential the officer's department issued; NotFound otherwise."""
    found = issued_by(officer).filter(pk=_uuid(credential_id)).first()
    if found is None:
        raise NotFound(_("Your department issued no credential with this number."))
    return found


def shares_of(credential: Credential) -> QuerySet[CredentialShare]:
    return credential.shares.all()


def access_share(user: User, share_id: int) -> CredentialShare:
    share = CredentialShare.objects.select_related("credential").filter(pk=share_id).first()
    if share is None or not wallet(user).filter(pk=share.credential_id).exists():
        raise NotFound(_("No share of yours has this number."), field="share")
    return share


# ----- verifying here -------------------------------------------------------------------------


@dataclass
class Checked:
    verdict: Verdict
    status_changed_at: datetime | None = None  # known for our own issuers' credentials
    status_reason: str = ""

    @property
    def kind_label(self) -> str:
        """What the credential is in the reader's language ("BusinessLicenceCredential": a type)."""
        kind = kind_named(self.verdict.kind)
        return self.verdict.kind if kind is None else str(kind.label)

    @property
    def fields(self) -> list[tuple[str, Any]]:
        """The disclosed fields under their names and with their values as people read them."""
        kind = kind_named(self.verdict.kind)
        if kind is None:
            return list(self.verdict.subject.items())
        return [
            (str(kind.label_of(name)), kind.display(name, value))
            for name, value in self.verdict.subject.items()
        ]


REMOTE_STATUS_SECONDS = int(settings.ONEWINDOW_STATUS_LIST_SECONDS)


def _remote_status(trust: TrustList, issuer: Issuer, purpose: str, position: int) -> bool | None:
    """Another region's status list, fetched over HTTP and cached for a minute."""
    list_number, index = formats.status_entry(position)
    url = formats.status_list_address(issuer.status_list_url, purpose, list_number)
    key = "credentials:remote-status:" + hashlib.sha256(url.encode()).hexdigest()
    encoded = cache.get(key)
    if encoded is None:
        encoded = fetch_status_list(url, issuer, trust)
        if encoded is None:
            return None
        cache.set(key, encoded, REMOTE_STATUS_SECONDS)
    return formats.status_bit(str(encoded), index)


def check(text: str) -> Checked:
    """Verify a QR payload or credential against our trust list (ours and imported regions'),
    reading the status of our own credentials straight from the database."""
    if len(text) > MAX_INPUT:
        return Checked(Verdict(Reason.MALFORMED, detail="too long"))
    trust = services.trust()
    ours: dict[tuple[str, int], Credential | None] = {}

    def lookup(issuer: Issuer, purpose: str, position: int) -> bool | None:
        if issuer.region != settings.ONEWINDOW_REGION_CODE:
            return _remote_status(trust, issuer, purpose, position)
        key = (issuer.department_code, position)
        if key not in ours:
            list_number, index = formats.status_entry(position)
            ours[key] = Credential.objects.filter(
                issuer__code=issuer.department_code, status_list=list_number, status_index=index
            ).first()
        found = ours[key]
        wanted = CredentialStatus.REVOKED if purpose == "revocation" else CredentialStatus.SUSPENDED
        return found is not None and found.status == wanted

    verdict = verify_text(text, trust, status=lookup)
    own = next((found for found in ours.values() if found is not None), None)
    if own is not None and own.status != CredentialStatus.ACTIVE:
        return Checked(verdict, own.status_changed_at, own.status_reason)
    return Checked(verdict)
