"""Reads of applications that pages and the API share, each permission-checked.

`access_*` helpers raise NotFound both for what does not exist and for what is not yours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from onewindow.applications.models import (
    ACTIVE_STEP_STATUSES,
    Application,
    Draft,
    MaterialView,
    Step,
    StepStatus,
    Transition,
)
from onewindow.catalog.workflow_definition import StepDefinition, parse_workflow
from onewindow.core import calendar
from onewindow.core.errors import NotFound
from onewindow.identity.models import OfficerRole, Role, User
from onewindow.identity.selectors import businesses_of


def applications_of(user: User) -> QuerySet[Application]:
    """What the person applied for, filed for someone, or applied for on a business's behalf."""
    businesses = businesses_of(user)
    return (
        Application.objects.filter(
            Q(applicant=user) | Q(filed_by=user) | Q(business__in=businesses)
        )
        .select_related("item_version", "business")
        .distinct()
    )


def access_application(user: User, ref: str) -> Application:
    """An application the person may follow (as applicant, filer or for their business)."""
    try:
        return applications_of(user).get(ref=ref)
    except Application.DoesNotExist:
        raise NotFound("No application of yours has this reference.", field="ref") from None


def access_draft(user: User, pk: int) -> Draft:
    try:
        return Draft.objects.select_related("item_version").get(pk=pk, applicant=user)
    except Draft.DoesNotExist:
        raise NotFound("No draft of yours has this number.", field="draft") from None


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
        raise NotFound("No step of your department has this number.", field="step") from None


QUEUE_FILTERS = ("all", "mine", "unassigned", "overdue", "escalated", "waiting")


def work_queue(officer: User, *, view: str = "all", service: str = "") -> QuerySet[Step]:
    """The officer's queue: active steps, overdue first, then by deadline."""
    now = timezone.now()
    steps = _visible_steps(officer).filter(status__in=ACTIVE_STEP_STATUSES)
    if view == "mine":
        steps = steps.filter(assignee=officer)
    elif view == "unassigned":
        steps = steps.filter(assignee__isnull=True, status=StepStatus.OPEN)
    elif view == "overdue":
        steps = steps.filter(due_at__lt=now, status=StepStatus.OPEN)
    elif view == "escalated":
        steps = steps.filter(escalation_level__gt=0)
    elif view == "waiting":
        steps = steps.filter(status=StepStatus.AWAITING_SUPPLEMENTS)
    if service:
        steps = steps.filter(application__item_version__item__code=service)
    return steps.select_related("application__item_version", "department", "assignee").order_by(
        "due_at", "pk"
    )


def received_here(officer: User) -> QuerySet[Application]:
    """Applications filed at the officer's hall, whichever department handles them."""
    if officer.department_id is None:
        return Application.objects.none()
    assert officer.department is not None
    return Application.objects.filter(
        receiving_division=officer.department.division
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
    definition = parse_workflow(application.item_version.workflow)
    return [TimelineRow(definition=d, step=steps.get(d.key)) for d in definition.steps]


def history(application: Application) -> QuerySet[Transition]:
    return application.transitions.select_related("step", "actor")


def material_views(application: Application) -> QuerySet[MaterialView]:
    return application.views.select_related("officer", "department").order_by("-at")
