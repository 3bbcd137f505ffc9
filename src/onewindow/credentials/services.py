"""Issuing, suspending, reinstating and revoking credentials; shares; trust lists.

Every issuance and status change is one transaction with a ledger entry (digests only), and
the holder is told through notify. The status lists and the trust list are built from the
database and cached for a short time (STATUS_CACHE_SECONDS): a verifier elsewhere sees a
revocation within that time; our own /verify reads the database and sees it at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.request
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core import personal_data
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.site import public_url
from onewindow.credentials import formats, seals
from onewindow.credentials.kinds import KINDS, Kind
from onewindow.credentials.models import (
    Credential,
    CredentialShare,
    CredentialStatus,
    SealKey,
    TrustedRegion,
)
from onewindow.credentials.verify import ISSUER_PREFIX, TRUST_LIST_TYPE, TrustList
from onewindow.identity.models import Business, Department, OfficerRole, Role, User
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify

SUBJECT_CONTEXT = "credentials.subject"
SD_JWT_CONTEXT = "credentials.sd_jwt"
QR_CONTEXT = "credentials.qr"
# How long a published status list is cached: another process sees a change within this.
STATUS_CACHE_SECONDS = int(settings.ONEWINDOW_STATUS_LIST_SECONDS)
STATUS_PURPOSES = ("revocation", "suspension")
REASON_MIN_LENGTH = 4
SHARE_MAX_DAYS = 90
# Who may change the status of what their department issued.
STATUS_ROLES = (Role.APPROVER, Role.DEPARTMENT_ADMIN)


def issuer_id(department: Department) -> str:
    """The issuer's identifier: an https URL (IETF SD-JWT VC), under which
    `/.well-known/jwt-vc-issuer/credentials/issuers/<code>` serves its keys."""
    return public_url(f"/credentials/issuers/{department.code}")


def former_issuer_id(department: Department) -> str:
    """What credentials issued before the https identifiers name the issuer."""
    return f"{ISSUER_PREFIX}{department.code}"


def vct(kind: Kind) -> str:
    """The SD-JWT VC type: a name of the kind that does not change with the site's address."""
    return f"urn:onewindow:vct:{kind.vc_type}"


def status_list_url(department: Department) -> str:
    """The template of the issuer's status list addresses (in the trust list): the first list
    at it, a later one with its number after the purpose (formats.status_list_address)."""
    return public_url(f"/credentials/status/{department.code}/{{purpose}}.jwt")


def status_list_credential_url(department: Department, purpose: str, list_number: int) -> str:
    return formats.status_list_address(status_list_url(department), purpose, list_number)


def qr_url(credential: Credential) -> str:
    """What the printed QR holds: our /v/ verification page carrying the signed payload."""
    return formats.qr_url(qr_of(credential), public_url())


# ----- issuing --------------------------------------------------------------------------------


def status_list_capacity() -> int:
    """How many credentials one status list holds before the next list is opened: at most
    half its bits, so a set bit hides among many (ONEWINDOW_STATUS_LIST_CAPACITY, small in
    tests)."""
    half = formats.STATUS_LIST_BITS // 2
    return max(1, min(int(getattr(settings, "ONEWINDOW_STATUS_LIST_CAPACITY", half)), half))


def next_status_entry(
    current: int,
    taken: Collection[int],
    *,
    capacity: int,
    draw: Callable[[int], int] = secrets.randbelow,
) -> tuple[int, int]:
    """The (list, index) for a new credential, given the issuer's current list and the
    indexes taken in it: a free index drawn at random in the current list (so the order of
    issue leaks nothing; a taken one is drawn again), or in the next list when it is full.
    Lists are never reused: a credential keeps its bit for as long as it exists."""
    if len(taken) >= capacity:
        current, taken = current + 1, ()
    while True:
        index = draw(formats.STATUS_LIST_BITS)
        if index not in taken:
            return current, index


def _free_status_entry(issuer: Department) -> tuple[int, int]:
    # The issuer's row is locked by the caller, so two issues never draw from one state.
    mine = Credential.objects.filter(issuer=issuer)
    current = mine.aggregate(last=Max("status_list"))["last"] or 0
    taken = set(mine.filter(status_list=current).values_list("status_index", flat=True))
    return next_status_entry(current, taken, capacity=status_list_capacity())


def _next_number(issuer: Department, kind: Kind, now: datetime) -> str:
    # The issuer's row is locked by the caller, so numbers of one issuer never race.
    prefix = f"{issuer.division.code}-{kind.qr_code}-{now:%Y%m%d}-"
    count = Credential.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{count + 1:06d}"


