"""Reads of the exchange: who read a person's data, and which grant a call would use."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from onewindow.exchange.models import AccessGrant, DataService, ExchangeMessage, GrantStatus
from onewindow.identity.models import Department, User


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


def usable_grant(service: DataService, consumer: Department, purpose: str) -> AccessGrant | None:
    """The grant a call by `consumer` for `purpose` would run under, if it is usable now."""
    grant = (
        AccessGrant.objects.filter(service=service, consumer=consumer, purpose=purpose)
        .order_by("-requested_at")
        .first()
    )
    if grant is None or grant.status != GrantStatus.APPROVED:
        return None
    if grant.expires_at is not None and grant.expires_at <= timezone.now():
        return None
    return grant


def data_services_by_code(codes: Iterable[str]) -> dict[str, DataService]:
    return {
        service.code: service
        for service in DataService.objects.filter(code__in=set(codes)).select_related("provider")
    }
