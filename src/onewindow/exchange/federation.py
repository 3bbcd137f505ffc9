"""Federation: data exchange between two OneWindow instances (two regions) over HTTP.

A platform administrator registers a peer region by its division code and address; its
departments' public keys are fetched from `<base>/exchange/v1/jwks.json` and kept only when
each key's department lies inside the peer's division, so a peer can never sign as one of
our departments. A provider's data steward grants a peer region's department a purpose,
fields and an expiry, as for our own departments (ADR 0005).

`call_remote` is the consumer's side: it signs with our department's key, writes the call to
the `RemoteCall` log before anything leaves, posts it with a hard deadline
(`ONEWINDOW_EXCHANGE_TIMEOUT`), verifies the signed answer against the peer's keys, and
completes the log with the outcome: answered, refused, or failed (down, slow, unverifiable).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import urllib.parse
from datetime import datetime, timedelta
from typing import Any, Unpack

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from onewindow.core import personal_data
from onewindow.core.divisions import Level, code_matches_level
from onewindow.core.errors import PROBLEM_TYPE_BASE, DomainError, PermissionDenied
from onewindow.exchange import services, signing, transport
from onewindow.exchange.models import (
    KID_PATTERN,
    AccessGrant,
    DataService,
    GrantStatus,
    PeerRegion,
    PeerStatus,
    RemoteCall,
    RemoteCallStatus,
    SharingClass,
    division_prefix,
)
from onewindow.exchange.services import Asking
from onewindow.identity.models import Department, Role, User
from onewindow.ledger import services as ledger

logger = logging.getLogger(__name__)

JWKS_PATH = "/exchange/v1/jwks.json"
# A provider that sees an unknown key of a peer's department fetches that peer's keys again,
# at most this often: a flood of made-up key ids cannot turn us into a flood of fetches.
REFRESH_ON_UNKNOWN_KEY_EVERY = timedelta(seconds=30)
CALL_CONTEXT = "exchange.remote_call"


class PeerInvalid(DomainError):
    code = "peer_invalid"


class PeerInactive(PermissionDenied):
    code = "peer_inactive"


class ProviderUnavailable(DomainError):
    """The peer's provider could not be reached or failed: try again or use a document."""

    status = 503
    code = "provider_unavailable"


class ProviderTimedOut(ProviderUnavailable):
    status = 504
    code = "provider_timeout"


class AnswerNotTrusted(DomainError):
    """Something answered, but not a signed answer of that provider to this request."""

    status = 502
    code = "answer_not_trusted"