def _title(kind: Kind, subject: Mapping[str, Any]) -> str:
    if kind.holder == "business":
        return str(subject.get("companyName", ""))
    name = str(subject.get("holderName") or subject.get("childName") or "")
    # A kind that carries only the masked name (a health code) is titled with it as it is.
    return personal_data.mask_name(name) if name else str(subject.get("holderNameMasked", ""))


def _vc(credential: Credential, kind: Kind, issuer: Department) -> dict[str, Any]:
    lists = {
        purpose: status_list_credential_url(issuer, purpose, credential.status_list)
        for purpose in STATUS_PURPOSES
    }
    entries = [
        {
            "id": f"{lists[purpose]}#{credential.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(credential.status_index),
            "statusListCredential": lists[purpose],
        }
        for purpose in STATUS_PURPOSES
    ]
    payload: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", kind.vc_type],
        "id": credential.urn,
        "vct": vct(kind),
        "iss": issuer_id(issuer),
        "issuer": {"id": issuer_id(issuer), "name": issuer.name_zh, "nameEn": issuer.name_en},
        "validFrom": credential.valid_from.isoformat(),
        "nbf": int(credential.valid_from.timestamp()),
        "iat": int(credential.valid_from.timestamp()),
        "jti": credential.urn,
        "credentialSubject": {"credentialNumber": credential.number},
        "credentialStatus": entries,
    }
    if credential.valid_until is not None:
        payload["validUntil"] = credential.valid_until.isoformat()
        payload["exp"] = int(credential.valid_until.timestamp())
    return payload


def _qr(credential: Credential, kind: Kind, subject: Mapping[str, Any], seal: seals.Seal) -> str:
    # Small on purpose (a phone camera must read it off paper): the key id names the issuer,
    # the kind is two letters and the fields are a list in the kind's order.
    claims: dict[int, Any] = {
        formats.CWT_NBF: int(credential.valid_from.timestamp()),
        formats.CWT_CTI: credential.id.bytes,
        formats.CWT_CREDENTIAL: {
            "k": kind.qr_code,
            "n": credential.number,
            "x": credential.status_index,
            "s": [subject[name] for name in kind.qr_fields],
            # The list, when not the first (which QRs issued before there were more omit).
            **({"l": credential.status_list} if credential.status_list else {}),
        },
    }
    if credential.valid_until is not None:
        claims[formats.CWT_EXP] = int(credential.valid_until.timestamp())
    return formats.issue_qr(claims, key=seal.private, key_id=seal.qr_kid)


def issue_credential(
    *,
    kind: str,
    issuer: Department,
    subject: Mapping[str, Any],
    case_ref: str,
    holder: User | None = None,
    business: Business | None = None,
) -> Credential:
    """Issue the result of a case as a credential under the issuer's seal: an SD-JWT VC with
    every subject field selectively disclosable, and a signed QR payload. Issuing twice for
    the same case and kind returns the first. Raises DomainError for an unknown kind, a
    holder of the wrong sort, or subject fields missing or unknown."""
    info = KINDS.get(kind)
    if info is None:
        raise DomainError(_("Unknown kind of credential."), field="kind")
    if info.holder == "either":
        fits = (holder is None) != (business is None)
    else:
        fits = (info.holder == "business") == (business is not None) and bool(holder or business)
    if not fits:
        raise DomainError(_("This credential needs a holder of its sort."), field="holder")
    missing = [name for name in info.field_names if subject.get(name) in (None, "")]
    unknown = sorted(set(subject) - set(info.field_names))
    if missing or unknown:
        raise DomainError(
            _(
                "The credential's fields do not match its kind: "
                "missing %(missing)s, unknown %(unknown)s."
            )
            % {"missing": ", ".join(missing) or "-", "unknown": ", ".join(unknown) or "-"},
            field="subject",
        )
    existing = Credential.objects.filter(case_ref=case_ref, kind=kind).first()
    if existing is not None:
        return existing
    seal = seals.seal_of(issuer)
    with transaction.atomic():
        Department.objects.select_for_update().filter(pk=issuer.pk).first()
        now = timezone.now().replace(microsecond=0)
        status_list, status_index = _free_status_entry(issuer)
        credential = Credential(
            id=uuid.uuid4(),
            kind=kind,
            issuer=issuer,
            seal=seal.stored,
            holder=holder,
            business=business,
            case_ref=case_ref,
            title=_title(info, subject)[:200],
            status_list=status_list,
            status_index=status_index,
            valid_from=now,
            valid_until=info.valid_for.until(now) if info.valid_for else None,
        )
        credential.number = _next_number(issuer, info, now)
        issued = formats.issue_sd_jwt(
            _vc(credential, info, issuer),
            {name: subject[name] for name in info.field_names},
            key=seal.private,
            kid=seal.kid,
        )
        credential.subject_encrypted = personal_data.encrypt(
            json.dumps(dict(subject), ensure_ascii=False), context=SUBJECT_CONTEXT
        )
        credential.sd_jwt_encrypted = personal_data.encrypt(issued, context=SD_JWT_CONTEXT)
        credential.qr_encrypted = personal_data.encrypt(
            _qr(credential, info, subject, seal), context=QR_CONTEXT
        )
        receipt = ledger.record(
            "credential.issued",
            subject_ref=credential.number,
            actor_role="issuer",
            department=issuer.code,
            payload={
                "credential": str(credential.id),
                "kind": kind,
                "case": case_ref,
                "seal": seal.kid,
                "sd_jwt_sha256": hashlib.sha256(issued.split("~", 1)[0].encode()).hexdigest(),
            },
        )
        credential.issued_ledger_index = receipt.index
        try:
            with transaction.atomic():
                credential.save(force_insert=True)
        except IntegrityError:
            raise Conflict(_("This case's credential was issued meanwhile.")) from None
        for recipient in _holders(credential):
            notify.send(
                recipient,
                "credential_issued",
                # The lazy label: rendered in the reader's language, not the request's.
                context={"number": credential.number, "kind": info.label},
                subject_ref=credential.number,
                link=reverse("credentials:detail", args=[credential.id]),
            )
    return credential


