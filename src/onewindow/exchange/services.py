"""Writes of the exchange: data services, grants, and answering signed requests.

A call is two signed messages. The consumer department signs a request naming the service,
the subject, the purpose and the case; the provider verifies the signature against the key
registry, refuses stale timestamps and reused nonces, checks the grant (approved, not
expired, not revoked, for this purpose), answers with the granted fields only, and signs the
answer. Every call, answered or refused, is logged encrypted and its digest recorded in the
ledger; the subject sees it in "who read my data".
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NotRequired, TypedDict, Unpack

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from onewindow.core import calendar, personal_data
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.validators import normalise_resident_id
from onewindow.exchange import selectors, signing
from onewindow.exchange.models import (
    AccessGrant,
    DataService,
    ExchangeMessage,
    GrantStatus,
    MessageStatus,
    MisuseReport,
    MisuseStatus,
    ProviderRecord,
    SharingClass,
)
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.access import NewAccess, both_languages, record_data_accesses
from onewindow.identity.models import (
    ID_NUMBER_CONTEXT,
    AccessKind,
    Business,
    DataAccess,
    Department,
    OfficerRole,
    Role,
    User,
)
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify

REPLAY_WINDOW = timedelta(minutes=5)
SUBJECT_CONTEXT = "exchange.subject"
RECORD_CONTEXT = "exchange.record"
MESSAGE_CONTEXT = "exchange.message"


class GrantRefused(PermissionDenied):
    code = "grant_refused"


def _is_steward(user: User, department: Department) -> bool:
    return (
        user.department_id == department.pk
        and OfficerRole.objects.filter(user=user, role=Role.DATA_STEWARD).exists()
    )


def _normalise_subject(service: DataService, subject: str) -> str:
    return normalise_resident_id(subject) if service.subject_kind == "person" else subject.strip()


def subject_hash(service: DataService, subject: str) -> str:
    return personal_data.lookup_hash(_normalise_subject(service, subject), context=SUBJECT_CONTEXT)


def load_records(service: DataService, rows: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """Put (subject, data) rows into the provider's records (the demo's department tables)."""
    count = 0
    for subject, data in rows:
        ProviderRecord.objects.update_or_create(
            service=service,
            subject_hash=subject_hash(service, subject),
            defaults={
                "data_encrypted": personal_data.encrypt(
                    json.dumps(data, ensure_ascii=False), context=RECORD_CONTEXT
                )
            },
        )
        count += 1
    return count


# ----- grants ---------------------------------------------------------------------------------


def request_grant(
    requester: User, service: DataService, *, purpose: str, fields: list[str]
) -> AccessGrant:
    """An officer asks, for their department and one purpose, for some fields of a service."""
    if not requester.is_officer or requester.department is None:
        raise PermissionDenied(_("Only officers request data on behalf of their department."))
    if service.sharing_class == SharingClass.NOT_SHARED:
        raise GrantRefused(_("This data service is not shared."), field="service")
    unknown = set(fields) - set(service.field_names)
    if not fields or unknown:
        raise DomainError(_("Ask for fields the service has."), field="fields")
    if not purpose.strip():
        raise DomainError(_("Name the purpose: a service item or a case type."), field="purpose")
    return AccessGrant.objects.create(
        service=service,
        consumer=requester.department,
        purpose=purpose.strip(),
        fields=sorted(set(fields)),
        status=GrantStatus.REQUESTED,
        requested_by=requester,
    )


def _record_grant(grant: AccessGrant, steward: User, action: str) -> None:
    ledger.record(
        f"exchange.grant_{action}",
        subject_ref=f"grant:{grant.pk}",
        actor_role=Role.DATA_STEWARD,
        department=grant.service.provider.code,
        payload={
            "service": grant.service.code,
            "consumer": grant.consumer_code,
            "purpose": grant.purpose,
            "fields": grant.fields,
            "expires_at": grant.expires_at.isoformat() if grant.expires_at else "",
            "steward": steward.username,
        },
    )


@transaction.atomic
def approve_grant(
    steward: User,
    grant: AccessGrant,
    *,
    fields: list[str],
    expires_at: datetime,
    allows_secrecy: bool = False,
) -> AccessGrant:
    """The provider's steward approves some of the requested fields until `expires_at`.
    `allows_secrecy` lets calls under the grant carry a legal secrecy order (an
    investigation), which hides them from the person until the order's disclosure date."""
    if not _is_steward(steward, grant.service.provider):
        raise PermissionDenied(_("Only the providing department's data steward decides."))
    if grant.status != GrantStatus.REQUESTED:
        raise DomainError(_("Only a pending request can be approved."), field="status")
    if not fields or not set(fields) <= set(grant.fields):
        raise DomainError(_("Approve some of the requested fields, no others."), field="fields")
    if expires_at <= timezone.now():
        raise DomainError(_("The expiry must be in the future."), field="expires_at")
    grant.fields = sorted(set(fields))
    grant.status = GrantStatus.APPROVED
    grant.expires_at = expires_at
    grant.allows_secrecy = allows_secrecy
    grant.decided_by = steward
    grant.decided_at = timezone.now()
    grant.save()
    _record_grant(grant, steward, "approved")
    return grant


