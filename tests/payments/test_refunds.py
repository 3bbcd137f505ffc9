"""Refunds by an officer: an approver of the department that was paid refunds all or part of a
confirmed payment, in whole fen, never more than was paid less earlier refunds (also when
refunds race, on PostgreSQL); once per Idempotency-Key; through the provider, with a ledger
entry, a reversing e-receipt and a message to the payer. Every refusal names its rule and
writes nothing."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.core.errors import DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.credentials.models import Credential
from onewindow.identity.models import Department, User
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Message
from onewindow.payments import services
from onewindow.payments.models import DemoProviderPayment, Payment, Refund, RefundStatus
from onewindow.payments.provider import DemoProvider
from tests.hypothesis_budget import examples
from tests.identity.factories import citizen, officer
from tests.identity.test_assisted_filing import verified_client
from tests.payments import factories

pytestmark = pytest.mark.django_db
DEMO = DemoProvider()
API = "/api/v1"


def paid(payer: User, department: Department, amount_fen: int = 2000) -> Payment:
    payment = factories.payment(payer, department, amount_fen=amount_fen)
    for body, signature in DEMO.pay(payment.provider_payment_id or "", method="card"):
        services.receive_webhook("demo", body, signature)
    payment.refresh_from_db()
    assert payment.status == "confirmed"
    return payment


@pytest.fixture
def department(divisions: dict[str, Division]) -> Department:
    return factories.payee(divisions["city"])


@pytest.fixture
def payer(divisions: dict[str, Division]) -> User:
    return citizen(divisions["district"])


@pytest.fixture
def approver(department: Department) -> User:
    return officer(department, roles=("approver",), username="refund-approver")


def test_an_approver_refunds_part_then_the_rest_on_the_page_and_the_payer_is_told(
    department: Department, payer: User, approver: User, django_capture_on_commit_callbacks: Any
) -> None:
    payment = paid(payer, department)
    client = verified_client(approver)
    page = client.get(f"/payments/work/{payment.ref}/refund/")
    assert page.status_code == 200
    assert "Amount to refund, in fen" in page.content.decode()
    assert payer.real_name not in page.content.decode()  # masked
    key = page.context["key"]

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/payments/work/{payment.ref}/refund/",
            {"amount_fen": "500", "reason": "Charged twice at the window", "key": key},
        )
    assert done.status_code == 302
    # The same form sent again (a double click) refunds nothing more.
    client.post(
        f"/payments/work/{payment.ref}/refund/",
        {"amount_fen": "500", "reason": "Charged twice at the window", "key": key},
    )
    payment.refresh_from_db()
    assert payment.refunded_fen == 500
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.CONFIRMED
    assert refund.receipt_number
    receipt = Credential.objects.get(kind="fee_refund_receipt")
    assert receipt.number == refund.receipt_number
    assert DemoProviderPayment.objects.get(pk=payment.provider_payment_id).refunded_fen == 500
    decided = LedgerEntry.objects.get(event_type="payment.refund_decided")
    assert decided.subject_ref == refund.ref
    assert "Charged twice" not in decided.body  # a digest of the reason only
    assert LedgerEntry.objects.filter(event_type="payment.refunded").count() == 1
    told = Message.objects.get(recipient=payer, event="payment_refunded")
    assert "5.00" in told.subject
    assert payment.ref in told.subject

    too_much = client.post(
        f"/payments/work/{payment.ref}/refund/",
        {"amount_fen": "1501", "reason": "Charged twice", "key": "k2"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert too_much.status_code == 200
    assert "1500" in too_much.content.decode()
    assert Refund.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/payments/work/{payment.ref}/refund/",
            {"amount_fen": "1500", "reason": "Charged twice", "key": "k3"},
        )
    payment.refresh_from_db()
    assert (payment.refunded_fen, payment.status) == (2000, "refunded")
    assert Credential.objects.filter(kind="fee_refund_receipt").count() == 2


def test_refusals_name_their_rule_and_write_nothing(
    department: Department, payer: User, approver: User, divisions: dict[str, Division]
) -> None:
    payment = paid(payer, department)
    reviewer = officer(department, roles=("reviewer",), username="not-an-approver")
    with pytest.raises(PermissionDenied):
        services.refund_by_officer(
            reviewer, payment, amount_fen=100, reason="a reason", idempotency_key="x"
        )
    with pytest.raises(DomainError) as short:
        services.refund_by_officer(
            approver, payment, amount_fen=100, reason=" ab ", idempotency_key="x"
        )
    assert short.value.field == "reason"
    for amount in (0, -5, 2001):
        with pytest.raises(DomainError) as refused:
            services.refund_by_officer(
                approver, payment, amount_fen=amount, reason="a reason", idempotency_key="x"
            )
        assert refused.value.code == "refund_too_large"
        assert refused.value.field == "amount_fen"
    open_one = factories.payment(payer, department)
    with pytest.raises(DomainError) as unpaid:
        services.refund_by_officer(
            approver, open_one, amount_fen=100, reason="a reason", idempotency_key="y"
        )
    assert unpaid.value.code == "not_paid"
    assert Refund.objects.count() == 0
    assert not LedgerEntry.objects.filter(event_type__startswith="payment.refund").exists()


@given(amounts=st.lists(st.integers(min_value=-10, max_value=2500), min_size=1, max_size=6))
@settings(
    max_examples=examples(full=60, ci=15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_refunds_never_add_up_to_more_than_was_paid(
    amounts: list[int], department: Department, payer: User, approver: User
) -> None:
    payment = paid(payer, department, amount_fen=2000)
    left = 2000
    for amount in amounts:
        key = secrets.token_hex(8)
        if 0 < amount <= left:
            made = services.refund_by_officer(
                approver, payment, amount_fen=amount, reason="a reason", idempotency_key=key
            )
            assert made.status == RefundStatus.CONFIRMED
            left -= amount
        else:
            with pytest.raises(DomainError):
                services.refund_by_officer(
                    approver, payment, amount_fen=amount, reason="a reason", idempotency_key=key
                )
        payment.refresh_from_db()
        assert payment.refunded_fen == 2000 - left
        assert payment.status == ("refunded" if left == 0 else "confirmed")
    confirmed = Refund.objects.filter(payment=payment, status=RefundStatus.CONFIRMED)
    assert sum(r.amount_fen for r in confirmed) == payment.refunded_fen <= payment.amount_fen


@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_over_refund(
    postgres_only: None, department: Department, payer: User, approver: User
) -> None:
    payment = paid(payer, department, amount_fen=1000)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def refund_600(n: int) -> None:
        try:
            barrier.wait()
            services.refund_by_officer(
                approver,
                Payment.objects.get(pk=payment.pk),
                amount_fen=600,
                reason="a reason",
                idempotency_key=f"race-{n}",
            )
            outcomes.append("refunded")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=refund_600, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refund_too_large"] * 3 + ["refunded"]
    payment.refresh_from_db()
    assert payment.refunded_fen == 600
    assert DemoProviderPayment.objects.get(pk=payment.provider_payment_id).refunded_fen == 600


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("resident", 403), ("reviewer", 403), ("approver", 201)],
)
def test_refund_api_authorisation(
    who: str, status: int, department: Department, payer: User, approver: User
) -> None:
    payment = paid(payer, department)
    clients = {
        "anonymous": Client(),
        "resident": Client(),
        "reviewer": verified_client(officer(department, roles=("reviewer",), username="rv")),
        "approver": verified_client(approver),
    }
    clients["resident"].force_login(payer)
    answer = clients[who].post(
        f"{API}/payments/{payment.ref}/refunds",
        {"amount_fen": 300, "reason": "Charged twice"},
        content_type="application/json",
        headers={"Idempotency-Key": "once"},
    )
    assert answer.status_code == status, answer.content
    if status == 201:
        assert answer.json()["amount_fen"] == 300
        assert answer.json()["payment_refunded_fen"] == 300
        replay = clients[who].post(
            f"{API}/payments/{payment.ref}/refunds",
            {"amount_fen": 300, "reason": "Charged twice"},
            content_type="application/json",
            headers={"Idempotency-Key": "once"},
        )
        assert replay.json()["ref"] == answer.json()["ref"]
        assert Refund.objects.count() == 1
    else:
        assert answer["Content-Type"].startswith("application/problem+json")
        assert Refund.objects.count() == 0


def test_refund_api_refusals_are_problems_naming_the_field(
    department: Department, payer: User, approver: User, divisions: dict[str, Division]
) -> None:
    payment = paid(payer, department)
    client = verified_client(approver)
    too_much = client.post(
        f"{API}/payments/{payment.ref}/refunds",
        {"amount_fen": 2001, "reason": "Charged twice"},
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert too_much.status_code == 400
    assert too_much.json()["type"].endswith("refund_too_large")
    assert too_much["Content-Type"].startswith("application/problem+json")
    assert "amount_fen" in str(too_much.json()["errors"])
    no_key = client.post(
        f"{API}/payments/{payment.ref}/refunds",
        {"amount_fen": 1, "reason": "Charged twice"},
        content_type="application/json",
    )
    assert no_key.status_code == 400
    elsewhere = officer(
        Department.objects.create(
            code="330100-TAX", name_zh="税务局", name_en="Tax", division=divisions["city"]
        ),
        roles=("approver",),
        username="tax-approver",
    )
    not_ours = verified_client(elsewhere).post(
        f"{API}/payments/{payment.ref}/refunds",
        {"amount_fen": 1, "reason": "Charged twice"},
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert not_ours.status_code == 404
    assert Refund.objects.count() == 0
