"""Reads about people and organisations that pages and the API share."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.identity.models import (
    AgentConsent,
    Business,
    BusinessAgent,
    OfficerRole,
    User,
    UserKind,
)


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


ACTING_FOR_SESSION_KEY = "identity.acting_for_consent"
CHALLENGE_SESSION_KEY = "identity.consent_challenge"


def acting_for(request: HttpRequest) -> AgentConsent | None:
    """The valid consent under which this signed-in village agent or window clerk acts for a
    resident, if any: time-boxed by the consent's end, after which they act for nobody."""
    user = request.user
    consent_pk = request.session.get(ACTING_FOR_SESSION_KEY)
    if consent_pk is None or not user.is_authenticated or user.kind == UserKind.CITIZEN:
        return None
    now = timezone.now()
    return (
        AgentConsent.objects.select_related("resident", "agent")
        .filter(pk=consent_pk, agent=user, revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )


def authorisations_of(business: Business) -> QuerySet[BusinessAgent]:
    """The business's agent authorisations, active first, newest first."""
    return (
        BusinessAgent.objects.filter(business=business)
        .select_related("agent")
        .order_by("withdrawn_at", "-granted_at")
    )
