"""The provider's webhooks, as a provider sends them: duplicated, out of order, forged, replayed
and late. Exactly one confirmation per payment (one ledger entry, one receipt); every refused
webhook is logged with its rule and changes nothing; the return URL alone confirms nothing;
the reconciliation job flags a payment the provider has and we do not."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.credentials.models import Credential
from onewindow.identity.models import Department, User
from onewindow.ledger.models import LedgerEntry
from onewindow.payments import services
from onewindow.payments.models import (
    DemoBehaviour,
    DemoProviderPayment,
    FindingKind,
    Payment,
    PaymentStatus,
    WebhookLog,
    WebhookOutcome,
)
from onewindow.payments.provider import SIGNATURE_HEADER, DemoProvider, sign
from tests.payments import factories

pytestmark = pytest.mark.django_db
DEMO = DemoProvider()


Committed = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Committed) -> Committed:
    """Runs what services leave for the commit (the receipt) as a real commit would."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def payer(divisions: dict[str, Division]) -> User:
    return factories.citizen(divisions["district"])


@pytest.fixture
def department(divisions: dict[str, Division]) -> Department:
    return factories.payee(divisions["city"])


def post_webhook(client: Client, body: bytes, signature: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        reverse("payments:webhook", args=["demo"]),
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature},
    )
    return response.status_code, response.json()


def event(
    row: DemoProviderPayment,
    kind: str,
    sequence: int,
    *,
    amount: int | None = None,
    at_offset: timedelta = timedelta(0),
) -> tuple[bytes, str]:
    at = timezone.now() + at_offset
    body = json.dumps(
        {
            "id": f"evt_{kind}_{sequence}",
            "type": kind,
            "created": int(at.timestamp()),
            "sequence": sequence,
            "data": {
                "payment": row.id,
                "reference": row.reference,
                "amount_fen": row.amount_fen if amount is None else amount,
            },
        }
    ).encode()
    return body, sign(body, at=at)


def confirmations(payment: Payment) -> int:
    return LedgerEntry.objects.filter(
        event_type="payment.confirmed", subject_ref=payment.ref
    ).count()


def receipts(payment: Payment) -> int:
    return Credential.objects.filter(case_ref=payment.ref, kind="fee_receipt").count()


def test_a_webhook_sent_twice_confirms_once_and_issues_one_receipt(
    client: Client, payer: User, department: Department, committed: Committed
) -> None:
    payment = factories.payment(payer, department, behaviour=DemoBehaviour.DUPLICATE)
    hooks = DEMO.pay(payment.provider_payment_id or "", method="card")
    assert len(hooks) == 2
    with committed(execute=True):
        answers = [post_webhook(client, body, signature) for body, signature in hooks]
    assert [status for status, _ in answers] == [200, 200]
    assert [body["outcome"] for _, body in answers] == ["applied", "duplicate"]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED
    assert payment.confirmed_via == "webhook"
    assert confirmations(payment) == 1
    assert receipts(payment) == 1
    assert payment.receipt_number.startswith("330100-FR-")


def test_out_of_order_webhooks_never_undo_a_confirmation(
    client: Client, payer: User, department: Department, committed: Committed
) -> None:
    first = factories.payment(payer, department)
    row = DemoProviderPayment.objects.get(pk=first.provider_payment_id)
    # The provider declined once, then the payer paid: the later word arrives first.
    assert post_webhook(client, *event(row, "payment.succeeded", 2))[1]["outcome"] == "applied"
    assert post_webhook(client, *event(row, "payment.failed", 1))[1]["outcome"] == "stale"
    first.refresh_from_db()
    assert first.status == PaymentStatus.CONFIRMED
    assert confirmations(first) == 1

    second = factories.payment(payer, department)
    row = DemoProviderPayment.objects.get(pk=second.provider_payment_id)
    assert post_webhook(client, *event(row, "payment.failed", 1))[1]["outcome"] == "applied"
    second.refresh_from_db()
    assert second.status == PaymentStatus.FAILED
    with committed(execute=True):
        applied = post_webhook(client, *event(row, "payment.succeeded", 2))[1]["outcome"]
        duplicate = post_webhook(client, *event(row, "payment.succeeded", 2))[1]["outcome"]
    assert (applied, duplicate) == ("applied", "duplicate")
    second.refresh_from_db()
    assert second.status == PaymentStatus.CONFIRMED
    assert confirmations(second) == 1
    assert receipts(second) == 1


