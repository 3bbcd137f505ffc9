"""Reads of applications that pages and the API share, each permission-checked.

`access_*` helpers raise NotFound both for what does not exist and for what is not yours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from onewindow.applications import fetching
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import (
    ACTIVE_STEP_STATUSES,
    TERMINAL_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Draft,
    FetchedMaterial,
    FetchStatus,
    Step,
    StepStatus,
    Transition,
)
from onewindow.applications.workflow import status
from onewindow.applications.workflow.definitions import workflow_of
from onewindow.catalog.models import Delivery as DeliveryMethod
from onewindow.catalog.models import ServiceItemVersion
from onewindow.catalog.workflow_definition import StepDefinition
from onewindow.core import calendar
from onewindow.core.errors import NotFound
from onewindow.core.facts import flag
from onewindow.core.models import Division
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.models import AccessKind, DataAccess, OfficerRole, Role, User
from onewindow.identity.selectors import businesses_of


def applications_of(user: User) -> QuerySet[Application]:
    """What the person applied for, filed for someone, or applied for on a business's behalf."""
    businesses = businesses_of(user)
    return (
        Application.objects.filter(
            Q(applicant=user) | Q(filed_by=user) | Q(business__in=businesses)
        )
        .select_related("item_version", "business", "filed_by")
        .distinct()
    )


def open_applications_for_item(user: User, item_code: str) -> list[Application]:
    """The person's applications for this service that are still being handled (any version),
    newest first: filing another is allowed, but should never happen unnoticed."""
    return list(
        applications_of(user)
        .filter(item_version__item__code=item_code)
        .exclude(status__in=TERMINAL_APPLICATION_STATUSES)
        .order_by("-submitted_at")[:5]
    )


def open_service_codes(user: User) -> set[str]:
    """The codes of the services the person has applications being handled for."""
    return set(
        applications_of(user)
        .exclude(status__in=TERMINAL_APPLICATION_STATUSES)
        .values_list("item_version__item__code", flat=True)
    )


def filed_with_key(applicant: User, key: str) -> Application | None:
    """The application the person filed with this request key, if any (a form sent twice)."""
    if not key:
        return None
    return Application.objects.filter(applicant=applicant, idempotency_key=key[:64]).first()


def access_application(user: User, ref: str) -> Application:
    """An application the person may follow (as applicant, filer or for their business)."""
    application = (
        Application.objects.select_related(
            "item_version__item", "division", "receiving_division", "business"
        )
        .filter(ref=ref)
        .first()
    )
    if application is not None and (
        user.pk in (application.applicant_id, application.filed_by_id)
        or (
            application.business_id is not None
            and businesses_of(user).filter(pk=application.business_id).exists()
        )
    ):
        return application
    raise NotFound(_("No application of yours has this reference."), field="ref")


def access_status(user: User, ref: str) -> str:
    """What GET /api/v1/applications/{ref} answers (JSON text), for the same people as
    `access_application`: read from the application's status document in one statement."""
    answer = status.read_answer(user.pk, ref)
    if answer is None:
        raise NotFound(_("No application of yours has this reference."), field="ref")
    return answer


def access_draft(user: User, pk: int) -> Draft:
    try:
        return Draft.objects.select_related("item_version").get(pk=pk, applicant=user)
    except Draft.DoesNotExist:
        raise NotFound(_("No draft of yours has this number."), field="draft") from None


def draft_of(applicant: User, version: ServiceItemVersion) -> Draft | None:
    """The applicant's draft of this version of a service, if they kept one."""
    return Draft.objects.filter(applicant=applicant, item_version=version).first()


def drafts_of(applicant: User) -> QuerySet[Draft]:
    return Draft.objects.filter(applicant=applicant).select_related("item_version")


def roles_for(officer: User) -> list[str]:
    return list(OfficerRole.objects.filter(user=officer).values_list("role", flat=True))


def _visible_steps(officer: User) -> QuerySet[Step]:
    if not officer.is_officer or officer.department_id is None:
        return Step.objects.none()
    roles = roles_for(officer)
    mine = Q(department_id=officer.department_id) | Q(escalated_to_id=officer.department_id)
    if Role.DEPARTMENT_ADMIN not in roles:
        mine &= Q(role__in=roles)
    return Step.objects.filter(mine)


