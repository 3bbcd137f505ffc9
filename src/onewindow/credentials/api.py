"""Credentials over JSON: the wallet, shares, verifying (public), and officers' status
changes. The trust list, status lists and JWKS are plain documents at /credentials/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.security import django_auth

from onewindow.core import ratelimit
from onewindow.credentials import selectors, services
from onewindow.credentials.models import Credential, CredentialShare
from onewindow.identity.decorators import signed_in_user, verified_officer

router = Router(tags=["credentials"])


class CredentialOut(Schema):
    id: str
    number: str
    kind: str
    issuer: str
    title: str
    status: str
    valid_from: datetime
    valid_until: datetime | None
    status_changed_at: datetime | None
    status_reason: str


class CredentialDetailOut(CredentialOut):
    media_type: str = "application/vc+sd-jwt"
    sd_jwt: str
    qr: str
    qr_url: str  # what the printed QR holds: our /v/ verification page with the payload
    subject: dict[str, Any]


def _out(credential: Credential) -> dict[str, Any]:
    return {
        "id": str(credential.pk),
        "number": credential.number,
        "kind": credential.kind,
        "issuer": credential.issuer.code,
        "title": credential.title,
        "status": credential.status,
        "valid_from": credential.valid_from,
        "valid_until": credential.valid_until,
        "status_changed_at": credential.status_changed_at,
        "status_reason": credential.status_reason,
    }


@router.get("/credentials", response=list[CredentialOut], auth=django_auth, summary="My wallet")
def wallet(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(item) for item in selectors.wallet(signed_in_user(request))]


@router.get(
    "/credentials/{credential_id}",
    response=CredentialDetailOut,
    auth=django_auth,
    summary="One of my credentials, with its SD-JWT and QR payload",
)
def detail(request: HttpRequest, credential_id: str) -> dict[str, Any]:
    credential = selectors.access_credential(signed_in_user(request), credential_id)
    return {
        **_out(credential),
        "sd_jwt": services.sd_jwt_of(credential),
        "qr": services.qr_of(credential),
        "qr_url": services.qr_url(credential),
        "subject": services.subject_of(credential),
    }


class ShareIn(Schema):
    recipient: str
    fields: list[str]
    days: int = 7


class ShareOut(Schema):
    id: int
    recipient: str
    fields: list[str]
    expires_at: datetime
    revoked_at: datetime | None
    views: int


class NewShareOut(ShareOut):
    token: str  # shown once: the link is /credentials/verify/shared/{token}/


@router.get(
    "/credentials/{credential_id}/shares",
    response=list[ShareOut],
    auth=django_auth,
    summary="Shares of one of my credentials",
)
def shares(request: HttpRequest, credential_id: str) -> list[CredentialShare]:
    credential = selectors.access_credential(signed_in_user(request), credential_id)
    return list(selectors.shares_of(credential))


@router.post(
    "/credentials/{credential_id}/shares",
    response={201: NewShareOut},
    auth=django_auth,
    summary="Share chosen fields with a third party for a limited time",
)
def share(request: HttpRequest, credential_id: str, payload: ShareIn) -> Status[dict[str, Any]]:
    credential = selectors.access_credential(signed_in_user(request), credential_id)
    made, token = services.share_credential(
        signed_in_user(request),
        credential,
        fields=payload.fields,
        recipient=payload.recipient,
        days=payload.days,
    )
    return Status(
        201,
        {
            "id": made.pk,
            "recipient": made.recipient,
            "fields": made.fields,
            "expires_at": made.expires_at,
            "revoked_at": made.revoked_at,
            "views": made.views,
            "token": token,
        },
    )


@router.post(
    "/credentials/shares/{share_id}/withdraw",
    response=ShareOut,
    auth=django_auth,
    summary="Withdraw a share at once",
)
def withdraw_share(request: HttpRequest, share_id: int) -> CredentialShare:
    holder = signed_in_user(request)
    return services.revoke_share(holder, selectors.access_share(holder, share_id))


class VerifyIn(Schema):
    credential: str  # the QR content (OW1:...) or an SD-JWT


class VerdictOut(Schema):
    valid: bool
    reason: str
    format: str
    issuer: str | None
    issuer_name_zh: str | None
    issuer_name_en: str | None
    credential_id: str
    kind: str
    number: str
    subject: dict[str, Any]
    valid_from: str | None
    valid_until: str | None
    status_checked: bool
    status_changed_at: datetime | None
    status_reason: str


@router.post(
    "/verify",
    response=VerdictOut,
    auth=None,
    summary="Verify a credential or QR payload (no sign-in): valid, or exactly why not",
)
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    ratelimit.hit_requester(
        request, per_address=ratelimit.VERIFY_PER_ADDRESS, per_account=ratelimit.VERIFY_PER_ACCOUNT
    )
    checked = selectors.check(payload.credential)
    return {
        **checked.verdict.as_dict(),
        "status_changed_at": checked.status_changed_at,
        "status_reason": checked.status_reason,
    }


class StatusIn(Schema):
    status: str  # suspended | active | revoked
    reason: str


@router.post(
    "/credentials/{credential_id}/status",
    response=CredentialOut,
    auth=django_auth,
    summary="Suspend, reinstate or revoke a credential my department issued (approvers)",
)
def change_status(request: HttpRequest, credential_id: str, payload: StatusIn) -> dict[str, Any]:
    officer = verified_officer(request)
    credential = selectors.access_issued_credential(officer, credential_id)
    if payload.status not in ("suspended", "active", "revoked"):
        from onewindow.core.errors import DomainError

        raise DomainError(_("Choose suspended, active or revoked."), field="status")
    return _out(
        services.change_status(officer, credential, to=payload.status, reason=payload.reason)
    )
