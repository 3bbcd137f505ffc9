"""Background work of appointments (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def tick() -> None:
    """Bookings whose slot ended without a check-in count as missed; bookings for tomorrow
    are reminded, once each."""
    from onewindow.appointments import services

    services.mark_no_shows()
    services.send_reminders()


@task()
def issue_receipt(payment_pk: int) -> None:
    """The e-receipt of a confirmed payment (queued by `receipts.queue_receipt`)."""
    from onewindow.appointments import receipts
    from onewindow.payments.models import Payment

    payment = Payment.objects.select_related("payer", "payee").get(pk=payment_pk)
    receipts.issue_receipt(payment)


@task()
def issue_refund_receipt(refund_pk: int) -> None:
    """The reversing e-receipt of a confirmed refund (queued by `receipts.queue_refund_receipt`)."""
    from onewindow.appointments import receipts
    from onewindow.payments.models import Refund

    refund = Refund.objects.select_related("payment__payer", "payment__payee").get(pk=refund_pk)
    receipts.issue_refund_receipt(refund)
