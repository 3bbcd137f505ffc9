"""Reads of the exchange: who read a person's data."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from onewindow.exchange.models import ExchangeMessage
from onewindow.identity.models import User


def accesses_about(user: User) -> QuerySet[ExchangeMessage]:
    """Every exchange that asked about this person, newest first. Calls under a secrecy order
    stay hidden until their disclosure date; refusals that never reached the data are left
    out (nothing was read)."""
    now = timezone.now()
    return (
        ExchangeMessage.objects.filter(subject_user=user, consumer__isnull=False)
        .exclude(status="refused")
        .filter(Q(disclose_after__isnull=True) | Q(disclose_after__lte=now))
        .select_related("service__provider", "consumer")
    )