@transaction.atomic
def revoke_grant(steward: User, grant: AccessGrant) -> AccessGrant:
    """Revoke at once: the next call under this grant is refused."""
    if not _is_steward(steward, grant.service.provider):
        raise PermissionDenied(_("Only the providing department's data steward decides."))
    if grant.status != GrantStatus.APPROVED:
        raise DomainError(_("Only an approved grant can be revoked."), field="status")
    grant.status = GrantStatus.REVOKED
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["status", "revoked_at"])
    _record_grant(grant, steward, "revoked")
    return grant


@transaction.atomic
def refuse_grant(steward: User, grant: AccessGrant, *, reason: str) -> AccessGrant:
    """The provider's steward turns a request down, saying why."""
    if not _is_steward(steward, grant.service.provider):
        raise PermissionDenied(_("Only the providing department's data steward decides."))
    if grant.status != GrantStatus.REQUESTED:
        raise DomainError(_("Only a pending request can be refused."), field="status")
    if not reason.strip():
        raise DomainError(_("Say why the request is refused."), field="reason")
    grant.status = GrantStatus.REFUSED
    grant.decided_by = steward
    grant.decided_at = timezone.now()
    grant.refusal_reason = reason.strip()[:500]
    grant.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    _record_grant(grant, steward, "refused")
    return grant


# ----- calls ----------------------------------------------------------------------------------


class Asking(TypedDict):
    """Whom a call asks about and why: the subject's identifier, the purpose its grant names,
    the case it serves (optional) and who asks (the system unless named)."""

    subject: str
    purpose: str
    case_ref: NotRequired[str]
    actor: NotRequired[str]


def request_claims(
    consumer: Department, provider_code: str, service_code: str, **asking: Unpack[Asking]
) -> dict[str, Any]:
    """The claims of a consumer's request to a provider's service, here or in a peer region."""
    return {
        "iss": consumer.code,
        "aud": provider_code,
        "svc": service_code,
        "sub": asking["subject"],
        "purpose": asking["purpose"],
        "ref": asking.get("case_ref", ""),
        "actor": asking.get("actor", "system"),
        "nonce": secrets.token_hex(16),
        "iat": int(timezone.now().timestamp()),
    }


def build_request(
    consumer: Department,
    service: DataService,
    *,
    secret_until: datetime | None = None,
    **asking: Unpack[Asking],
) -> str:
    """The consumer's signed request (what travels to the provider). `secret_until` carries
    a legal secrecy order's disclosure date: the person sees the access only after it."""
    claims = request_claims(consumer, service.provider.code, service.code, **asking)
    if secret_until is not None:
        claims["secret_until"] = int(secret_until.timestamp())
    return signing.sign(consumer, claims)