class PeerRefused(DomainError):
    """The peer's provider refused the call; the status and code are the provider's."""

    def __init__(
        self, message: str | Promise, *, status: int, code: str, params: dict[str, Any]
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.status = status


def _timeout() -> float:
    return float(settings.ONEWINDOW_EXCHANGE_TIMEOUT)


# ----- the registry of peer regions ------------------------------------------------------------


def _overlaps(code: str, other: str) -> bool:
    mine, theirs = division_prefix(code), division_prefix(other)
    return mine.startswith(theirs) or theirs.startswith(mine)


def _fetch_jwks(peer_code: str, base_url: str) -> dict[str, Any]:
    url = base_url.rstrip("/") + JWKS_PATH
    try:
        answer = transport.exchange(
            "GET", url, timeout=_timeout(), headers={"Accept": "application/json"}
        )
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise PeerInvalid(
            _("The key registry at %(url)s could not be fetched: %(error)s"),
            field="url",
            params={"url": url, "error": str(error) or type(error).__name__},
        ) from None
    try:
        document = json.loads(answer.body) if answer.status == 200 else None
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise PeerInvalid(
            _("%(url)s did not answer with a JWK Set (HTTP %(status)s)."),
            field="url",
            params={"url": url, "status": answer.status},
        )
    region = document.get("region")
    if region is not None and region != peer_code:
        raise PeerInvalid(
            _("The server at %(url)s serves region %(region)s, not %(code)s."),
            field="code",
            params={"url": url, "region": region, "code": peer_code},
        )
    return document


def _accepted_keys(peer_code: str, document: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The public Ed25519 keys of the peer's own departments, and how many were left out."""
    prefix = division_prefix(peer_code)
    local_codes = set(Department.objects.values_list("code", flat=True))
    kept: list[dict[str, Any]] = []
    for jwk in document["keys"]:
        if not isinstance(jwk, dict):
            continue
        match = KID_PATTERN.match(str(jwk.get("kid", "")))
        if (
            match is None
            or jwk.get("kty") != "OKP"
            or jwk.get("crv") != "Ed25519"
            or not match["department"].startswith(prefix)
            or match["department"] in local_codes
        ):
            continue
        public = {name: jwk[name] for name in ("kty", "crv", "x", "kid") if name in jwk}
        try:
            OKPKey.import_key(public)
        except (JoseError, ValueError, TypeError):
            continue
        kept.append(public)
    return kept, len(document["keys"]) - len(kept)


def _record_peer(peer: PeerRegion, action: str, actor: str) -> None:
    ledger.record(
        f"exchange.peer_{action}",
        subject_ref=f"peer:{peer.code}",
        actor_role=Role.PLATFORM_ADMIN if actor != "system" else "system",
        department=settings.ONEWINDOW_REGION_CODE or "platform",
        payload={
            "peer": peer.code,
            "region_name": peer.name,
            "base_url": peer.base_url,
            "status": peer.status,
            "kids": sorted(str(key.get("kid")) for key in peer.keys),
            "actor": actor,
        },
    )


def register_peer(*, code: str, name: str, base_url: str, actor: str) -> PeerRegion:
    """A platform administrator registers another OneWindow region: checks that its division
    is a province, city or county outside ours and every other peer's, fetches its keys over
    HTTP, and records the registration in the ledger. Raises PeerInvalid."""
    code, base_url = code.strip(), base_url.strip().rstrip("/")
    if not any(
        code_matches_level(code, level) for level in (Level.PROVINCE, Level.CITY, Level.COUNTY)
    ):
        raise PeerInvalid(
            _("A peer region is a province, city or county code such as 320000."), field="code"
        )
    own = settings.ONEWINDOW_REGION_CODE
    if own and _overlaps(code, own):
        raise PeerInvalid(
            _("Region %(code)s overlaps this instance's region %(own)s."),
            field="code",
            params={"code": code, "own": own},
        )
    for other in PeerRegion.objects.exclude(code=code):
        if _overlaps(code, other.code):
            raise PeerInvalid(
                _("Region %(code)s overlaps the registered peer %(other)s."),
                field="code",
                params={"code": code, "other": other.code},
            )
    if PeerRegion.objects.filter(code=code).exists():
        raise PeerInvalid(_("This peer region is already registered."), field="code")
    if urllib.parse.urlsplit(base_url).scheme not in {"http", "https"}:
        raise PeerInvalid(_("The address must be an http or https URL."), field="url")
    document = _fetch_jwks(code, base_url)  # outside the transaction: the network is slow
    keys, _skipped = _accepted_keys(code, document)
    with transaction.atomic():
        peer = PeerRegion.objects.create(
            code=code,
            name=name.strip() or code,
            base_url=base_url,
            keys=keys,
            fetched_at=timezone.now(),
            registered_by=actor,
        )
        _record_peer(peer, "registered", actor)
    return peer


def refresh_peer_keys(peer: PeerRegion, *, actor: str = "system") -> PeerRegion:
    """Fetch the peer's keys again (it rotated, or a department signed for the first time).
    A changed key set is recorded in the ledger. Raises PeerInvalid when the fetch fails."""
    document = _fetch_jwks(peer.code, peer.base_url)
    keys, _skipped = _accepted_keys(peer.code, document)
    with transaction.atomic():
        peer = PeerRegion.objects.select_for_update().get(pk=peer.pk)
        changed = keys != peer.keys
        peer.keys = keys
        peer.fetched_at = timezone.now()
        peer.save(update_fields=["keys", "fetched_at"])
        if changed:
            _record_peer(peer, "keys_changed", actor)
    return peer


@transaction.atomic
def set_peer_status(peer: PeerRegion, status: str, *, actor: str) -> PeerRegion:
    """Suspend a peer (its keys stop verifying at once, our calls to it are refused) or make
    it active again."""
    peer.status = PeerStatus(status)
    peer.save(update_fields=["status"])
    _record_peer(peer, "suspended" if status == PeerStatus.SUSPENDED else "resumed", actor)
    return peer


def refresh_for_unknown_key(token: str) -> None:
    """Before answering: a request signed by a key we do not know, in a registered peer's
    namespace, may come from a key the peer made since we last fetched. Fetch again, at most
    once per REFRESH_ON_UNKNOWN_KEY_EVERY per peer. Never raises: the answer then refuses.
    Our own departments' calls cost no query here."""
    try:
        kid = str(signing.jws_header(token).get("kid", ""))
    except signing.SignatureRefused:
        return
    match = KID_PATTERN.match(kid)
    own = settings.ONEWINDOW_REGION_CODE
    if match is None or (own and match["department"].startswith(division_prefix(own))):
        return
    cutoff = timezone.now() - REFRESH_ON_UNKNOWN_KEY_EVERY
    for peer in PeerRegion.objects.filter(status=PeerStatus.ACTIVE):
        if not peer.owns_department(match["department"]):
            continue
        known = any(key.get("kid") == kid for key in peer.keys)
        if not known and (peer.fetched_at is None or peer.fetched_at < cutoff):
            try:
                refresh_peer_keys(peer)
            except PeerInvalid as error:
                logger.warning("peer %s: keys not refreshed: %s", peer.code, error)
        return


# ----- grants to peer regions' departments -----------------------------------------------------


@transaction.atomic
def grant_remote_access(
    steward: User,
    service: DataService,
    *,
    peer: PeerRegion,
    consumer_code: str,
    purpose: str,
    fields: list[str],
    expires_at: datetime,
) -> AccessGrant:
    """The provider's data steward lets a department of a peer region use a data service,
    for one purpose, for these fields, until `expires_at` (agreed between the regions, so it
    is approved as it is made). Revoked like any grant (`services.revoke_grant`). Raises
    PermissionDenied, GrantRefused or DomainError naming the field."""
    if not services._is_steward(steward, service.provider):
        raise PermissionDenied(_("Only the providing department's data steward decides."))
    if service.sharing_class == SharingClass.NOT_SHARED:
        raise services.GrantRefused(_("This data service is not shared."), field="service")
    consumer_code = consumer_code.strip()
    if not KID_PATTERN.match(f"{consumer_code}:20000101:00000000") or not peer.owns_department(
        consumer_code
    ):
        raise DomainError(
            _("%(consumer)s is not a department of region %(peer)s."),
            field="consumer",
            params={"consumer": consumer_code, "peer": peer.code},
        )
    if not fields or not set(fields) <= set(service.field_names):
        raise DomainError(_("Ask for fields the service has."), field="fields")
    if not purpose.strip():
        raise DomainError(_("Name the purpose: a service item or a case type."), field="purpose")
    if expires_at <= timezone.now():
        raise DomainError(_("The expiry must be in the future."), field="expires_at")
    now = timezone.now()
    grant = AccessGrant.objects.create(
        service=service,
        peer=peer,
        remote_consumer=consumer_code,
        purpose=purpose.strip(),
        fields=sorted(set(fields)),
        status=GrantStatus.APPROVED,
        requested_by=steward,
        requested_at=now,
        decided_by=steward,
        decided_at=now,
        expires_at=expires_at,
    )
    services._record_grant(grant, steward, "approved")
    return grant


# ----- the consumer's side of a call -----------------------------------------------------------


def build_remote_request(
    consumer: Department, provider_code: str, service_code: str, **asking: Unpack[Asking]
) -> tuple[str, dict[str, Any]]:
    """The consumer's signed request to a peer region's provider, and its claims."""
    claims = services.request_claims(consumer, provider_code, service_code, **asking)
    return signing.sign(consumer, claims), claims


def service_url(peer: PeerRegion, provider_code: str, service_code: str) -> str:
    provider = urllib.parse.quote(provider_code, safe="")
    service = urllib.parse.quote(service_code, safe="")
    return f"{peer.base_url}/exchange/v1/{provider}/{service}"


def post_request(
    peer: PeerRegion, provider_code: str, service_code: str, token: str
) -> transport.HttpAnswer:
    """POST a signed request to the peer; raises ProviderTimedOut or ProviderUnavailable."""
    timeout = _timeout()
    params = {"provider": provider_code, "region": peer.name, "seconds": f"{timeout:g}"}
    try:
        return transport.exchange(
            "POST",
            service_url(peer, provider_code, service_code),
            timeout=timeout,
            body=token.encode("ascii"),
            headers={
                "Content-Type": "application/jose",
                "Accept": "application/jose, application/problem+json",
                "Accept-Language": get_language() or settings.LANGUAGE_CODE,
            },
        )
    except TimeoutError:
        raise ProviderTimedOut(
            _(
                "The provider %(provider)s in %(region)s did not answer within %(seconds)s "
                "seconds. No data was received; try again later or upload the document."
            ),
            params=params,
        ) from None
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise ProviderUnavailable(
            _(
                "The provider %(provider)s in %(region)s cannot be reached (%(error)s). "
                "No data was received; try again later or upload the document."
            ),
            params={**params, "error": str(error) or type(error).__name__},
        ) from None


def _problem_of(answer: transport.HttpAnswer) -> tuple[str, str]:
    """The code and title of a problem+json refusal, as far as they can be read."""
    try:
        document = json.loads(answer.body)
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    kind = str(document.get("type", ""))
    code = kind.removeprefix(PROBLEM_TYPE_BASE) if kind.startswith(PROBLEM_TYPE_BASE) else ""
    return code or "peer_refused", str(document.get("title", ""))[:160]


def _finish(
    call: RemoteCall,
    status: str,
    *,
    reason: str = "",
    answer: transport.HttpAnswer | None = None,
) -> None:
    """Complete the consumer's log of a call with its outcome (and the provider's answer, when
    one came back) and record it in the ledger."""
    http_status = answer.status if answer else None
    response = answer.body.decode("utf-8", errors="replace") if answer else ""
    request = personal_data.decrypt(call.request_encrypted, context=CALL_CONTEXT)
    with transaction.atomic():
        receipt = ledger.record(
            "exchange.remote_call",
            subject_ref=f"remote-call:{call.nonce[:40]}",
            actor_role="department",
            department=call.consumer.code,
            payload={
                "peer": call.peer.code,
                "provider": call.provider_code,
                "service": call.service_code,
                "purpose": call.purpose,
                "ref": call.case_ref,
                "status": status,
                "http_status": http_status or 0,
                "request_sha256": hashlib.sha256(request.encode()).hexdigest(),
                "response_sha256": hashlib.sha256(response.encode()).hexdigest(),
            },
        )
        call.status = status
        call.reason = reason[:200]
        call.http_status = http_status
        call.response_encrypted = (
            personal_data.encrypt(response, context=CALL_CONTEXT) if response else ""
        )
        call.finished_at = timezone.now()
        call.ledger_index = receipt.index
        call.save(
            update_fields=[
                "status",
                "reason",
                "http_status",
                "response_encrypted",
                "finished_at",
                "ledger_index",
            ]
        )


def _verify_answer(
    peer: PeerRegion, provider_code: str, consumer: Department, nonce: str, token: str
) -> dict[str, Any]:
    try:
        signer, claims = signing.verify_from_peer(token, peer)
    except signing.SignatureRefused:
        # The provider may have signed with a key made since we fetched: fetch once more.
        try:
            refresh_peer_keys(peer)
        except PeerInvalid:
            raise signing.SignatureRefused("The answer's key is not in the registry.") from None
        signer, claims = signing.verify_from_peer(token, peer)
    if (
        signer.code != provider_code
        or claims.get("iss") != provider_code
        or claims.get("aud") != consumer.code
        or claims.get("in_reply_to") != nonce
    ):
        raise signing.SignatureRefused("The answer is not from the provider or not for us.")
    return claims


def call_remote(
    consumer: Department,
    peer: PeerRegion,
    provider_code: str,
    service_code: str,
    **asking: Unpack[Asking],
) -> dict[str, Any]:
    """Ask a peer region's data service as `consumer`; returns the verified answer's claims
    ({"found": bool, "data": {...}}, granted fields only). The call is logged before it
    leaves and completed with its outcome whatever happens. Runs outside any transaction
    (the log must survive a failure, and no lock is held while the network is slow).
    Raises PeerInactive, ProviderTimedOut (504) or ProviderUnavailable (503) when the
    provider is down, slow or failing, PeerRefused with the provider's status and code when
    it refuses (no grant, expired, revoked, unknown key), AnswerNotTrusted (502) when what
    came back is not the provider's signed answer to this request."""
    if peer.status != PeerStatus.ACTIVE:
        raise PeerInactive(
            _("Region %(region)s is suspended: no calls are made to it."),
            params={"region": peer.name},
        )
    token, claims = build_remote_request(consumer, provider_code, service_code, **asking)
    call = RemoteCall.objects.create(
        nonce=claims["nonce"],
        peer=peer,
        consumer=consumer,
        provider_code=provider_code[:32],
        service_code=service_code[:64],
        purpose=claims["purpose"][:64],
        case_ref=claims["ref"][:64],
        actor=claims["actor"][:150],
        request_encrypted=personal_data.encrypt(token, context=CALL_CONTEXT),
    )
    try:
        answer = post_request(peer, provider_code, service_code, token)
    except ProviderUnavailable as error:
        _finish(call, RemoteCallStatus.FAILED, reason=str(error))
        raise
    text = answer.body.decode("utf-8", errors="replace")
    if answer.status >= 500:
        _finish(
            call,
            RemoteCallStatus.FAILED,
            reason=f"HTTP {answer.status}",
            answer=answer,
        )
        raise ProviderUnavailable(
            _(
                "The provider %(provider)s in %(region)s failed (HTTP %(status)s). "
                "No data was received; try again later or upload the document."
            ),
            params={"provider": provider_code, "region": peer.name, "status": answer.status},
        )
    if answer.status != 200:
        code, title = _problem_of(answer)
        _finish(
            call,
            RemoteCallStatus.REFUSED,
            reason=f"{code}: {title}",
            answer=answer,
        )
        raise PeerRefused(
            _("The provider %(provider)s in %(region)s refused: %(reason)s"),
            status=answer.status if 400 <= answer.status < 500 else 502,
            code=code,
            params={"provider": provider_code, "region": peer.name, "reason": title or code},
        )
    try:
        if answer.content_type != "application/jose":
            raise signing.SignatureRefused("The answer is not a signed exchange message.")
        verified = _verify_answer(peer, provider_code, consumer, claims["nonce"], text.strip())
    except signing.SignatureRefused as refused:
        _finish(
            call,
            RemoteCallStatus.FAILED,
            reason=f"untrusted answer: {refused}",
            answer=answer,
        )
        raise AnswerNotTrusted(
            _("The answer from %(provider)s in %(region)s could not be trusted: %(reason)s"),
            params={"provider": provider_code, "region": peer.name, "reason": str(refused)},
        ) from None
    found = bool(verified.get("found"))
    _finish(
        call,
        RemoteCallStatus.ANSWERED if found else RemoteCallStatus.NOT_FOUND,
        answer=answer,
    )
    return verified