def access_step(officer: User, pk: int) -> Step:
    """A step in the officer's department (or escalated to it) for one of their roles."""
    try:
        return (
            _visible_steps(officer)
            .select_related(
                "application__item_version", "application__applicant", "department", "assignee"
            )
            .get(pk=pk)
        )
    except Step.DoesNotExist:
        raise NotFound(_("No step of your department has this number."), field="step") from None


QUEUE_FILTERS = ("all", "mine", "unassigned", "overdue", "escalated", "waiting")


QUEUE_COLUMNS = (
    "id", "key", "role", "status", "due_at", "opened_at", "finished_at", "version",
    "escalation_level", "assignee_id", "department_id", "escalated_to_id", "application_id",
    "department__code", "assignee__username", "assignee__real_name",
    "application__ref", "application__project_code", "application__item_version__name_zh",
    "application__item_version__name_en", "application__item_version__item__code",
    # What `Step.name` reads (workflow_of): deferred, each row fetched them with two queries.
    "application__item_version__workflow", "application__item_version__published_at",
)  # fmt: skip


@dataclass(frozen=True)
class QueuePosition:
    """Where a page of the work queue ends: the (deadline, key) of its last step. The next
    page starts after it, so paging stays exact while steps are opened and closed."""

    due_at: datetime
    pk: int

    def token(self) -> str:
        return f"{int(self.due_at.timestamp() * 1_000_000)}.{self.pk}"

    @classmethod
    def parse(cls, token: str) -> QueuePosition | None:
        """The position a `token()` names, or None for anything else (never an error: a
        mangled link shows the first page)."""
        micros, _dot, pk = token.partition(".")
        if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
            return None
        if len(micros) > 20 or len(pk) > 18:
            return None
        try:
            due_at = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return cls(due_at, int(pk))


def _queue_parts(
    officer: User, *, view: str, service: str, reference: str
) -> tuple[QuerySet[Step], QuerySet[Step]]:
    """The officer's active steps as two querysets: the department's own (for the officer's
    roles) and those escalated to it from elsewhere."""
    steps = Step.objects.filter(status__in=ACTIVE_STEP_STATUSES)
    if view == "mine":
        steps = steps.filter(assignee=officer)
    elif view == "unassigned":
        steps = steps.filter(assignee__isnull=True, status=StepStatus.OPEN)
    elif view == "overdue":
        steps = steps.filter(due_at__lt=timezone.now(), status=StepStatus.OPEN)
    elif view == "escalated":
        steps = steps.filter(escalation_level__gt=0)
    elif view == "waiting":
        steps = steps.filter(status=StepStatus.AWAITING_SUPPLEMENTS)
    if service:
        steps = steps.filter(application__item_version__item__code=service)
    if reference:
        # References are upper-case ASCII; a clerk may type a part of one (its sequence), or
        # of an investment project's code.
        text = reference.strip().upper()
        steps = steps.filter(
            Q(application__ref__contains=text) | Q(application__project_code__contains=text)
        )
    department = officer.department_id
    assert department is not None  # the callers answer officers without one first
    roles = roles_for(officer)
    own = steps.filter(department_id=department)
    if Role.DEPARTMENT_ADMIN not in roles:
        own = own.filter(role__in=roles)
    escalated = steps.filter(escalated_to_id=department).exclude(department_id=department)
    return own, escalated


def work_queue(
    officer: User,
    *,
    view: str = "all",
    service: str = "",
    reference: str = "",
    after: QueuePosition | None = None,
    limit: int = 100,
) -> list[Step]:
    """The officer's queue: active steps, by deadline (so overdue first), at most `limit`,
    starting after `after` when given; `reference` narrows it to applications whose reference
    contains that text.

    Two queries, one for the department's own steps and one for steps escalated to it, each
    walking the (department, due_at) index of active steps, merged here: an OR across the two
    columns would make the database sort every active step of the department."""
    if not officer.is_officer or officer.department_id is None:
        return []
    found: list[Step] = []
    for part in _queue_parts(officer, view=view, service=service, reference=reference):
        if after is not None:
            part = part.filter(Q(due_at__gt=after.due_at) | Q(due_at=after.due_at, pk__gt=after.pk))
        found += (
            part.select_related("application__item_version__item", "department", "assignee")
            .only(*QUEUE_COLUMNS)
            .order_by("due_at", "pk")[:limit]
        )
    found.sort(key=lambda step: (step.due_at, step.pk))
    return found[:limit]


