"""Reads of the exchange: the calls behind a person's data accesses, and which grant a call
would use."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.core.reference_cache import ReferenceCache, forget_on_change
from onewindow.exchange.models import (
    AccessGrant,
    DataService,
    ExchangeMessage,
    GrantStatus,
    MisuseReport,
)
from onewindow.identity.models import DataAccess, Department, User

# The data services a catalogue version fetches from, by the set of their codes.
services_by_codes: ReferenceCache[frozenset[str], dict[str, DataService]] = ReferenceCache(
    "data_services"
)
forget_on_change(services_by_codes, DataService, Department)


def reported_message(access: DataAccess) -> ExchangeMessage:
    """The exchange call behind one of the person's accesses (found with
    identity.selectors.access_about). Raises NotFound for any other kind of access."""
    found = (
        ExchangeMessage.objects.filter(access=access)
        .select_related("service__provider", "consumer__division", "peer")
        .first()
    )
    if found is None:
        raise NotFound(_("No access to your data has this number."), field="access")
    return found


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
    """The data services with these codes, with their providers (kept per process)."""
    wanted = frozenset(codes)
    return services_by_codes.get(
        wanted,
        lambda: {
            service.code: service
            for service in DataService.objects.filter(code__in=wanted).select_related("provider")
        },
    )


def data_services() -> QuerySet[DataService]:
    return DataService.objects.select_related("provider").order_by("provider__code", "code")


def grants_to_decide(steward_department: Department) -> QuerySet[AccessGrant]:
    """Grants on the department's own data services, pending first."""
    return (
        AccessGrant.objects.filter(service__provider=steward_department)
        .select_related("service", "consumer", "peer")
        .order_by("status", "-requested_at")
    )


def grants_held(department: Department) -> QuerySet[AccessGrant]:
    """What the department asked for and may use, newest first."""
    return (
        AccessGrant.objects.filter(consumer=department)
        .select_related("service__provider")
        .order_by("-requested_at")
    )


def message_log(department: Department, *, status: str = "") -> QuerySet[ExchangeMessage]:
    """The exchange calls a department made or answered, for its auditors: who asked what,
    why, under which case, and the outcome (the encrypted contents stay encrypted)."""
    found = ExchangeMessage.objects.filter(
        Q(consumer=department) | Q(service__provider=department)
    ).select_related("service__provider", "consumer", "peer")
    if status:
        found = found.filter(status=status)
    return found.order_by("-created_at", "-pk")


def misuse_cases(department: Department) -> QuerySet[MisuseReport]:
    return (
        MisuseReport.objects.filter(department=department)
        .select_related("message__service__provider", "reporter")
        .order_by("status", "due_at")
    )


def misuse_case(department: Department, case: str) -> MisuseReport:
    """A case of the supervisor's department. Raises NotFound for others' cases too."""
    found = misuse_cases(department).filter(case=case).first()
    if found is None:
        raise NotFound(_("No case of your department has this number."), field="case")
    return found


def reports_by(user: User) -> QuerySet[MisuseReport]:
    return MisuseReport.objects.filter(reporter=user).select_related("message")