@dataclass(frozen=True)
class Answer:
    status: int
    token: str  # the provider's signed answer, or "" when refused before answering
    problem: DomainError | None = None


@dataclass(frozen=True)
class _Subject:
    """The keys a call's subject is looked up by: in the provider's records, and among our
    people or businesses (for "who read my data"). `invalid` when the identifier is not one."""

    record_hash: str | None
    kind: str  # "person" or "business"
    key: str | None
    invalid: DomainError | None = None

    @classmethod
    def of(cls, service: DataService, subject: str) -> _Subject:
        try:
            normalised = _normalise_subject(service, subject)
        except DomainError as invalid:
            return cls(None, service.subject_kind, None, invalid)
        record_hash = personal_data.lookup_hash(normalised, context=SUBJECT_CONTEXT)
        if service.subject_kind == "business":
            return cls(record_hash, "business", normalised or None)
        key = personal_data.lookup_hash(normalised, context=ID_NUMBER_CONTEXT)
        return cls(record_hash, "person", key)


def _grant_record_and_subject(
    service: DataService, consumer: signing.Signatory, purpose: str, subject: _Subject
) -> tuple[AccessGrant, str | None, int | None]:
    """The latest grant for this asker and purpose, with the provider's record of the subject
    (still encrypted) and the subject's user or business pk, in the same statement: one round
    trip per call. The grant is read on every call, never cached, so a revocation is refused
    on the very next call in every process. Raises GrantRefused."""
    # Raw SQL on the per-call path: the ORM spent longer building these reads than the
    # database spent answering them (bench/exchange_calls.py --profile).
    quote = connection.ops.quote_name
    if consumer.peer is None:
        asker = f"{quote('consumer_id')} = %s"
        asker_values: list[object] = [consumer.department.pk if consumer.department else None]
    else:  # a peer region's department: only a grant naming that region and department
        asker = f"{quote('peer_id')} = %s AND {quote('remote_consumer')} = %s"
        asker_values = [consumer.peer.pk, consumer.code]
    model, column = (
        (Business, "credit_code") if subject.kind == "business" else (User, "id_number_hash")
    )
    grant = next(
        iter(
            AccessGrant.objects.raw(
                f"SELECT {quote('id')}, {quote('status')}, {quote('fields')}, "  # noqa: S608
                f"{quote('expires_at')}, {quote('allows_secrecy')}, "
                f"(SELECT record.{quote('data_encrypted')} "
                f"FROM {quote(ProviderRecord._meta.db_table)} AS record "
                f"WHERE record.{quote('service_id')} = %s "
                f"AND record.{quote('subject_hash')} = %s) AS record_data, "
                f"(SELECT subject.{quote('id')} FROM {quote(model._meta.db_table)} AS subject "
                f"WHERE subject.{quote(column)} = %s) AS subject_pk "
                f"FROM {quote(AccessGrant._meta.db_table)} "
                f"WHERE {quote('service_id')} = %s AND {asker} "
                f"AND {quote('purpose')} = %s ORDER BY {quote('requested_at')} DESC LIMIT 1",
                [
                    service.pk,
                    subject.record_hash,
                    subject.key,
                    service.pk,
                    *asker_values,
                    purpose,
                ],
            )
        ),
        None,
    )
    if grant is None:
        raise GrantRefused(
            _("No grant lets %(consumer)s use %(service)s for %(purpose)s."),
            params={"consumer": consumer.code, "service": service.code, "purpose": purpose},
        )
    if grant.status == GrantStatus.REVOKED:
        raise GrantRefused(_("The grant was revoked."), params={"grant": grant.pk})
    if grant.status != GrantStatus.APPROVED:
        raise GrantRefused(_("The grant is not approved."), params={"grant": grant.pk})
    if grant.expires_at is not None and grant.expires_at <= timezone.now():
        raise GrantRefused(_("The grant has expired."), params={"grant": grant.pk})
    subject_pk = getattr(grant, "subject_pk", None)
    return (
        grant,
        getattr(grant, "record_data", None),
        None if subject_pk is None else int(subject_pk),
    )


