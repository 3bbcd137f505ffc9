"""Reads about people and organisations that pages and the API share."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core import personal_data
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.models import Division
from onewindow.core.reference_cache import ReferenceCache, forget_on_change
from onewindow.core.validators import normalise_resident_id
from onewindow.identity.models import (
    ID_NUMBER_CONTEXT,
    AccessKind,
    AgentConsent,
    Business,
    BusinessAgent,
    ConsentChallenge,
    DataAccess,
    Department,
    OfficerRole,
    Role,
    User,
    UserKind,
)

# Which department handles a kind of work for a division: read for every step opened.
competent_departments: ReferenceCache[tuple[int, str, int], Department | None] = ReferenceCache(
    "competent_departments"
)
forget_on_change(competent_departments, Department, Division)


def platform_admins() -> list[User]:
    """Active superusers and officers holding the platform admin role."""
    return list(
        User.objects.filter(
            Q(is_superuser=True) | Q(roles__role=Role.PLATFORM_ADMIN), is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def account_named(username: str) -> User | None:
    """The account with this name, if any: officers name a colleague by account name."""
    return User.objects.filter(username=username).first()


def citizen_by_id_number(id_number: str) -> User | None:
    """The resident registered under a resident ID number (as typed), if any."""
    return User.objects.filter(
        kind=UserKind.CITIZEN,
        id_number_hash=personal_data.lookup_hash(
            normalise_resident_id(id_number), context=ID_NUMBER_CONTEXT
        ),
    ).first()


def officers_holding(department: Department, role: str) -> QuerySet[User]:
    """The department's officers who hold this role."""
    return User.objects.filter(department=department, roles__role=role)


def roles_of(officer: User) -> QuerySet[OfficerRole]:
    return OfficerRole.objects.filter(user=officer).order_by("role")


def _represented(user: User) -> QuerySet[Business]:
    as_agent = BusinessAgent.objects.filter(agent=user, withdrawn_at__isnull=True).values(
        "business"
    )
    return Business.objects.filter(Q(legal_representative=user) | Q(pk__in=as_agent))


def businesses_of(user: User) -> QuerySet[Business]:
    """Businesses the person represents or is an active agent for."""
    return _represented(user).order_by("name")


def access_represented_business(user: User, credit_code: str) -> Business:
    """A business the person is the legal representative of; anything else is not found."""
    business = Business.objects.filter(credit_code=credit_code, legal_representative=user).first()
    if business is None:
        raise NotFound(_("You are not the legal representative of this business."), field="code")
    return business


def access_agent_authorisation(business: Business, pk: int) -> BusinessAgent:
    """One of this business's agent authorisations (reach the business through
    `access_represented_business` first)."""
    authorisation = BusinessAgent.objects.filter(business=business, pk=pk).first()
    if authorisation is None:
        raise NotFound(_("No authorisation of this business has this id."), field="pk")
    return authorisation


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolling_totp_device(user: User, pk: int | None) -> TOTPDevice | None:
    """The person's own authenticator being set up (its key in the session), if any."""
    return TOTPDevice.objects.filter(pk=pk, user=user).first() if pk else None


def access_consent_challenge(
    agent: User, pk: int | None, *, method: str
) -> ConsentChallenge | None:
    """The consent challenge this agent started (its key in the session), if any."""
    if pk is None:
        return None
    return ConsentChallenge.objects.filter(pk=pk, agent=agent, method=method).first()


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


def end_lapsed_assistance(request: HttpRequest) -> bool:
    """Whether this agent's or clerk's session was acting for a resident whose consent has
    since been withdrawn or has run out: the session then stops acting for them (True), so
    no form silently goes on for the agent himself."""
    if request.session.get(ACTING_FOR_SESSION_KEY) is None or acting_for(request) is not None:
        return False
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
    return True


def _lineage(division: Division) -> list[str]:
    return [*division.ancestor_codes(), division.code]


def department_covering(division: Division, *, kind: str, level: int) -> Department | None:
    """The department of `kind` at `division`'s ancestor of `level`, or, where that has
    none, the nearest above; None where no department of the kind covers the division.
    Kept per process (`competent_departments`), forgotten on any save or delete of a
    department or division, served at most `DEFAULT_SECONDS` after an edit elsewhere."""
    return competent_departments.get(
        (division.pk, kind, level),
        lambda: (
            Department.objects.filter(
                kind=kind, division__code__in=_lineage(division), division__level__lte=level
            )
            .select_related("division")
            .order_by("-division__level")
            .first()
        ),
    )