def work_queue_count(
    officer: User, *, view: str = "all", service: str = "", reference: str = ""
) -> int:
    """How many steps `work_queue` would page through with the same filters."""
    if not officer.is_officer or officer.department_id is None:
        return 0
    own, escalated = _queue_parts(officer, view=view, service=service, reference=reference)
    return own.count() + escalated.count()


def received_here(officer: User) -> QuerySet[Application]:
    """Applications filed at the officer's hall, whichever department handles them."""
    if officer.department_id is None:
        return Application.objects.none()
    assert officer.department is not None
    # Filed at the counter: not online by someone who lives here, nor at a village station.
    return Application.objects.filter(
        receiving_division=officer.department.division, channel=Channel.HALL
    ).select_related("item_version")


def working_days_left(due: datetime, now: datetime | None = None) -> int:
    """Working days until `due` (negative when overdue), for countdowns."""
    now = now or timezone.now()
    if due >= now:
        return calendar.working_days_between(now, due)
    return -max(calendar.working_days_between(due, now), 1)


@dataclass
class TimelineRow:
    definition: StepDefinition
    step: Step | None

    @property
    def days_left(self) -> int | None:
        if self.step is None or not self.step.is_active:
            return None
        return working_days_left(self.step.due_at)


def timeline(application: Application) -> list[TimelineRow]:
    """Every step of the workflow in order, with what happened to it so far."""
    steps = {step.key: step for step in application.steps.select_related("department")}
    definition = workflow_of(application.item_version)
    return [TimelineRow(definition=d, step=steps.get(d.key)) for d in definition.steps]


@dataclass
class Opinion:
    """One department's decision on its step, as the applicant reads it."""

    step: Step
    name: str  # the step's name in the reader's language
    text: str  # what the officer wrote with the decision
    at: datetime


def opinions(application: Application) -> list[Opinion]:
    """Each decided step's department, decision, date and text, in the workflow's order."""
    definition = workflow_of(application.item_version)
    order = {step.key: number for number, step in enumerate(definition.steps)}
    decisions = (
        Transition.objects.filter(
            application=application,
            action__in=[StepStatus.APPROVED, StepStatus.REJECTED],
            step__isnull=False,
        )
        .select_related("step__department")
        .order_by("at", "pk")
    )
    found = [
        Opinion(
            step=transition.step,
            name=definition.step(transition.step.key).name,
            text=transition.reason,
            at=transition.at,
        )
        for transition in decisions
        if transition.step is not None and transition.step.key in order
    ]
    return sorted(found, key=lambda opinion: (order[opinion.step.key], opinion.at))


def steps_of(application: Application) -> list[Step]:
    """The application's steps with their departments, in order: the ones filing left on
    the application it just wrote, without a query, or else read."""
    if "steps" in getattr(application, "_prefetched_objects_cache", {}):
        return list(application.steps.all())
    return list(application.steps.select_related("department"))


def history(application: Application) -> QuerySet[Transition]:
    return application.transitions.select_related("step__application__item_version", "actor")


def material_views(application: Application) -> list[DataAccess]:
    """Who opened the application's materials (the applicant's data accesses on it)."""
    return identity_selectors.accesses_about(
        application.applicant, case_ref=application.ref, kinds=[AccessKind.MATERIAL_OPENED]
    )


def planned_fetches(
    version: ServiceItemVersion, home: Division | None, *, has_business: bool
) -> list[fetching.PlannedFetch]:
    """What the form asks the applicant to confirm: which data, from whom, for whom."""
    return fetching.plan(version, home, has_business=has_business)


@dataclass(frozen=True)
class FetchedView:
    """A fetched material as pages show it: name, source, status and the verified fields."""

    fetched: FetchedMaterial
    name: str
    rows: list[tuple[str, str]]