MAX_SECRECY = timedelta(days=2 * 365)


def _check_secrecy(claims: dict[str, Any], grant: AccessGrant, now: datetime) -> None:
    """A secrecy order is honoured only under a grant that allows one, for at most two
    years; then the access is shown to the person like any other."""
    if "secret_until" not in claims:
        return
    if not grant.allows_secrecy:
        raise GrantRefused(
            _("This grant does not allow calls under a secrecy order."),
            params={"grant": grant.pk},
        )
    try:
        until = float(claims["secret_until"])
    except (TypeError, ValueError):
        raise signing.SignatureRefused("The secrecy order's date is not a timestamp.") from None
    if not now.timestamp() < until <= (now + MAX_SECRECY).timestamp():
        raise GrantRefused(
            _("A secrecy order must end in the future and within two years."),
            params={"grant": grant.pk},
        )


def _disclose_after(claims: dict[str, Any]) -> datetime | None:
    """When an answered call under a (checked) secrecy order becomes visible to the person."""
    until = claims.get("secret_until")
    return None if until is None else datetime.fromtimestamp(float(until), tz=UTC)


@dataclass(eq=False)
class _LogRow:
    """One call on its way to the message log, and what became of it."""

    service: DataService
    claims: dict[str, Any]
    consumer: signing.Signatory | None  # our department or a peer region's; None: unknown
    status: str
    request: str
    response: str = ""
    reason: str = ""
    replayed: bool = False  # set when the log finds the nonce already used
    message: ExchangeMessage | None = None
    error: BaseException | None = None
    done: bool = False
    # (user pk, business pk) when already looked up with the grant; None: look it up
    subject: tuple[int | None, int | None] | None = None

    def nonce(self) -> str:
        nonce = str(self.claims.get("nonce", ""))[:32] or secrets.token_hex(8)
        if self.replayed or not self.claims:
            nonce = f"x:{secrets.token_hex(12)}:{nonce[:16]}"  # refused copies keep their own row
        return nonce

    def refuse_as_replay(self) -> None:
        self.replayed = True
        self.status = MessageStatus.REFUSED
        self.response = ""
        self.reason = "replayed nonce"


def _subjects(rows: list[_LogRow]) -> list[tuple[int | None, int | None]]:
    """Who each call was about (user pk, business pk): one query per kind for the batch."""
    wanted: list[tuple[str, str]] = []  # (kind, key) per row; kind "" when not looked up
    for row in rows:
        subject = str(row.claims.get("sub", ""))
        if row.subject is not None or row.consumer is None or not subject:
            wanted.append(("", ""))
        elif row.service.subject_kind == "business":
            wanted.append(("business", subject.strip()))
        else:
            try:
                number = normalise_resident_id(subject)
            except DomainError:
                wanted.append(("", ""))
                continue
            wanted.append(("person", personal_data.lookup_hash(number, context=ID_NUMBER_CONTEXT)))
    found = {
        ("person", key): pk
        for key, pk in _primary_keys(
            User, "id_number_hash", {key for kind, key in wanted if kind == "person"}
        ).items()
    } | {
        ("business", key): pk
        for key, pk in _primary_keys(
            Business, "credit_code", {key for kind, key in wanted if kind == "business"}
        ).items()
    }
    return [
        row.subject
        if row.subject is not None
        else (
            found.get(("person", key)) if kind == "person" else None,
            found.get(("business", key)) if kind == "business" else None,
        )
        for row, (kind, key) in zip(rows, wanted, strict=True)
    ]


