"""What the engine tells people: applicants on status changes, officers on deadlines.

Messages go through `notify.send` inside the caller's transaction; notify delivers the email
and SMS copies after commit, so nothing here blocks a request or survives a rollback.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import formats, timezone, translation

from onewindow.applications.models import Application, Step
from onewindow.identity.models import OfficerRole, Role, User
from onewindow.notify import services as notify

_APPLICANT_EVENTS = {
    "application_received",
    "supplement_requested",
    "application_approved",
    "application_rejected",
    "ready_for_pickup",
    "delivery_dispatched",
    "delivery_delivered",
    "delivery_returned",
    "delivery_handed_over",
}


def _in_language_of(recipient: User, application: Application, **extra: Any) -> dict[str, Any]:
    with translation.override(notify.language_for(recipient)):
        context: dict[str, Any] = {
            "ref": application.ref,
            "service_name": application.item_version.name,
        }
        for key, value in extra.items():
            context[key] = (
                formats.date_format(timezone.localtime(value), "DATE_FORMAT")
                if hasattr(value, "tzinfo")
                else value
            )
    return context


def announce(application: Application, event: str, **extra: Any) -> None:
    """Tell the applicant (and whoever filed for them) about a status change that matters."""
    if event not in _APPLICANT_EVENTS:
        return
    if event == "supplement_requested":
        extra.setdefault("due", application.due_at)
    link = reverse("applications:detail", args=[application.ref])
    recipients = {application.applicant}
    if application.filed_by_id != application.applicant_id:
        recipients.add(application.filed_by)
    for recipient in recipients:
        context = _in_language_of(recipient, application, **extra)
        notify.send(recipient, event, context=context, subject_ref=application.ref, link=link)


def _holders(step: Step, *, department_id: int | None = None) -> list[User]:
    if step.assignee is not None and department_id is None:
        return [step.assignee]
    roles: list[str] = [Role.DEPARTMENT_ADMIN] if department_id is not None else [step.role]
    holders = OfficerRole.objects.filter(
        role__in=roles, user__department_id=department_id or step.department_id
    ).select_related("user")
    return [role.user for role in holders]


def _tell_officers(step: Step, event: str, recipients: list[User]) -> None:
    link = reverse("applications:work", args=[step.pk])
    for officer in recipients:
        context = _in_language_of(officer, step.application, due=step.due_at)
        notify.send(officer, event, context=context, subject_ref=step.application.ref, link=link)


def remind(step: Step) -> None:
    _tell_officers(step, "step_reminder", _holders(step))


def escalated(step: Step) -> None:
    target = step.escalated_to_id or step.department_id
    _tell_officers(step, "step_escalated", _holders(step, department_id=target))