def _holders(credential: Credential) -> list[User]:
    if credential.business is not None:
        return [credential.business.legal_representative]
    return [credential.holder] if credential.holder else []


def subject_of(credential: Credential) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(
        personal_data.decrypt(credential.subject_encrypted, context=SUBJECT_CONTEXT)
    )
    return value


def sd_jwt_of(credential: Credential) -> str:
    return personal_data.decrypt(credential.sd_jwt_encrypted, context=SD_JWT_CONTEXT)


def qr_of(credential: Credential) -> str:
    return personal_data.decrypt(credential.qr_encrypted, context=QR_CONTEXT)


# ----- status ---------------------------------------------------------------------------------


def may_change_status(officer: User, credential: Credential) -> bool:
    return (
        officer.department_id == credential.issuer_id
        and OfficerRole.objects.filter(user=officer, role__in=STATUS_ROLES).exists()
    )


_ALLOWED = {
    CredentialStatus.SUSPENDED: {CredentialStatus.ACTIVE},
    CredentialStatus.ACTIVE: {CredentialStatus.SUSPENDED},  # reinstating
    CredentialStatus.REVOKED: {CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED},
}


def change_status(officer: User, credential: Credential, *, to: str, reason: str) -> Credential:
    """An officer of the issuing department (approver or administrator) suspends,
    reinstates or revokes a credential, giving a reason. Revocation is final. Recorded in
    the ledger; the holder is told; the status lists change. Raises PermissionDenied,
    DomainError (no reason, or a change the current status does not allow)."""
    target = CredentialStatus(to)
    reason = reason.strip()
    if not may_change_status(officer, credential):
        raise PermissionDenied(_("Only the issuing department's approvers may do this."))
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(
            _("Give the reason, at least %(n)d characters.") % {"n": REASON_MIN_LENGTH},
            field="reason",
        )
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if CredentialStatus(locked.status) not in _ALLOWED[target]:
            raise DomainError(
                _("A %(status)s credential cannot be changed that way.")
                % {"status": locked.get_status_display().lower()},
                field="status",
                code="status_not_allowed",
            )
        now = timezone.now()
        receipt = ledger.record(
            {
                CredentialStatus.SUSPENDED: "credential.suspended",
                CredentialStatus.ACTIVE: "credential.reinstated",
                CredentialStatus.REVOKED: "credential.revoked",
            }[target],
            subject_ref=locked.number,
            actor_role="approver",
            department=locked.issuer.code,
            payload={
                "credential": str(locked.id),
                "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(),
            },
        )
        locked.status = target
        locked.status_changed_at = now
        locked.status_reason = reason[:500]
        locked.status_changed_by = officer
        locked.status_ledger_index = receipt.index
        locked.save(
            update_fields=[
                "status",
                "status_changed_at",
                "status_reason",
                "status_changed_by",
                "status_ledger_index",
            ]
        )
        for recipient in _holders(locked):
            notify.send(
                recipient,
                "credential_status_changed",
                context={
                    "number": locked.number,
                    # Lazy: in the holder's language, not this request's.
                    "status": CredentialStatus(locked.status).label,
                    "reason": reason,
                },
                subject_ref=locked.number,
                link=reverse("credentials:detail", args=[locked.id]),
            )
        # Now, and again after commit: a list cached meanwhile would miss this change.
        _forget_status_lists(locked.issuer, locked.status_list)
        transaction.on_commit(lambda: _forget_status_lists(locked.issuer, locked.status_list))
    return locked