def _primary_keys(
    model: type[User] | type[Business], column: str, keys: set[str]
) -> dict[str, int]:
    if not keys:
        return {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)}, {quote('id')} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(column)} IN ({', '.join(['%s'] * len(keys))})",
            list(keys),
        )
        return {str(key): int(pk) for key, pk in cursor.fetchall()}


def _ledger_event(row: _LogRow, nonce: str) -> ledger.Event:
    """The call's own ledger entry: digests of what was asked and answered, never the data."""
    claims = row.claims
    return ledger.Event(
        "data.exchange",
        subject_ref=f"exchange:{nonce[:48]}",
        actor_role="department",
        department=row.consumer.code if row.consumer is not None else "unknown",
        payload={
            "service": row.service.code,
            "purpose": str(claims.get("purpose", "")),
            "ref": str(claims.get("ref", "")),
            "status": row.status,
            "request_sha256": hashlib.sha256(row.request.encode()).hexdigest(),
            "response_sha256": hashlib.sha256(row.response.encode()).hexdigest(),
        },
    )


def _write(rows: list[_LogRow]) -> None:
    """Log the calls and record them in the ledger, inside the caller's transaction.
    A nonce already in the log, or earlier in the batch, makes that call a refused replay."""
    # Optimistic: a nonce already in the log fails the insert (unique), and the batch is then
    # retried call by call, where that one becomes a refused replay (see _write_alone).
    taken: set[str] = set()
    for row in rows:
        nonce = str(row.claims.get("nonce", ""))[:32]
        if row.claims and nonce and not row.replayed:
            if nonce in taken:
                row.refuse_as_replay()
            taken.add(nonce)
    subjects = _subjects(rows)  # before the ledger's sequence row is locked
    nonces = [row.nonce() for row in rows]
    # One index reservation and one insert for the batch's ledger entries.
    receipts = ledger.record_many(
        [_ledger_event(row, nonce) for row, nonce in zip(rows, nonces, strict=True)]
    )
    messages = []
    for row, nonce, receipt, (subject_user, subject_business) in zip(
        rows, nonces, receipts, subjects, strict=True
    ):
        claims, consumer = row.claims, row.consumer
        messages.append(
            ExchangeMessage(
                nonce=nonce,
                service=row.service,
                consumer=consumer.department if consumer is not None else None,
                peer=consumer.peer if consumer is not None else None,
                remote_consumer=consumer.code[:32] if consumer and consumer.peer else "",
                purpose=str(claims.get("purpose", ""))[:64],
                case_ref=str(claims.get("ref", ""))[:64],
                actor=str(claims.get("actor", ""))[:150],
                subject_user_id=subject_user,
                subject_business_id=subject_business,
                status=row.status,
                reason=row.reason[:200],
                request_encrypted=personal_data.encrypt(row.request, context=MESSAGE_CONTEXT),
                response_encrypted=personal_data.encrypt(row.response, context=MESSAGE_CONTEXT)
                if row.response
                else "",
                ledger_index=receipt.index,
                disclose_after=_disclose_after(claims) if row.status != "refused" else None,
            )
        )
    _record_accesses(rows, messages)
    for row, message in zip(rows, ExchangeMessage.objects.bulk_create(messages), strict=True):
        row.message = message


def _record_accesses(rows: list[_LogRow], messages: list[ExchangeMessage]) -> None:
    """A call by a known asker about a known person or business, that was not refused, is a
    data access the subject sees; the call's own ledger entry records it."""
    wanted = [
        (row, message)
        for row, message in zip(rows, messages, strict=True)
        if row.consumer is not None
        and row.status != MessageStatus.REFUSED
        and (message.subject_user_id is not None or message.subject_business_id is not None)
    ]
    if not wanted:
        return
    recorded = record_data_accesses([_access_of(row, message) for row, message in wanted])
    for (_row, message), access in zip(wanted, recorded, strict=True):
        message.access = access


