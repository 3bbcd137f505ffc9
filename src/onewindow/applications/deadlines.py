"""Deadlines over time, run by the worker's tick: reminders before a step's deadline and
escalation of overdue steps to the department's administrators, then one level up."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onewindow.applications import notices
from onewindow.applications.competence import supervising_department
from onewindow.applications.models import Application, Step, StepStatus
from onewindow.applications.workflow.definitions import workflow_of
from onewindow.applications.workflow.engine import record_transition
from onewindow.applications.workflow.status import moving
from onewindow.core import calendar

REMINDER_HORIZON = timedelta(days=21)


def send_reminders(now: datetime | None = None) -> int:
    """Remind the holders of open steps whose deadline is within the workflow's
    `remind_before` working days. Each step is reminded once per deadline; returns how many."""
    now = now or timezone.now()
    sent = 0
    # No workflow reminds more than MAX_REMIND_BEFORE_DAYS working days ahead, and so many
    # working days never span more than REMINDER_HORIZON of calendar (Spring Festival included).
    candidates = Step.objects.filter(
        status=StepStatus.OPEN,
        reminded_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + REMINDER_HORIZON,
    ).select_related("application__item_version", "assignee", "department")
    for step in candidates.iterator():
        remind_before = workflow_of(step.application.item_version).remind_before_days
        if calendar.working_days_between(now, step.due_at) > remind_before:
            continue
        with transaction.atomic():
            if Step.objects.filter(pk=step.pk, reminded_at__isnull=True).update(reminded_at=now):
                notices.remind(step)
                sent += 1
    return sent


def escalate_overdue(now: datetime | None = None) -> int:
    """Overdue open steps go to the department's administrators (level 1); a working day later,
    still overdue, to the same kind of department one level up (level 2). Returns how many."""
    now = now or timezone.now()
    moved = 0
    overdue = Step.objects.filter(
        status=StepStatus.OPEN, due_at__lt=now, escalation_level__lt=2
    ).select_related("department__division", "application")
    for step in overdue.iterator():
        if step.escalation_level == 1 and (
            step.escalated_at is None or calendar.add_working_days(step.escalated_at, 1) > now
        ):
            continue
        with moving():
            # The application first, then the step, as every move of the engine locks them.
            list(
                Application.objects.select_for_update()
                .filter(pk=step.application_id)
                .values_list("pk")
            )
            target = (
                step.department
                if step.escalation_level == 0
                else supervising_department(step.department)
            )
            updated = Step.objects.filter(
                pk=step.pk, escalation_level=step.escalation_level
            ).update(
                escalation_level=F("escalation_level") + 1,
                escalated_at=now,
                escalated_to=target,
                version=F("version") + 1,
            )
            if not updated:
                continue
            step.refresh_from_db()
            record_transition(
                step.application,
                step,
                "escalated",
                None,
                step.status,
                step.status,
                reason=f"level {step.escalation_level}: {target.code if target else 'none'}",
            )
            notices.escalated(step)
            moved += 1
    return moved
