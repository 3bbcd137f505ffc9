"""Deciding: officers claim, assign, forward, approve and reject steps, ask for supplements
once, and open an applicant's materials (the applicant sees that they did).

Every decision goes through `_step_for`: the officer's department and role are checked
before the application and step are locked (see the engine for the locking order).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.applications import notices, projects
from onewindow.applications.models import (
    Application,
    ApplicationStatus,
    Step,
    StepStatus,
    SupplementRequest,
)
from onewindow.applications.workflow.definitions import workflow_of
from onewindow.applications.workflow.engine import (
    advance,
    finish,
    lock_step,
    paused_days_left,
    record_transition,
    save_step,
    step_state,
)
from onewindow.applications.workflow.status import moving
from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.identity.access import record_data_access
from onewindow.identity.models import AccessKind, DataAccess, OfficerRole, Role, User
from onewindow.identity.selectors import access_recorded_today


def _may_work_on(officer: User, step: Step) -> bool:
    departments = {step.department_id, step.escalated_to_id}
    return (
        officer.is_officer
        and officer.department_id in departments
        and OfficerRole.objects.filter(
            user=officer, role__in=[step.role, Role.DEPARTMENT_ADMIN]
        ).exists()
    )


def _check_open(step: Step) -> None:
    if step.status != StepStatus.OPEN:
        raise Conflict(
            _("This step is not open for a decision."),
            code="step_not_open",
            params={"current": step_state(step)},
        )


def _check_assignee(officer: User, step: Step) -> None:
    if step.assignee_id != officer.pk:
        raise PermissionDenied(
            _("This step is not assigned to you: claim it first."), code="not_assigned"
        )
    _check_open(step)


def _step_for(officer: User, step: Step, *, version: int) -> tuple[Application, Step]:
    if not _may_work_on(officer, step):
        raise PermissionDenied(_("This step belongs to another department or role."))
    return lock_step(step, version=version)


@moving()
def claim_step(officer: User, step: Step, *, version: int) -> Step:
    """Take an unassigned open step (or one already yours). Raises PermissionDenied, Conflict
    (held by another, or skipped, decided or waiting for supplements)."""
    application, step = _step_for(officer, step, version=version)
    _check_open(step)
    if step.assignee_id not in (None, officer.pk):
        raise Conflict(
            _("Another officer holds this step."),
            code="already_claimed",
            params={"current": step_state(step)},
        )
    save_step(step, assignee=officer)
    record_transition(
        application, step, "claimed", officer, step.status, step.status, actor_role=step.role
    )
    return step


@moving()
def assign_step(admin: User, step: Step, *, version: int, assignee: User) -> Step:
    """A department administrator (or the supervising one after escalation) hands a step to
    an officer of the step's department and role."""
    application, step = _step_for(admin, step, version=version)
    if not OfficerRole.objects.filter(user=admin, role=Role.DEPARTMENT_ADMIN).exists():
        raise PermissionDenied(_("Only a department administrator assigns steps."))
    if not step.is_active:
        raise Conflict(
            _("This step is finished or was not needed: nobody can be assigned to it."),
            code="step_not_active",
            params={"current": step_state(step)},
        )
    if (
        assignee.department_id != step.department_id
        or not OfficerRole.objects.filter(user=assignee, role=step.role).exists()
    ):
        raise DomainError(_("That officer cannot handle this step."), field="assignee")
    save_step(step, assignee=assignee)
    record_transition(
        application,
        step,
        "assigned",
        admin,
        step.status,
        step.status,
        reason=assignee.username,
        actor_role=Role.DEPARTMENT_ADMIN,
    )
    return step


@moving()
def forward_step(officer: User, step: Step, *, version: int, to: User, note: str = "") -> Step:
    """Pass a step you hold to a colleague of the same department and role."""
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    if (
        to.department_id != step.department_id
        or not OfficerRole.objects.filter(user=to, role=step.role).exists()
    ):
        raise DomainError(_("That officer cannot handle this step."), field="to")
    save_step(step, assignee=to)
    record_transition(
        application,
        step,
        "forwarded",
        officer,
        step.status,
        step.status,
        reason=note or to.username,
        actor_role=step.role,
    )
    return step