def _access_of(row: _LogRow, message: ExchangeMessage) -> NewAccess:
    service, consumer = row.service, row.consumer
    assert consumer is not None
    status_zh, status_en = both_languages(MessageStatus(row.status).label)
    return NewAccess(
        kind=AccessKind.EXCHANGE_FETCH,
        subject_user=message.subject_user_id,
        subject_business=message.subject_business_id,
        department=consumer.department,
        accessor=message.actor if consumer.peer is None else message.consumer_name,
        actor_role="department",
        what=(
            f"{service.name_zh}（{service.provider.name_zh}）· {status_zh}",
            f"{service.name_en} ({service.provider.name_en}) · {status_en}",
        ),
        purpose=message.purpose,
        case_ref=message.case_ref,
        legal_basis=(service.legal_basis_zh, service.legal_basis_en),
        disclose_after=message.disclose_after,
        is_reportable=consumer.department is not None,
        ledger_index=message.ledger_index,
    )


def _write_alone(row: _LogRow) -> None:
    """One call in its own transaction (a savepoint inside the caller's)."""
    try:
        with transaction.atomic():
            _write([row])
    except IntegrityError:  # the nonce was logged by another process since we looked
        row.refuse_as_replay()
        with transaction.atomic():
            _write([row])


def _flush(rows: list[_LogRow]) -> None:
    """Commit a batch in one transaction; if it fails (a nonce raced in from another process,
    a payload the ledger refuses), commit each call alone so one cannot fail the others."""
    try:
        with transaction.atomic():
            _write(rows)
        return
    except Exception:
        for row in rows:
            row.message = None
    for row in rows:
        try:
            _write_alone(row)
        except Exception as error:
            row.error = error


class _GroupCommit:
    """Calls that end together are logged in one transaction: one commit (and on PostgreSQL
    one WAL flush) and one hold of the ledger's sequence row for many calls.

    No thread of its own: the first waiting call leads, flushes everything queued in its own
    connection, and wakes the others; calls that arrive meanwhile wait for the next flush.
    An idle system flushes each call at once, so batching adds no latency. Every call still
    returns only after its own row and ledger entry are committed."""

    MAX_BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._queue: list[_LogRow] = []
        self._leading = False

    def commit(self, row: _LogRow) -> None:
        with self._lock:
            self._queue.append(row)
        while True:
            with self._lock:
                while self._leading and not row.done:
                    self._lock.wait()
                if row.done:
                    return
                self._leading = True
                batch = self._queue[: self.MAX_BATCH]
                del self._queue[: self.MAX_BATCH]
            try:
                _flush(batch)
            finally:
                with self._lock:
                    for queued in batch:
                        queued.done = True
                    self._leading = False
                    self._lock.notify_all()


_group_commit = _GroupCommit()


def _commit_log(row: _LogRow) -> ExchangeMessage:
    """Log a call durably: committed before this returns. Inside a caller's open transaction
    the row joins that transaction (a flush in another connection would wait on its locks)."""
    if transaction.get_connection().in_atomic_block:
        _write_alone(row)
    else:
        _group_commit.commit(row)
    if row.error is not None:
        raise row.error
    if row.message is None:
        raise RuntimeError("The call was not logged.")
    return row.message


def _log(
    service: DataService,
    claims: dict[str, Any],
    consumer: signing.Signatory | None,
    status: str,
    *,
    request: str,
    response: str = "",
    reason: str = "",
    replayed: bool = False,
) -> ExchangeMessage:
    return _commit_log(
        _LogRow(service, claims, consumer, status, request, response, reason, replayed)
    )