def fetched_materials(application: Application) -> list[FetchedView]:
    """The materials the platform fetched (or tried to) for this application."""
    names = {m["key"]: (m["name_zh"], m["name_en"]) for m in application.item_version.materials}
    zh = (get_language() or "").startswith("zh")
    found = application.fetched_materials.select_related("service__provider", "consumer", "message")
    return [
        FetchedView(
            fetched=fetched,
            name=names.get(fetched.material_key, (fetched.material_key,) * 2)[0 if zh else 1],
            rows=fetching.data_of(fetched),
        )
        for fetched in found
    ]


# ----- delivery of the paper result -----------------------------------------------------------

DELIVERY_VIEWS = ("to_dispatch", "in_transit", "pickup", "finished")
_DELIVERY_VIEW_STATUSES = {
    "to_dispatch": (DeliveryStatus.PREPARING, DeliveryStatus.RETURNED),
    "in_transit": (DeliveryStatus.DISPATCHED,),
    "pickup": (DeliveryStatus.READY_FOR_PICKUP,),
    "finished": (DeliveryStatus.DELIVERED, DeliveryStatus.HANDED_OVER),
}


def _visible_deliveries(officer: User) -> QuerySet[Delivery]:
    """The hall's deliveries for its window clerks; those of applications the department
    handled for its clerks, approvers and administrators (as `delivery.acting_role`)."""
    if not officer.is_officer or officer.department is None:
        return Delivery.objects.none()
    roles = set(roles_for(officer))
    mine = Q(pk__in=[])
    if Role.WINDOW_CLERK in roles:
        mine |= Q(hall_id=officer.department.division_id)
    if roles & paper_delivery.HANDLING_ROLES:
        handled = Step.objects.filter(department=officer.department).values("application_id")
        mine |= Q(application_id__in=handled)
    return Delivery.objects.filter(mine)


def deliveries_for(officer: User, *, view: str = "to_dispatch", limit: int = 100) -> list[Delivery]:
    """The officer's deliveries in one view: oldest first while open, newest first once
    finished."""
    found = _visible_deliveries(officer).filter(status__in=_DELIVERY_VIEW_STATUSES[view])
    order = ("-finished_at", "-pk") if view == "finished" else ("created_at", "pk")
    return list(
        found.select_related("application__item_version", "hall", "handed_over_by").order_by(
            *order
        )[:limit]
    )


def access_delivery(officer: User, pk: int) -> Delivery:
    """A delivery of the officer's hall or of an application their department handled."""
    try:
        return (
            _visible_deliveries(officer)
            .select_related("application__item_version__item", "application__applicant", "hall")
            .get(pk=pk)
        )
    except Delivery.DoesNotExist:
        raise NotFound(_("No delivery of your hall or department has this number.")) from None


def hall_name(hall: Division) -> str:
    return _("%(county)s government service centre") % {"county": hall.name}


@dataclass(frozen=True)
class DeliveryView:
    """The delivery as pages and the API show it. `pickup_code` is filled only for the
    applicant's side; the address is always masked."""

    method: str
    delivery: Delivery | None
    address: dict[str, str] | None
    pickup_code: str
    history: list[Transition]

    @property
    def is_paper(self) -> bool:
        return self.method in (DeliveryMethod.POST, DeliveryMethod.PICKUP)

    @property
    def hall(self) -> str:
        return hall_name(self.delivery.hall) if self.delivery is not None else ""

    @property
    def next_opening_day(self) -> date:
        return paper_delivery.next_opening_day()


def delivery_of(application: Application, *, for_applicant: bool) -> DeliveryView:
    """How the application's paper result reaches the applicant, so far."""
    found = Delivery.objects.filter(application=application).select_related("hall").first()
    address = paper_delivery.address_of(application)
    return DeliveryView(
        method=application.delivery,
        delivery=found,
        address=address.masked() if address is not None else None,
        pickup_code=(
            paper_delivery.pickup_code_of(found) if for_applicant and found is not None else ""
        ),
        history=list(
            application.transitions.filter(
                action__in=paper_delivery.TIMELINE_ACTIONS
            ).select_related("actor")
        ),
    )


