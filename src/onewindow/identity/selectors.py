"""Reads about people and organisations that pages and the API share."""

from __future__ import annotations

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.identity.models import Business, BusinessAgent, OfficerRole, User


def roles_of(officer: User) -> QuerySet[OfficerRole]:
    return OfficerRole.objects.filter(user=officer).order_by("role")


def businesses_of(user: User) -> QuerySet[Business]:
    """Businesses the person represents or is an active agent for."""
    as_agent = BusinessAgent.objects.filter(agent=user, withdrawn_at__isnull=True).values(
        "business"
    )
    return (
        (
            Business.objects.filter(legal_representative=user)
            | Business.objects.filter(pk__in=as_agent)
        )
        .distinct()
        .order_by("name")
    )


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()