def _status_cache_key(department: Department, purpose: str, list_number: int) -> str:
    return f"credentials:status:{department.pk}:{purpose}:{list_number}"


def _forget_status_lists(department: Department, list_number: int) -> None:
    cache.delete_many(
        [_status_cache_key(department, purpose, list_number) for purpose in STATUS_PURPOSES]
    )


def status_list_jwt(department: Department, purpose: str, list_number: int = 0) -> str:
    """The issuer's Bitstring Status List credential number `list_number` for `purpose`,
    signed with its seal. NotFound for a purpose or a list that does not exist (yet)."""
    if purpose not in STATUS_PURPOSES:
        raise NotFound(_("No such status list."))
    if (
        list_number
        and not Credential.objects.filter(issuer=department, status_list=list_number).exists()
    ):
        raise NotFound(_("No such status list."))
    key = _status_cache_key(department, purpose, list_number)
    cached = cache.get(key)
    if cached is not None:
        return str(cached)
    status = CredentialStatus.REVOKED if purpose == "revocation" else CredentialStatus.SUSPENDED
    bits = Credential.objects.filter(
        issuer=department, status_list=list_number, status=status
    ).values_list("status_index", flat=True)
    url = status_list_credential_url(department, purpose, list_number)
    now = timezone.now()
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "iss": issuer_id(department),
        "issuer": issuer_id(department),
        "validFrom": now.isoformat(),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(days=1)).timestamp()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": formats.encode_status_list(bits),
        },
    }
    token = seals.sign_jwt(seals.seal_of(department), payload, typ="vc+jwt")
    cache.set(key, token, STATUS_CACHE_SECONDS)
    return token


# ----- shares ---------------------------------------------------------------------------------


def _share_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_credential(
    user: User,
    credential: Credential,
    *,
    fields: list[str],
    recipient: str,
    days: int,
) -> tuple[CredentialShare, str]:
    """The holder shares some fields with a third party until a date: returns the share and
    its secret token (shown once; only its hash is kept). Raises DomainError naming the
    field for no fields, unknown fields, no recipient, or a period outside 1..90 days."""
    info = KINDS[credential.kind]
    chosen = [name for name in info.field_names if name in set(fields)]
    if not chosen:
        raise DomainError(_("Choose at least one field to share."), field="fields")
    if set(fields) - set(info.field_names):
        raise DomainError(_("Only the credential's own fields can be shared."), field="fields")
    recipient = recipient.strip()
    if not recipient or len(recipient) > 100:
        raise DomainError(
            _("Say who you share it with (at most 100 characters)."), field="recipient"
        )
    if not 1 <= days <= SHARE_MAX_DAYS:
        raise DomainError(
            _("A share lasts from 1 to %(max)d days.") % {"max": SHARE_MAX_DAYS}, field="days"
        )
    if credential.status != CredentialStatus.ACTIVE:
        raise DomainError(_("Only a valid credential can be shared."), field="fields")
    token = secrets.token_urlsafe(24)
    share = CredentialShare.objects.create(
        credential=credential,
        token_hash=_share_hash(token),
        fields=chosen,
        recipient=recipient,
        created_by=user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return share, token


def revoke_share(user: User, share: CredentialShare) -> CredentialShare:
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
    return share


def open_share(token: str) -> tuple[CredentialShare, str]:
    """The share behind a token and its presentation (only the shared disclosures); counts
    the view. Raises NotFound for an unknown, expired or revoked share alike."""
    share = (
        CredentialShare.objects.select_related("credential", "credential__issuer")
        .filter(token_hash=_share_hash(token))
        .first()
    )
    if share is None or not share.is_open:
        raise NotFound(_("This share does not exist, has expired or was withdrawn."))
    CredentialShare.objects.filter(pk=share.pk).update(
        views=share.views + 1, last_viewed_at=timezone.now()
    )
    return share, formats.present(sd_jwt_of(share.credential), share.fields)


# ----- trust lists ----------------------------------------------------------------------------


def trust_list_document() -> dict[str, Any]:
    """This region's issuers and every seal they ever used (retired ones marked)."""
    issuers: dict[int, dict[str, Any]] = {}
    for seal in SealKey.objects.filter(department__isnull=False).select_related("department"):
        department = seal.department
        assert department is not None
        entry = issuers.setdefault(
            department.pk,
            {
                "id": issuer_id(department),
                "department": department.code,
                "also_known_as": [former_issuer_id(department)],
                "name_zh": department.name_zh,
                "name_en": department.name_en,
                "status_list": status_list_url(department),
                "keys": [],
            },
        )
        jwk = seals.published_jwk(seal)
        if seal.retired_at is not None:
            jwk["retired_at"] = seal.retired_at.isoformat()
        entry["keys"].append(jwk)
    return {
        "type": TRUST_LIST_TYPE,
        "version": 1,
        "region": {"code": settings.ONEWINDOW_REGION_CODE},
        "issued_at": timezone.now().isoformat(),
        "issuers": sorted(issuers.values(), key=lambda entry: entry["id"]),
    }


def trust_list_jws() -> str:
    """The trust list signed by the platform's trust anchor, whose public key rides in the
    header: an importer pins its thumbprint (given out of band) and checks it."""
    anchor = seals.seal_of(None)
    return formats.sign_compact(
        {
            "alg": formats.JWS_ALGORITHM,
            "kid": anchor.kid,
            "typ": "onewindow-trust-list+jwt",
            "jwk": seals.published_jwk(anchor.stored),
        },
        trust_list_document(),
        anchor.private,
    )


def jwt_vc_issuer_metadata(department: Department) -> dict[str, Any]:
    """The issuer's JWT VC Issuer Metadata (IETF SD-JWT VC): its identifier and every seal
    key it ever used, so a verifier that knows only the `iss` URL finds the key by `kid`."""
    keys = SealKey.objects.filter(department=department).order_by("created_at")
    return {
        "issuer": issuer_id(department),
        "jwks": {"keys": [seals.published_jwk(seal) for seal in keys]},
    }


def anchor_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint of an Ed25519 JWK, base64url."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":")
    )
    return formats.b64url(hashlib.sha256(canonical.encode()).digest())


