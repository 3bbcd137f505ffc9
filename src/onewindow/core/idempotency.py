"""Idempotent POSTs: the `Idempotency-Key` is checked before anything else.

`answer_once(request, owner=..., run=...)` is the whole mechanism, for every endpoint that
takes the header. A key its owner used before on the same operation with the same body gets
the stored answer (status and body, byte for byte, with `Idempotent-Replayed: true`) for
`KEEP_FOR`, whatever happened to the objects since; the same key with another body is
`IdempotencyKeyReused` (422). Otherwise `check()` reads and checks outside any transaction,
and the `write()` it returns does the work; its answer is stored in the same transaction as
the work's own writes, so a crash can never leave a committed write without its answer, nor
an answer without its write. Only successful answers are stored: a refused request wrote
nothing, and its retry is judged afresh. `purge_expired` (the
`core.tasks.purge_idempotent_requests` periodic task) deletes answers past their time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError
from onewindow.core.inserts import insert
from onewindow.core.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 64


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"


def _key(request: HttpRequest) -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise DomainError(
            _("Send an Idempotency-Key header so a retry cannot file twice."),
            code="idempotency_key_missing",
            field=HEADER,
        )
    if len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise DomainError(
            _("The Idempotency-Key must be 1 to 64 visible ASCII characters."),
            code="idempotency_key_invalid",
            field=HEADER,
        )
    return key


def request_digest(body: bytes) -> str:
    """SHA-256 of the body; of its canonical form when it is JSON, so that a client which
    serialises the same request again (other key order, spacing) is sending the same one."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=True
        ).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def _replay(stored: IdempotentRequest, digest: str) -> HttpResponse:
    if stored.request_digest != digest:
        raise IdempotencyKeyReused(
            _(
                "This Idempotency-Key was already used with a different request. "
                "Send a new key for a new request."
            ),
            field=HEADER,
        )
    response = HttpResponse(stored.body, status=stored.status, content_type="application/json")
    response[REPLAYED_HEADER] = "true"
    return response


def _stored(owner: str, operation: str, key: str) -> IdempotentRequest | None:
    """The answer stored under the key (live or expired): one look-up on the unique index."""
    return IdempotentRequest.objects.filter(owner=owner, operation=operation, key=key).first()


def answer_once(
    request: HttpRequest,
    *,
    owner: str,
    check: Callable[[str], Callable[[], tuple[int, Any]]],
) -> HttpResponse:
    """Answer a POST at most once per (owner, operation, key). `check(key)` does every read
    and check outside any transaction (on SQLite, before the write lock) and returns
    `write()`, which writes and returns (status, JSON-serialisable body) inside the
    transaction that stores the answer. Either may raise a DomainError, which stores nothing.
    Raises DomainError for a missing or malformed key and IdempotencyKeyReused for a key used
    with another body."""
    key = _key(request)
    operation = f"{request.method} {request.path}"[:255]
    digest = request_digest(request.body)
    now = timezone.now()
    stored = _stored(owner, operation, key)
    if stored is not None and stored.expires_at > now:
        return _replay(stored, digest)
    write = check(key)
    try:
        with transaction.atomic():
            if stored is not None:  # an expired answer gives way
                IdempotentRequest.objects.filter(pk=stored.pk, expires_at__lte=now).delete()
            status, payload = write()
            body = json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False)
            # The answer last, with the work it answers for: a concurrent request with the
            # same key fails here (on PostgreSQL after waiting for its rival's commit), its
            # own work rolls back, and it replays the winner's answer.
            insert(
                [
                    IdempotentRequest(
                        owner=owner,
                        operation=operation,
                        key=key,
                        request_digest=digest,
                        status=status,
                        body=body,
                        created_at=now,
                        expires_at=now + KEEP_FOR,
                    )
                ]
            )
    except IntegrityError:
        stored = _stored(owner, operation, key)
        if stored is None or stored.expires_at <= timezone.now():
            raise
        return _replay(stored, digest)
    return HttpResponse(body, status=status, content_type="application/json")


def purge_expired(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Delete stored answers past their time, a batch per transaction; returns how many."""
    now = now or timezone.now()
    purged = 0
    while True:
        pks = list(
            IdempotentRequest.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[
                :batch
            ]
        )
        if not pks:
            return purged
        purged += IdempotentRequest.objects.filter(pk__in=pks).delete()[0]