def test_forged_replayed_and_mismatching_webhooks_are_refused_logged_and_change_nothing(
    client: Client, payer: User, department: Department, caplog: pytest.LogCaptureFixture
) -> None:
    payment = factories.payment(payer, department)
    row = DemoProviderPayment.objects.get(pk=payment.provider_payment_id)
    body, signature = event(row, "payment.succeeded", 1)
    forged = body.replace(b'"sequence": 1', b'"sequence": 9')
    stranger = DemoProviderPayment(id="pp_unknown", reference="P0", amount_fen=2000)
    cases = {
        "bad_signature": (forged, signature),
        "bad_signature ": (body, "t=1,v1=00"),
        "bad_signature  ": (body, ""),
        "signature_expired": event(row, "payment.succeeded", 1, at_offset=-timedelta(minutes=30)),
        "unknown_payment": event(stranger, "payment.succeeded", 1),
        "amount_mismatch": event(row, "payment.succeeded", 1, amount=1),
    }
    with caplog.at_level(logging.WARNING, logger="onewindow.payments.services"):
        for reason, (sent, signed) in cases.items():
            status, answer = post_webhook(client, sent, signed)
            assert (status, answer["reason"]) == (400, reason.strip())
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert confirmations(payment) == 0
    refused = WebhookLog.objects.filter(outcome=WebhookOutcome.REFUSED)
    assert sorted(refused.values_list("reason", flat=True)) == sorted(
        reason.strip() for reason in cases
    )
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == len(cases)
    # The genuine one still counts afterwards.
    assert post_webhook(client, body, signature)[1]["outcome"] == "applied"


def test_a_late_webhook_after_the_status_query_confirmed_adds_nothing(
    client: Client, payer: User, department: Department, committed: Committed
) -> None:
    payment = factories.payment(payer, department, behaviour=DemoBehaviour.TIMEOUT)
    assert DEMO.pay(payment.provider_payment_id or "", method="qr") == []  # no webhook
    with committed(execute=True):
        services.refresh_payment(payment)
    assert payment.status == PaymentStatus.CONFIRMED
    assert payment.confirmed_via == "status_query"
    row = DemoProviderPayment.objects.get(pk=payment.provider_payment_id)
    body, signature = DEMO.webhook_for(row)
    with committed(execute=True):
        assert post_webhook(client, body, signature)[1]["outcome"] == "duplicate"
    assert confirmations(payment) == 1
    assert receipts(payment) == 1


def test_the_return_url_alone_confirms_nothing(
    client: Client, payer: User, department: Department
) -> None:
    payment = factories.payment(payer, department)
    client.force_login(payer)
    response = client.get(reverse("payments:return", args=[payment.ref]))
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    # Once the provider has the money, the return asks it and confirms.
    DemoProviderPayment.objects.filter(pk=payment.provider_payment_id).update(status="succeeded")
    client.get(reverse("payments:return", args=[payment.ref]))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED


def test_the_reconciliation_flags_a_payment_the_provider_has_and_we_do_not(
    payer: User, department: Department
) -> None:
    ours = factories.payment(payer, department)
    DEMO.pay(ours.provider_payment_id or "", method="card")  # webhooks lost on the way
    DemoProviderPayment.objects.create(
        id="pp_theirs_only",
        amount_fen=900,
        reference="P-UNKNOWN",
        description="?",
        return_url="/",
        status="succeeded",
        idempotency_key="elsewhere",
    )
    today = timezone.localdate()
    findings = {(f.provider_payment_id, f.kind) for f in services.reconcile("demo", today)}
    assert ("pp_theirs_only", FindingKind.MISSING_HERE) in findings
    assert (ours.provider_payment_id, FindingKind.STATUS) in findings
    services.reconcile("demo", today)  # run again: nothing recorded twice
    assert len(services.reconcile("demo", today)) == len(findings)


def test_a_fee_not_matching_the_computed_one_is_refused_and_nothing_is_written(
    payer: User, department: Department
) -> None:
    quote = services.quote_fee("330000-HRSS-SB-001", payer=payer)
    charge = services.Charge.for_fee(
        quote, payer=payer, payee=department, purpose="test:x", description="card"
    )
    with pytest.raises(DomainError) as refused:
        services.start_payment(charge, idempotency_key="k1", expected_amount_fen=1)
    assert refused.value.code == "fee_mismatch"
    assert not Payment.objects.exists()
    first = services.start_payment(charge, idempotency_key="k1", expected_amount_fen=2000)
    again = services.start_payment(charge, idempotency_key="k1", expected_amount_fen=2000)
    other_key = services.start_payment(charge, idempotency_key="k2")
    assert first.pk == again.pk == other_key.pk  # one live payment per thing paid for


def test_partial_and_full_refunds_issue_reversing_receipts_and_never_exceed_the_payment(
    client: Client, payer: User, department: Department, committed: Committed
) -> None:
    payment = factories.payment(payer, department, amount_fen=2000)
    with committed(execute=True):
        for body, signature in DEMO.pay(payment.provider_payment_id or "", method="card"):
            post_webhook(client, body, signature)
    payment.refresh_from_db()
    with committed(execute=True):
        part = services.refund_payment(payment, amount_fen=500, reason="r", idempotency_key="a")
    again = services.refund_payment(payment, amount_fen=500, reason="r", idempotency_key="a")
    assert part.pk == again.pk
    assert part.status == "confirmed"
    payment.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.refund_payment(payment, amount_fen=1501, reason="r", idempotency_key="b")
    assert refused.value.code == "refund_too_large"
    with committed(execute=True):
        services.refund_payment(payment, amount_fen=1500, reason="r", idempotency_key="c")
    payment.refresh_from_db()
    assert (payment.refunded_fen, payment.status) == (2000, PaymentStatus.REFUNDED)
    assert Credential.objects.filter(kind="fee_refund_receipt").count() == 2
    assert DemoProviderPayment.objects.get(pk=payment.provider_payment_id).refunded_fen == 2000
