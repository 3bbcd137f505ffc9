"""The workflow engine's core: steps opened from a parsed definition, transitions written
with their ledger entries, joins of parallel branches, and the end of an application.

Every transition locks the application row first and the step second (one order, so two
officers on parallel steps serialise instead of deadlocking), checks the version the actor
saw (optimistic concurrency: a stale version is a 409 with the current state), writes a
Transition row, records decisions in the ledger, and queues notices on commit. The use
cases (filing, deciding, deadlines) call down into this module; it never calls them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.applications import notices
from onewindow.applications.competence import competent_department
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import (
    Application,
    ApplicationStatus,
    Step,
    StepStatus,
    Transition,
    decision_payload,
)
from onewindow.applications.signals import application_completed
from onewindow.applications.workflow.definitions import workflow_of
from onewindow.applications.workflow.status import touched
from onewindow.catalog.workflow_definition import StepDefinition, WorkflowDefinition
from onewindow.core import calendar
from onewindow.core.errors import Conflict
from onewindow.identity import services as identity_services
from onewindow.identity.models import Department, User, UserKind
from onewindow.ledger import services as ledger

RESOLVED_STEP_STATUSES = frozenset({StepStatus.APPROVED, StepStatus.SKIPPED, StepStatus.CANCELLED})


def role_of(actor: User | None, application: Application) -> str:
    """Who acted, as the record shows it: the applicant, or the agent or clerk acting for
    them under their consent (the record then names both people)."""
    if actor is None:
        return "system"
    if actor.pk == application.applicant_id:
        return "applicant"
    if actor.kind == UserKind.STATION_AGENT:
        return "station_agent"
    if actor.kind == UserKind.OFFICER and identity_services.may_act_for_residents(actor):
        return "window_clerk"
    return "system"


def record_transition(
    application: Application,
    step: Step | None,
    action: str,
    actor: User | None,
    from_status: str,
    to_status: str,
    *,
    reason: str = "",
    actor_role: str = "",
    decision: bool = False,
) -> Transition:
    """Write the log row of one move. A decision (`decision=True`: approved, rejected, the
    application's end) also goes to the ledger, as digests, and the row keeps its index."""
    ledger_index = None
    if decision:
        receipt = ledger.record(
            f"application.{action}",
            subject_ref=application.ref if step is None else f"{application.ref}/{step.key}",
            actor_role=actor_role or "system",
            department=step.department.code if step is not None else "platform",
            payload=decision_payload(
                application.ref, step.key if step is not None else "", action, to_status, reason
            ),
        )
        ledger_index = receipt.index
    transition = new_transition(
        application,
        step,
        action,
        actor,
        from_status,
        to_status,
        reason=reason,
        actor_role=actor_role,
        ledger_index=ledger_index,
    )
    transition.save(force_insert=True)
    return transition


def new_transition(
    application: Application,
    step: Step | None,
    action: str,
    actor: User | None,
    from_status: str,
    to_status: str,
    *,
    reason: str = "",
    actor_role: str = "",
    ledger_index: int | None = None,
) -> Transition:
    """The log row of one move, not yet written (filing writes its rows in one statement)."""
    touched(application)
    return Transition(
        application=application,
        step=step,
        action=action,
        actor=actor,
        actor_role=actor_role or role_of(actor, application),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        at=timezone.now(),
        ledger_index=ledger_index,
    )


def open_step(application: Application, definition: StepDefinition, now: datetime) -> Step:
    """Create the step in the competent department with its SLA deadline, or record it
    skipped when its condition on the form does not hold."""
    step = new_step(application, definition, now)
    step.save(force_insert=True)
    opening_transition(application, step).save(force_insert=True)
    return step


def new_step(
    application: Application,
    definition: StepDefinition,
    now: datetime,
    *,
    department: Department | None = None,
) -> Step:
    """The step `definition` opens (or skips, when its condition on the form does not hold),
    in the competent department (unless the caller found it already) with its SLA deadline;
    not yet written."""
    if department is None:
        department = competent_department(
            application.division, kind=definition.department_kind, level=definition.level
        )
    holds = definition.when is None or definition.when.holds(application.form_data)
    return Step(
        application=application,
        key=definition.key,
        department=department,
        role=definition.role,
        status=StepStatus.OPEN if holds else StepStatus.SKIPPED,
        opened_at=now,
        due_at=due_after(now, definition.sla_days),
        finished_at=None if holds else now,
    )


def opening_transition(application: Application, step: Step) -> Transition:
    """The log row of a new step opened, or skipped because its condition does not hold."""
    is_open = step.status != StepStatus.SKIPPED
    return new_transition(
        application,
        step,
        "opened" if is_open else "skipped",
        None,
        "",
        step.status,
        reason="" if is_open else "condition not met",
    )


def advance(
    application: Application, now: datetime, *, steps: list[Step] | None = None
) -> list[Step]:
    """Open every step whose join is satisfied; finish the application when nothing is left.
    `steps` are all the application's steps when the caller has them in hand (filing).
    Returns all its steps, as they are now."""
    definition = workflow_of(application.item_version)
    by_key = {step.key: step for step in (application.steps.all() if steps is None else steps)}
    while True:
        opened = False
        for step_definition in definition.steps:
            if step_definition.key in by_key or not step_definition.after:
                continue
            before = [by_key.get(key) for key in step_definition.after]
            if any(step is None for step in before):
                continue
            if not join_is_met(step_definition, [step.status for step in before if step]):
                continue
            opened_step = open_step(application, step_definition, now)
            by_key[opened_step.key] = opened_step
            opened = True
            if step_definition.join == "any":
                _cancel_unneeded(application, definition, by_key, before, now)
        if not opened:
            break
    if not any(step.is_active for step in by_key.values()) and len(by_key) == len(definition.steps):
        finish(application, ApplicationStatus.APPROVED, None, now, reason="")
    return sorted(by_key.values(), key=lambda step: (step.opened_at, step.pk))


def join_is_met(step_definition: StepDefinition, statuses: list[str]) -> bool:
    """Whether a step may open, given the statuses of the steps it comes `after`: all of
    them resolved (`join=all`), or one approved or all resolved (`join=any`)."""
    resolved = all(status in RESOLVED_STEP_STATUSES for status in statuses)
    if step_definition.join == "all":
        return resolved
    return StepStatus.APPROVED in statuses or resolved


def _cancel_unneeded(
    application: Application,
    definition: WorkflowDefinition,
    steps: dict[str, Step],
    before: list[Step | None],
    now: datetime,
) -> None:
    """After an any-join fires, stop the branches it no longer waits for (when nothing else
    waits for them either)."""
    for step in before:
        if step is None or not step.is_active:
            continue
        if all(successor.key in steps for successor in definition.successors(step.key)):
            from_status = step.status
            step.status = StepStatus.CANCELLED
            step.finished_at = now
            step.version += 1
            step.save(update_fields=["status", "finished_at", "version"])
            record_transition(
                application,
                step,
                "cancelled",
                None,
                from_status,
                step.status,
                reason="another branch completed the join",
            )


def finish(
    application: Application,
    status: str,
    actor: User | None,
    now: datetime,
    *,
    reason: str,
    actor_role: str = "",
) -> None:
    """End the application in `status` (approved, rejected, withdrawn): its open steps are
    cancelled, the end is a decision in the ledger, the applicant is told, and an approval
    opens the delivery of the result and announces `application_completed` on commit."""
    from_status = application.status
    application.status = status
    application.finished_at = now
    application.days_taken = calendar.working_days_between(application.submitted_at, now)
    application.version += 1
    application.save(update_fields=["status", "finished_at", "days_taken", "version"])
    for step in application.steps.filter(
        status__in=[StepStatus.OPEN, StepStatus.AWAITING_SUPPLEMENTS]
    ):
        step_from = step.status
        step.status = StepStatus.CANCELLED
        step.finished_at = now
        step.version += 1
        step.save(update_fields=["status", "finished_at", "version"])
        record_transition(
            application, step, "cancelled", actor, step_from, step.status, reason=reason
        )
    record_transition(
        application,
        None,
        status,
        actor,
        from_status,
        status,
        reason=reason,
        actor_role=actor_role,
        decision=True,
    )
    events: dict[str, str] = {
        ApplicationStatus.APPROVED: "application_approved",
        ApplicationStatus.REJECTED: "application_rejected",
    }
    if status in events:
        notices.announce(application, events[status], reasons=reason)
    if status == ApplicationStatus.APPROVED:
        # In the approving transaction, not on the signal: no approved application is ever
        # left without the delivery of its paper result.
        paper_delivery.open_delivery(application, now)
        transaction.on_commit(lambda: announce_completion(application))


def announce_completion(application: Application) -> None:
    """Send `application_completed`: the application for this app's own receivers, and plain
    values for apps of the same layer, which may not import applications' models."""
    last_approved = (
        application.steps.filter(status=StepStatus.APPROVED)
        .select_related("department")
        .order_by("-finished_at", "-pk")
        .first()
    )
    application_completed.send(
        sender=Application,
        application=application,
        applicant=application.applicant,
        subject_ref=application.ref,
        item_version=application.item_version,
        department=last_approved.department if last_approved is not None else None,
    )


def lock_step(step: Step, *, version: int) -> tuple[Application, Step]:
    """Lock the application, then the step; refuse finished applications and stale versions."""
    application = Application.objects.select_for_update().get(pk=step.application_id)
    current = Step.objects.select_for_update().select_related("department").get(pk=step.pk)
    if application.is_terminal:
        raise Conflict(
            _("The application is already %(status)s and cannot move again."),
            code="application_finished",
            params={"status": application.get_status_display(), "current": step_state(current)},
        )
    if current.version != version:
        raise Conflict(
            _("Someone else acted on this step first; reload to see its current state."),
            code="stale_version",
            params={"current": step_state(current)},
        )
    return application, current


def step_state(step: Step) -> dict[str, Any]:
    """What a refused actor is shown of the step (a 409 carries it as `current`)."""
    return {
        "status": step.status,
        "version": step.version,
        "assignee": step.assignee.username if step.assignee else None,
    }


def save_step(step: Step, **changes: Any) -> None:
    """Change fields of a locked step and bump its version, so stale actors are refused."""
    for name, value in changes.items():
        setattr(step, name, value)
    step.version += 1
    step.save(update_fields=[*changes, "version"])


# ----- SLA clocks, in working days on the official calendar -----------------------------------


def due_after(start: datetime, working_days: int) -> datetime:
    """The deadline `working_days` after `start` (a step's SLA, an application's promise)."""
    return calendar.add_working_days(start, working_days)


def paused_days_left(step: Step, now: datetime) -> int:
    """The working days a step has left when its clock stops for supplements."""
    return calendar.working_days_between(now, step.due_at)


def resumed_due_at(step: Step, now: datetime) -> datetime:
    """The deadline when the clock starts again: the days it had left, at least one."""
    return due_after(now, max(step.days_left_when_paused or 0, 1))
