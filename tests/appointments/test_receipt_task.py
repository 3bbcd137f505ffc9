"""The e-receipt of a confirmed payment is the worker's: the webhook's request confirms and
queues, the worker issues it once, and a task run again after its worker died (or queued
again by the payments tick) issues no second receipt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onewindow.appointments import receipts
from onewindow.core import workers
from onewindow.core.models import Division
from onewindow.credentials.models import Credential
from onewindow.payments import services, signals
from onewindow.payments.models import Payment, PaymentStatus
from onewindow.payments.provider import DemoProvider
from tests.payments import factories

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RECEIPT_TASK = "onewindow.appointments.tasks.issue_receipt"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def worker_queue() -> Iterator[None]:
    """Tasks are rows in the database and run by `onewindow worker`, as in the demo."""
    with override_settings(TASKS=DATABASE_TASKS, ONEWINDOW_PERIODIC_TASKS=[]):
        yield


@pytest.fixture
def webhook(divisions: dict[str, Division]) -> tuple[Payment, bytes, str]:
    """A payment the provider took, and its signed webhook (not delivered yet)."""
    payment = factories.payment(
        factories.citizen(divisions["district"]), factories.payee(divisions["city"])
    )
    [(body, signature)] = DemoProvider().pay(payment.provider_payment_id or "", method="card")
    return payment, body, signature


@pytest.fixture
def paid(webhook: tuple[Payment, bytes, str]) -> Payment:
    """A payment confirmed by the provider's signed webhook."""
    payment, body, signature = webhook
    services.receive_webhook("demo", body, signature)
    payment.refresh_from_db()
    return payment


def receipts_of(payment: Payment) -> list[str]:
    return list(
        Credential.objects.filter(case_ref=payment.ref, kind="fee_receipt").values_list(
            "number", flat=True
        )
    )


def receipt_tasks() -> list[tuple[str, list[str]]]:
    rows = DBTaskResult.objects.filter(task_path=RECEIPT_TASK).order_by("enqueued_at")
    return [(row.status, row.worker_ids) for row in rows]


def test_the_confirmation_queues_the_receipt_and_the_worker_issues_it_once(
    paid: Payment,
) -> None:
    assert paid.status == PaymentStatus.CONFIRMED
    assert receipts_of(paid) == []  # not in the webhook's request
    assert receipt_tasks() == [(TaskResultStatus.READY, [])]

    call_command("worker", "--once")

    paid.refresh_from_db()
    [number] = receipts_of(paid)
    assert paid.receipt_number == number
    assert [status for status, _ in receipt_tasks()] == [TaskResultStatus.SUCCESSFUL]


def test_a_duplicate_webhook_queues_no_second_receipt(
    webhook: tuple[Payment, bytes, str], paid: Payment
) -> None:
    _, body, signature = webhook
    call_command("worker", "--once")
    again = services.receive_webhook("demo", body, signature)

    assert again.outcome == "duplicate"
    assert len(receipt_tasks()) == 1
    assert len(receipts_of(paid)) == 1


@pytest.mark.parametrize("died", ["before issuing", "after issuing, before it was marked done"])
def test_a_receipt_task_whose_worker_died_runs_again_without_a_second_receipt(
    paid: Payment, died: str
) -> None:
    [queued] = DBTaskResult.objects.filter(task_path=RECEIPT_TASK)
    workers.beat("dead-worker", now=timezone.now() - timedelta(minutes=5))
    queued.claim("dead-worker")
    if died != "before issuing":
        receipts.issue_receipt(paid)  # the dead worker's run got this far, and committed

    call_command("worker", "--once")  # requeues the orphan and runs it

    paid.refresh_from_db()
    [number] = receipts_of(paid)
    assert paid.receipt_number == number
    [(status, worker_ids)] = receipt_tasks()
    assert status == TaskResultStatus.SUCCESSFUL
    assert worker_ids[0] == "dead-worker"
    assert len(worker_ids) == 2  # the dead worker's run, then the one that finished


def test_a_confirmation_announced_again_while_its_receipt_waits_issues_one(
    paid: Payment,
) -> None:
    # payments.tasks.tick announces a confirmation whose receipt is late; the first task
    # has not run yet, so two wait in the queue.
    signals.payment_confirmed.send(sender=Payment, payment=paid)
    assert len(receipt_tasks()) == 2

    call_command("worker", "--once")

    paid.refresh_from_db()
    [number] = receipts_of(paid)
    assert paid.receipt_number == number
    assert [status for status, _ in receipt_tasks()] == [TaskResultStatus.SUCCESSFUL] * 2