def competent_department(division: Division, *, kind: str, level: int) -> Department:
    """The department of `kind` responsible for `division` at `level`
    (`department_covering`). Raises DomainError when no department of the kind covers the
    division at all."""
    department = department_covering(division, kind=kind, level=level)
    if department is None:
        raise DomainError(
            _("No department handles this service for %(division)s yet."),
            code="no_competent_department",
            params={"division": division.name},
        )
    return department


def supervising_department(department: Department) -> Department | None:
    """The department of the same kind one level up: where an overdue step escalates."""
    return (
        Department.objects.filter(
            kind=department.kind,
            division__code__in=department.division.ancestor_codes(),
        )
        .select_related("division")
        .order_by("-division__level")
        .first()
    )


def authorisations_of(business: Business) -> QuerySet[BusinessAgent]:
    """The business's agent authorisations, active first, newest first."""
    return (
        BusinessAgent.objects.filter(business=business)
        .select_related("agent")
        .order_by("withdrawn_at", "-granted_at")
    )


# ----- who read my data ------------------------------------------------------------------------

ACCESSES_SHOWN = 200


def _visible_accesses(user: User) -> QuerySet[DataAccess]:
    """Accesses about the person or a business they represent, past any secrecy order's
    disclosure date, newest first."""
    return (
        DataAccess.objects.filter(Q(subject_user=user) | Q(subject_business__in=_represented(user)))
        .filter(Q(disclose_after__isnull=True) | Q(disclose_after__lte=timezone.now()))
        .select_related("department", "subject_business")
        .order_by("-created_at", "-pk")
    )


def accesses_about(
    user: User, *, case_ref: str = "", kinds: Iterable[AccessKind] = ()
) -> list[DataAccess]:
    """Who read the person's data, or their businesses' data, newest first (the latest
    ACCESSES_SHOWN): what "who read my data" and its API show. Narrowed to one application or
    case (`case_ref`) and to some `kinds` where a page shows only those."""
    found = _visible_accesses(user)
    if case_ref:
        found = found.filter(case_ref=case_ref)
    if kinds:
        found = found.filter(kind__in=list(kinds))
    return list(found[:ACCESSES_SHOWN])


def access_recorded_today(
    kind: AccessKind, *, subject_user: User, accessor: str, case_ref: str, purpose: str
) -> DataAccess | None:
    """The same read by the same reader already recorded today (Shanghai day), if any:
    callers that log a page view record it once a day, not on every reload."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        DataAccess.objects.filter(
            kind=kind,
            subject_user=subject_user,
            accessor=accessor,
            case_ref=case_ref,
            purpose=purpose,
            created_at__gte=start,
        )
        .order_by("-created_at")
        .first()
    )


def access_about(user: User, pk: int) -> DataAccess:
    """One access the person may see. Raises NotFound for others' accesses too."""
    found = _visible_accesses(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No access to your data has this number."), field="access")
    return found


def residents_by_division() -> dict[int, int]:
    """How many citizens are registered in each division (statistics' denominators)."""
    rows = (
        User.objects.filter(kind=UserKind.CITIZEN, division__isnull=False, is_active=True)
        .values("division_id")
        .annotate(count=Count("pk"))
    )
    return {row["division_id"]: row["count"] for row in rows}


def residents_within(divisions: Iterable[Division]) -> QuerySet[User]:
    """Citizens registered in or below the given divisions (a survey's sampling frame),
    ordered by key so that a seeded draw from them repeats."""
    within = Q(pk__in=[])
    for division in divisions:
        within |= Q(division__path__startswith=division.path)
    return User.objects.filter(within, kind=UserKind.CITIZEN, is_active=True).order_by("pk")


def station_agents_for(division: Division) -> QuerySet[User]:
    """Village service-station agents registered in the division or above it (the ones who
    visit its residents)."""
    return User.objects.filter(
        kind=UserKind.STATION_AGENT, division__code__in=[*division.ancestor_codes(), division.code]
    )