def answer(service: DataService, token: str) -> Answer:
    """The provider's side of a call, from one of our departments or a peer region's.
    Refusals are answered and logged too; the answer is given only once its log row and
    ledger entry are committed."""
    try:
        consumer, claims = signing.verify_signer(token)
    except signing.SignatureRefused as refused:
        _log(service, {}, None, MessageStatus.REFUSED, request=token, reason=str(refused))
        return Answer(401, "", refused)
    now = timezone.now()
    try:
        if claims.get("iss") != consumer.code or claims.get("aud") != service.provider.code:
            raise signing.SignatureRefused("The request names another sender or provider.")
        if claims.get("svc") != service.code:
            raise signing.SignatureRefused("The request is for another data service.")
        issued = float(claims.get("iat", 0))
        if abs(now.timestamp() - issued) > REPLAY_WINDOW.total_seconds():
            raise signing.SignatureRefused("The request is stale: its timestamp is out of window.")
        subject = _Subject.of(service, str(claims.get("sub", "")))
        grant, record_data, subject_pk = _grant_record_and_subject(
            service, consumer, str(claims.get("purpose", "")), subject
        )
        _check_secrecy(claims, grant, now)
    except DomainError as refused:
        _log(service, claims, consumer, MessageStatus.REFUSED, request=token, reason=str(refused))
        return Answer(refused.status, "", refused)
    if subject.invalid is not None:  # authorised, but the subject is no identifier
        raise subject.invalid
    found = record_data is not None
    data: dict[str, Any] = {}
    if record_data is not None:
        full = json.loads(personal_data.decrypt(record_data, context=RECORD_CONTEXT))
        data = {name: full.get(name) for name in grant.fields}  # only granted fields leave
    response = signing.sign(
        service.provider,
        {
            "iss": service.provider.code,
            "aud": consumer.code,
            "in_reply_to": claims.get("nonce"),
            "found": found,
            "data": data,
            "iat": int(now.timestamp()),
        },
    )
    status = MessageStatus.ANSWERED if found else MessageStatus.NOT_FOUND
    row = _LogRow(service, claims, consumer, status, token, response)
    row.subject = (
        subject_pk if subject.kind == "person" else None,
        subject_pk if subject.kind == "business" else None,
    )
    _commit_log(row)
    if row.replayed:
        return Answer(
            409, "", signing.SignatureRefused("The request was already answered: replay refused.")
        )
    return Answer(200, response)


def forget_data_services() -> None:
    """Drop cached data services (after publishing or changing them)."""
    selectors.services_by_codes.forget()


def _data_service(code: str) -> DataService | None:
    """The data service with its provider, kept per process (selectors.services_by_codes:
    forgotten when a service changes; other processes see a change within its 30 s).
    Grants are never cached."""
    return selectors.data_services_by_code([code]).get(code)


def call(
    consumer: Department,
    service_code: str,
    *,
    subject: str,
    purpose: str,
    case_ref: str = "",
    actor: str = "system",
    secret_until: datetime | None = None,
) -> dict[str, Any]:
    """Ask a data service in-process and return the answer's claims
    ({"found": bool, "data": {...}}). Raises the refusal as a DomainError.

    Both messages are signed and logged as for a call from outside, and the provider verifies
    the request; the consumer does not verify the answer again: it never left this process."""
    service = _data_service(service_code)
    if service is None:
        raise NotFound(_("No data service has this code."), field="service")
    token = build_request(
        consumer,
        service,
        subject=subject,
        purpose=purpose,
        case_ref=case_ref,
        actor=actor,
        secret_until=secret_until,
    )
    result = answer(service, token)
    if result.problem is not None:
        raise result.problem
    return signing.own_claims(result.token)


# ----- the data tracker: reports of suspected misuse -----------------------------------------

MISUSE_DECISION_DAYS = 10


def _supervisors(department: Department) -> list[User]:
    """Who looks into a department's accesses: its supervisors, else its administrators."""
    for role in (Role.SUPERVISOR, Role.DEPARTMENT_ADMIN):
        found = [
            held.user
            for held in OfficerRole.objects.filter(
                role=role, user__department=department
            ).select_related("user")
        ]
        if found:
            return found
    return []