def filing_records(*, since: datetime | None = None) -> list[dict[str, object]]:
    """One record per application for open data (transparency desensitises them before
    anything is published): the service, the division applied in, the filing day, working
    days promised and taken, visits needed and made. No person, no reference."""
    rows = Application.objects.all()
    if since is not None:
        rows = rows.filter(submitted_at__gte=since)
    return [
        {
            "service": row["item_version__item__code"],
            "division": row["division__code"],
            "filed": row["submitted_at"].astimezone(calendar.SHANGHAI).date(),
            "status": row["status"],
            "days_promised": row["days_promised"],
            "days_taken": row["days_taken"],
            "visits_promised": row["visits_promised"],
            "visits_made": row["visits_made"],
        }
        for row in rows.values(
            "item_version__item__code",
            "division__code",
            "submitted_at",
            "status",
            "days_promised",
            "days_taken",
            "visits_promised",
            "visits_made",
        ).iterator(chunk_size=2000)
    ]


def filings_by_service(since: datetime) -> dict[str, int]:
    """How many applications each service item (by code) received since `since`: the
    portal's hot services. One range read of the `application_recent` index (submitted_at,
    item_version), grouped by version without a join, then the few versions named."""
    # Grouped by `item_version_id + 0`, not the bare column: SQLite would otherwise walk the
    # whole foreign key's index to skip a sort, reading every application ever filed.
    version = ExpressionWrapper(F("item_version_id") + 0, output_field=IntegerField())
    per_version = dict(
        Application.objects.filter(submitted_at__gte=since)
        .order_by()
        .annotate(service_version=version)
        .values("service_version")
        .annotate(count=Count("*"))
        .values_list("service_version", "count")
    )
    codes = dict(
        ServiceItemVersion.objects.filter(pk__in=per_version).values_list("pk", "item__code")
    )
    counts: dict[str, int] = {}
    for version_id, count in per_version.items():
        code = codes[version_id]
        counts[code] = counts.get(code, 0) + count
    return counts


# --- facts for statistics ------------------------------------------------------------------


def filing_facts(start: datetime, end: datetime) -> QuerySet[Application]:
    """Applications submitted in [start, end) as rows of facts for statistics, for the
    insights app to group and sum in SQL: the applicant's registered division and year of
    birth (`resident_division`, `resident_birth_year`), `submitted_at`, and 0/1 or numeric
    facts about how it was filed and handled. Only aggregates of these leave insights."""
    supplemented = Step.objects.filter(application=OuterRef("pk"), is_supplement_used=True)
    finished = Q(finished_at__isnull=False)
    return Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end).annotate(
        resident_division=F("applicant__division_id"),
        resident_birth_year=F("applicant__birth_year"),
        one=Value(1, output_field=IntegerField()),
        filed_online=flag(Q(channel__in=[Channel.ONLINE, Channel.PARTNER_APP])),
        filed_by_agent=flag(Q(channel=Channel.VILLAGE_AGENT)),
        filed_at_hall=flag(Q(channel=Channel.HALL)),
        is_finished=flag(finished),
        within_visits=flag(finished & Q(visits_made__lte=F("visits_promised"))),
        on_time=flag(finished & Q(finished_at__lte=F("due_at"))),
        supplemented=flag(Exists(supplemented)),
        is_decided=flag(Q(status__in=[ApplicationStatus.APPROVED, ApplicationStatus.REJECTED])),
        rejected=flag(Q(status=ApplicationStatus.REJECTED)),
        days_beyond_promise=Case(
            When(finished, then=F("days_taken") - F("days_promised")),
            default=None,
            output_field=IntegerField(),
        ),
    )


def material_facts(start: datetime, end: datetime) -> QuerySet[FetchedMaterial]:
    """Materials the platform tried to fetch once-only, for applications submitted in
    [start, end): `is_settled` (fetched at the source or uploaded instead) and `fetched`."""
    return FetchedMaterial.objects.filter(
        application__submitted_at__gte=start, application__submitted_at__lt=end
    ).annotate(
        resident_division=F("application__applicant__division_id"),
        resident_birth_year=F("application__applicant__birth_year"),
        submitted_at=F("application__submitted_at"),
        is_settled=flag(Q(status__in=[FetchStatus.FETCHED, FetchStatus.UPLOADED])),
        fetched=flag(Q(status=FetchStatus.FETCHED)),
    )
