"""Background work of payments (django-tasks)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from onewindow.core.calendar import SHANGHAI

# A payment the provider has not told us about after this long is asked about.
QUIET_FOR = timedelta(minutes=2)


@task()
def tick() -> None:
    """Ask the provider about payments whose webhook is late (it may never come), and
    announce again confirmations whose receipt was not issued (a crash between the commit
    and the announcement): receivers are written to be repeated."""
    from onewindow.payments import services, signals
    from onewindow.payments.models import Payment, PaymentStatus

    now = timezone.now()
    quiet = Payment.objects.filter(
        status=PaymentStatus.PENDING, created_at__lt=now - QUIET_FOR
    ).exclude(provider_payment_id=None)
    for payment in quiet[:200]:
        services.refresh_payment(payment)
    unreceipted = Payment.objects.filter(
        status=PaymentStatus.CONFIRMED, receipt_number="", confirmed_at__lt=now - QUIET_FOR
    ).select_related("payer", "payee")
    for payment in unreceipted[:200]:
        signals.payment_confirmed.send(sender=Payment, payment=payment)


@task()
def reconcile() -> None:
    """Yesterday's (Beijing time) payments at each provider against ours: differences are
    recorded as findings for the finance officers."""
    from onewindow.payments import services
    from onewindow.payments.provider import PROVIDERS

    yesterday = (timezone.now().astimezone(SHANGHAI) - timedelta(days=1)).date()
    for name in PROVIDERS:
        services.reconcile(name, yesterday)