@transaction.atomic
def report_misuse(reporter: User, access: DataAccess, *, reason: str) -> MisuseReport:
    """The person whose data was read says an exchange access looks wrong: a case opens for
    the supervisor of the department that asked, due in MISUSE_DECISION_DAYS working days.
    Raises NotFound (not the person's access, or not an exchange call), DomainError (reason,
    or a peer region's department asked), Conflict (already reported)."""
    access = identity_selectors.access_about(reporter, access.pk)
    message = selectors.reported_message(access)
    reason = reason.strip()
    if not 10 <= len(reason) <= 2000:
        raise DomainError(
            _("Say in 10 to 2,000 characters what seems wrong about this access."),
            field="reason",
        )
    if MisuseReport.objects.filter(
        message=message, reporter=reporter, status=MisuseStatus.OPEN
    ).exists():
        raise Conflict(
            _("You already reported this access; the case is being looked into."),
            code="already_reported",
        )
    if message.consumer is None:  # a peer region's department asked: its supervisors are there
        raise DomainError(
            _("A department of %(region)s asked for this data: report it to that region."),
            field="message",
            params={"region": message.peer.name if message.peer else ""},
        )
    now = timezone.now()
    report = MisuseReport.objects.create(
        case=f"pending-{secrets.token_hex(8)}",
        message=message,
        reporter=reporter,
        department=message.consumer,
        reason=reason,
        created_at=now,
        due_at=calendar.add_working_days(now, MISUSE_DECISION_DAYS),
    )
    report.case = f"{message.consumer.division.code[:6]}-MU-{now:%Y%m%d}-{report.pk:05d}"
    receipt = ledger.record(
        "exchange.misuse_reported",
        subject_ref=f"misuse:{report.case}",
        actor_role="data_subject",
        department=message.consumer.code,
        payload={
            "case": report.case,
            "exchange": message.nonce,
            "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(),
        },
    )
    report.ledger_index = receipt.index
    report.save(update_fields=["case", "ledger_index"])
    link = reverse("data:misuse-case", args=[report.case])
    for supervisor in _supervisors(message.consumer):
        with translation.override(notify.language_for(supervisor)):
            context: dict[str, object] = {
                "case": report.case,
                "department": message.consumer.name,
                "service": message.service.name,
                "purpose": message.purpose,
                "days": MISUSE_DECISION_DAYS,
            }
        notify.send(
            supervisor, "misuse_reported", context=context, subject_ref=report.case, link=link
        )
    return report


@transaction.atomic
def decide_misuse(
    supervisor: User, report: MisuseReport, *, upheld: bool, finding: str
) -> MisuseReport:
    """The supervisor records whether the access was improper, and why; the reporter is told."""
    locked = MisuseReport.objects.select_for_update().get(pk=report.pk)
    if supervisor not in _supervisors(locked.department):
        raise PermissionDenied(_("Only the department's supervisor decides this case."))
    if locked.status != MisuseStatus.OPEN:
        raise Conflict(_("This case is already decided."), code="already_decided")
    finding = finding.strip()
    if not 5 <= len(finding) <= 4000:
        raise DomainError(_("Write the finding (5 to 4,000 characters)."), field="finding")
    locked.status = MisuseStatus.UPHELD if upheld else MisuseStatus.DISMISSED
    locked.finding = finding
    locked.decided_by = supervisor
    locked.decided_at = timezone.now()
    locked.save()
    ledger.record(
        "exchange.misuse_decided",
        subject_ref=f"misuse:{locked.case}",
        actor_role=Role.SUPERVISOR,
        department=locked.department.code,
        payload={
            "case": locked.case,
            "outcome": locked.status,
            "finding_sha256": hashlib.sha256(finding.encode()).hexdigest(),
        },
    )
    with translation.override(notify.language_for(locked.reporter)):
        context: dict[str, object] = {
            "case": locked.case,
            "outcome": str(MisuseStatus(locked.status).label),
            "finding": finding,
        }
    notify.send(
        locked.reporter,
        "misuse_decided",
        context=context,
        subject_ref=locked.case,
        link=reverse("web:who-read-my-data"),
    )
    return locked
