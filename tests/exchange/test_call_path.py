"""The fast call path keeps its guarantees: cached keys follow rotation, a batched log still
logs every call with its own ledger entry, and revocation takes effect on the next call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from joserfc import jws

from onewindow.core.errors import PermissionDenied
from onewindow.exchange import services, signing
from onewindow.exchange.models import (
    AccessGrant,
    DepartmentKey,
    ExchangeMessage,
    GrantStatus,
    MessageStatus,
)
from onewindow.identity.models import DataAccess
from onewindow.ledger.models import LedgerEntry
from tests.exchange import test_exchange
from tests.exchange.test_exchange import World, _call, _granted

world = test_exchange.world  # the same fixture

# Outside any transaction, as a server runs: only there are keys cached and calls batched.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_cached_keys() -> Iterator[None]:
    signing.forget_keys()
    yield
    signing.forget_keys()


def _row(world: World, nonce: str, **claims: str) -> services._LogRow:
    claims = {"nonce": nonce, "purpose": "marriage_registration", "sub": world["number"]} | claims
    consumer = signing.Signatory(code=world["consumer"].code, department=world["consumer"])
    return services._LogRow(
        world["service"], claims, consumer, MessageStatus.ANSWERED, f"request-{nonce}"
    )


def test_keys_are_cached_outside_transactions_and_rotation_forgets_them(world: World) -> None:
    department = world["consumer"]
    first = signing.sign(department, {"n": 1})
    assert department.pk in signing._signers
    signing.verify(first)
    kid = jws.extract_compact(first.encode()).protected["kid"]
    assert kid in signing._verifiers

    new = signing.rotate_key(department)

    assert department.pk not in signing._signers
    assert kid not in signing._verifiers
    second = signing.sign(department, {"n": 2})
    assert jws.extract_compact(second.encode()).protected["kid"] == new.kid
    assert signing.verify(first)[0].retired_at is not None  # still verifies in its grace period


def test_keys_read_inside_a_transaction_are_not_cached(world: World) -> None:
    with transaction.atomic():
        token = signing.sign(world["consumer"], {"n": 1})
        signing.verify(token)
        assert signing._signers == {}
        assert signing._verifiers == {}


def test_a_batched_flush_logs_every_call_with_its_own_ledger_entry(world: World) -> None:
    rows = [_row(world, f"nonce{n}") for n in range(5)] + [_row(world, "nonce0")]

    services._flush(rows)

    assert [row.error for row in rows] == [None] * 6
    assert ExchangeMessage.objects.count() == 6
    indexes = [row.message.ledger_index for row in rows if row.message]
    assert len(set(indexes)) == 6
    assert LedgerEntry.objects.filter(index__in=indexes, event_type="data.exchange").count() == 6
    assert [row.replayed for row in rows] == [False] * 5 + [True]  # the same nonce again
    replayed = rows[-1].message
    assert replayed is not None
    assert ExchangeMessage.objects.get(pk=replayed.pk).status == MessageStatus.REFUSED


def test_one_bad_call_in_a_batch_does_not_fail_the_others(world: World) -> None:
    logged = _row(world, "nonce-a")
    services._flush([logged])
    replay = _row(world, "nonce-a")  # already in the log: the batch insert fails on it
    refused = _row(world, "nonce-b", ref="330106199001011234")  # the ledger refuses an ID
    fine = _row(world, "nonce-c")

    services._flush([replay, refused, fine])

    assert replay.replayed
    assert replay.message is not None
    assert refused.error is not None
    assert refused.message is None
    assert fine.error is None
    assert fine.message is not None
    assert ExchangeMessage.objects.count() == 3


def test_a_revoked_grant_is_refused_on_the_very_next_call(world: World) -> None:
    grant = _granted(world)
    assert _call(world)["found"] is True

    services.revoke_grant(world["steward"], grant)

    with pytest.raises(PermissionDenied, match="revoked"):
        _call(world)
    statuses = list(ExchangeMessage.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["answered", "refused"]


def test_a_grant_revoked_by_another_process_is_refused_on_the_next_call(world: World) -> None:
    grant = _granted(world)
    assert _call(world)["found"] is True

    # Another process revokes: a plain UPDATE that nothing in this process hears of.
    AccessGrant.objects.filter(pk=grant.pk).update(
        status=GrantStatus.REVOKED, revoked_at=timezone.now()
    )

    with pytest.raises(PermissionDenied, match="revoked"):
        _call(world)


def _kid(token: str) -> str:
    return str(jws.extract_compact(token.encode()).protected["kid"])


def test_a_key_rotated_elsewhere_signs_here_after_the_cache_time_old_one_refused_after_grace(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    department = world["consumer"]
    _granted(world)
    old = signing.sign(department, {"n": 1})
    signing.verify(old)  # this process now holds the signer and the verifier

    # Another process rotates: this process's cache is not told.
    DepartmentKey.objects.filter(department=department, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    new = signing._new_key(department)

    # Within the cache time the old key may still sign here: it verifies in its grace period,
    # so the call is answered as it would be in the rotating process.
    assert _kid(signing.sign(department, {"n": 2})) == _kid(old)
    assert _call(world)["found"] is True
    monkeypatch.setattr(signing, "KEY_CACHE_SECONDS", 0.0)  # the cache time has passed
    assert _kid(signing.sign(department, {"n": 3})) == new.kid
    assert _call(world)["found"] is True
    later = timezone.now() + signing.RETIRED_KEY_GRACE + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(signing.SignatureRefused, match="retired"):
        signing.verify(old)


def test_every_answered_call_leaves_the_person_an_access_record_with_its_ledger_entry(
    world: World,
) -> None:
    _granted(world)
    rows = [_row(world, f"nonce-{n}") for n in range(3)]

    services._flush(rows)

    accesses = DataAccess.objects.filter(subject_user=world["person"]).order_by("ledger_index")
    messages = ExchangeMessage.objects.order_by("ledger_index")
    assert [a.ledger_index for a in accesses] == [m.ledger_index for m in messages]
    assert [m.access_id for m in messages] == [a.pk for a in accesses]
    assert len(accesses) == 3
    assert LedgerEntry.objects.filter(event_type="data.exchange").count() == 3


def test_concurrent_calls_are_each_logged_once_with_distinct_ledger_indexes(
    world: World,
    postgres_only: None,
) -> None:
    _granted(world)
    errors: list[BaseException] = []

    def calls() -> None:
        try:
            for _ in range(5):
                _call(world)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=calls) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    messages = ExchangeMessage.objects.all()
    assert messages.count() == 40
    assert {m.status for m in messages} == {MessageStatus.ANSWERED}
    assert len({m.ledger_index for m in messages}) == 40
    assert LedgerEntry.objects.filter(event_type="data.exchange").count() == 40