@moving()
def approve_step(officer: User, step: Step, *, version: int, note: str = "") -> Step:
    """Approve a step you hold; opens what follows and completes the application when it was
    the last. Raises PermissionDenied (not yours), Conflict (stale or finished)."""
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    now = timezone.now()
    save_step(
        step,
        status=StepStatus.APPROVED,
        finished_at=now,
        days_taken=calendar.working_days_between(step.opened_at, now),
    )
    record_transition(
        application,
        step,
        "approved",
        officer,
        StepStatus.OPEN,
        step.status,
        reason=note,
        actor_role=step.role,
        decision=True,
    )
    if workflow_of(application.item_version).step(step.key).issues == "project_code":
        projects.give_project_code(application, step, officer, now)
    advance(application, now)
    return step


@moving()
def reject_step(officer: User, step: Step, *, version: int, reasons: str) -> Step:
    """Reject with reasons (required): the application ends rejected, other steps stop."""
    if not reasons.strip():
        raise DomainError(_("Give the reasons for the rejection."), field="reasons")
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    now = timezone.now()
    save_step(step, status=StepStatus.REJECTED, finished_at=now)
    record_transition(
        application,
        step,
        "rejected",
        officer,
        StepStatus.OPEN,
        step.status,
        reason=reasons,
        actor_role=step.role,
        decision=True,
    )
    finish(
        application, ApplicationStatus.REJECTED, officer, now, reason=reasons, actor_role=step.role
    )
    return step


@moving()
def request_supplements(
    officer: User, step: Step, *, version: int, items: list[dict[str, str]]
) -> SupplementRequest:
    """Ask for everything missing at once; a step may ask only once. Pauses the step's clock.
    `items` are {"key": material key or "", "reason": what is wrong or missing}."""
    cleaned = [
        {"key": str(item.get("key", "")), "reason": str(item.get("reason", "")).strip()}
        for item in items
    ]
    if not cleaned or any(not item["reason"] for item in cleaned):
        raise DomainError(
            _("List every missing item, each with what is missing or wrong."), field="items"
        )
    application, step = _step_for(officer, step, version=version)
    _check_assignee(officer, step)
    if step.is_supplement_used:
        raise Conflict(
            _("Supplements were already requested once on this step."),
            code="supplements_used",
            params={"current": step_state(step)},
        )
    now = timezone.now()
    save_step(
        step,
        status=StepStatus.AWAITING_SUPPLEMENTS,
        is_supplement_used=True,
        days_left_when_paused=paused_days_left(step, now),
    )
    supplement = SupplementRequest.objects.create(
        step=step, items=cleaned, requested_by=officer, requested_at=now
    )
    record_transition(
        application,
        step,
        "supplements_requested",
        officer,
        StepStatus.OPEN,
        step.status,
        reason="; ".join(item["reason"] for item in cleaned),
        actor_role=step.role,
    )
    if application.status != ApplicationStatus.AWAITING_SUPPLEMENTS:
        from_status = application.status
        application.status = ApplicationStatus.AWAITING_SUPPLEMENTS
        application.version += 1
        application.save(update_fields=["status", "version"])
        record_transition(application, None, "paused", officer, from_status, application.status)
    notices.announce(
        application, "supplement_requested", items=[item["reason"] for item in cleaned]
    )
    return supplement


def record_material_view(officer: User, application: Application, *, purpose: str) -> DataAccess:
    """Log an officer opening an applicant's materials; the applicant sees the log. One
    record per officer, application and purpose (a step, a file) a day: reloading the page
    is not another reading."""
    if not officer.is_officer or officer.department is None:
        raise PermissionDenied(_("Only officers of a handling department view materials."))
    if not application.steps.filter(department=officer.department).exists():
        raise PermissionDenied(_("Your department does not handle this application."))
    already = access_recorded_today(
        AccessKind.MATERIAL_OPENED,
        subject_user=application.applicant,
        accessor=officer.username,
        case_ref=application.ref,
        purpose=purpose,
    )
    if already is not None:
        return already
    return record_data_access(
        AccessKind.MATERIAL_OPENED,
        subject_user=application.applicant,
        department=officer.department,
        accessor=officer.username,
        actor_role="officer",
        what=_("Application materials"),
        purpose=purpose,
        case_ref=application.ref,
    )