def _checked_trust_list(token: str, *, thumbprint: str) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        header, payload, signing_input, signature = formats.parse_compact(token.strip())
        jwk = header.get("jwk")
        if not isinstance(jwk, dict) or anchor_thumbprint(jwk) != thumbprint:
            raise DomainError(
                _("The trust list is not signed by the anchor key you named."), field="thumbprint"
            )
        public = Ed25519PublicKey.from_public_bytes(formats.b64url_decode(str(jwk["x"])))
        formats.verify_signature(public, signature, signing_input)
    except (formats.Malformed, formats.BadSignature, KeyError, ValueError) as error:
        if isinstance(error, DomainError):
            raise
        raise DomainError(_("The trust list is damaged or not signed."), field="url") from None
    if payload.get("type") != TRUST_LIST_TYPE:
        raise DomainError(_("That is not a OneWindow trust list."), field="url")
    return payload


def import_trust_list(url: str, *, thumbprint: str, timeout: float = 10.0) -> TrustedRegion:
    """A platform administrator recognises another region's issuers: fetch its signed trust
    list, check the anchor key's thumbprint and the signature, and keep it. Importing again
    refreshes it. Raises DomainError naming what is wrong."""
    if not url.startswith(("https://", "http://")):
        raise DomainError(_("Give the trust list's http(s) address."), field="url")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            token = response.read(2_000_000).decode()
    except (OSError, UnicodeDecodeError):
        raise DomainError(_("The trust list could not be fetched."), field="url") from None
    document = _checked_trust_list(token, thumbprint=thumbprint)
    code = str(document.get("region", {}).get("code", ""))
    if not code.isdigit() or code == settings.ONEWINDOW_REGION_CODE:
        raise DomainError(_("The trust list names no other region."), field="url")
    with transaction.atomic():
        region, _created = TrustedRegion.objects.update_or_create(
            code=code,
            defaults={
                "name": code,
                "url": url,
                "anchor_thumbprint": thumbprint,
                "document": document,
                "imported_at": timezone.now(),
                "is_active": True,
            },
        )
        ledger.record(
            "credentials.trust_imported",
            subject_ref=f"region-{code}",
            actor_role="platform_admin",
            department=settings.ONEWINDOW_REGION_CODE or "platform",
            payload={"region": code, "url": url, "thumbprint": thumbprint},
        )
    return region


def trust() -> TrustList:
    """Our issuers and every active imported region's, as one trust list."""
    documents = [trust_list_document()] + [
        region.document for region in TrustedRegion.objects.filter(is_active=True)
    ]
    return TrustList(documents)
