"""Good/bad reviews of completed applications and the rectification a bad one obliges.

Every completed application asks its applicant for a review (issue 7): `GrievancesConfig.
ready()` connects `applications.signals.application_completed` to
`invite_review_on_completion`, which reads the signal's plain values only (applications and
grievances are peers: the signal's module is the one import allowed between them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.models import ServiceItemVersion
from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, NotFound
from onewindow.grievances import sla
from onewindow.grievances.models import (
    RectificationStatus,
    RectificationTask,
    Review,
    ReviewInvitation,
)
from onewindow.identity.models import Department, Role, User
from onewindow.identity.selectors import supervising_department
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.models import Event

logger = logging.getLogger(__name__)
MAX_TEXT = 2000
REVIEW_TAGS = {
    "fast": _("Fast"),
    "one_visit": _("Done in one visit or fully online"),
    "clear_guide": _("Clear guide and forms"),
    "helpful": _("Helpful staff"),
    "slow": _("Too slow"),
    "many_visits": _("Had to come back several times"),
    "unclear_guide": _("Unclear guide or forms"),
    "asked_again": _("Asked for papers the government already has"),
    "attitude": _("Poor attitude"),
}


def invite_review_on_completion(
    sender: Any,
    *,
    applicant: User,
    subject_ref: str,
    item_version: ServiceItemVersion,
    department: Department | None,
    **kwargs: Any,
) -> None:
    """`application_completed` receiver. Runs after the approval committed: a refusal is
    logged, never raised at the approver."""
    if department is None:
        return
    # The service's name as the applicant reads it: the invitation keeps it as text.
    with translation.override(notify.language_for(applicant)):
        service_name = item_version.name
    try:
        invite_review(
            applicant, subject_ref=subject_ref, department=department, service_name=service_name
        )
    except DomainError as refused:
        logger.warning("review invitation for %s not sent: %s", subject_ref, refused)


def invite_review(
    applicant: User, *, subject_ref: str, department: Department, service_name: str
) -> ReviewInvitation:
    """Ask the applicant of a completed application for a review (once per application)."""
    with transaction.atomic():
        invitation, created = ReviewInvitation.objects.get_or_create(
            user=applicant,
            subject_ref=subject_ref,
            defaults={"department": department, "service_name": service_name[:200]},
        )
        if created:
            notify.send(
                applicant,
                Event.REVIEW_REQUESTED,
                context={
                    "ref": subject_ref,
                    "service_name": service_name,
                    "department": department,  # named in the reader's language
                },
                subject_ref=subject_ref,
                link=f"/hotline/reviews/{invitation.pk}/",
            )
    return invitation


@transaction.atomic
def submit_review(
    user: User,
    invitation: ReviewInvitation,
    *,
    level: int,
    tags: Iterable[str] = (),
    comment: str = "",
    now: datetime | None = None,
) -> Review:
    """The applicant's review (1–5 with reasons). A bad one (1 or 2) opens a rectification
    task for the department, due in ten working days."""
    now = now or timezone.now()
    if invitation.user_id != user.pk:
        raise NotFound(_("No review of yours has this number."))
    tags = list(dict.fromkeys(tags))
    if level not in range(1, 6):
        raise DomainError(_("Choose a rating from 1 to 5."), field="level")
    unknown = [tag for tag in tags if tag not in REVIEW_TAGS]
    if unknown:
        raise DomainError(_("Unknown reason: %(tag)s."), field="tags", params={"tag": unknown[0]})
    if len(comment) > MAX_TEXT:
        raise DomainError(
            _("Keep the comment to %(max)d characters."), field="comment", params={"max": MAX_TEXT}
        )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                invitation=invitation, level=level, tags=tags, comment=comment.strip(), at=now
            )
    except IntegrityError:
        raise Conflict(_("You have already reviewed this application."), code="reviewed") from None
    ledger.record(
        "grievance.review",
        subject_ref=invitation.subject_ref,
        actor_role="citizen",
        department=invitation.department.code,
        payload={"ref": invitation.subject_ref, "level": level, "tags": tags},
    )
    if review.is_bad:
        due = calendar.add_working_days(now, sla.RECTIFICATION_WORKING_DAYS)
        task = RectificationTask.objects.create(
            review=review, department=invitation.department, due_at=due
        )
        _announce_task(task, invitation.department)
    return review


# Who in a department hears of a rectification task: those who answer for its service.
TASK_ROLES = (Role.DEPARTMENT_ADMIN, Role.REVIEWER, Role.APPROVER)


def _announce_task(task: RectificationTask, department: Department) -> None:
    invitation = task.review.invitation
    officers = User.objects.filter(
        department=department, roles__role__in=TASK_ROLES, is_active=True
    ).distinct()
    for officer in officers:
        notify.send(
            officer,
            Event.RECTIFICATION_OPENED,
            context={
                "ref": invitation.subject_ref,
                "service_name": invitation.service_name,
                "due": timezone.localtime(task.due_at).date(),
            },
            subject_ref=invitation.subject_ref,
            link="/hotline/rectifications/",
        )


def escalate_overdue_rectifications(now: datetime | None = None) -> int:
    """The tick's part: an open task past its deadline escalates once to the supervising
    department (the same kind at the parent division), whose officers are told. A
    conditional update, so a late or doubled tick escalates nothing twice."""
    now = now or timezone.now()
    moved = 0
    overdue = RectificationTask.objects.filter(
        status=RectificationStatus.OPEN, due_at__lt=now, escalated_at__isnull=True
    ).select_related("department", "review__invitation")
    for task in overdue:
        target = supervising_department(task.department)
        if target is None:
            continue
        with transaction.atomic():
            updated = RectificationTask.objects.filter(
                pk=task.pk, escalated_at__isnull=True
            ).update(escalated_to=target, escalated_at=now)
            if not updated:
                continue
            ledger.record(
                "grievance.rectification_escalated",
                subject_ref=task.review.invitation.subject_ref,
                actor_role="system",
                department=target.code,
                payload={"task": task.pk, "from": task.department.code},
            )
            _announce_task(task, target)
        moved += 1
    return moved


@transaction.atomic
def complete_rectification(
    officer: User, task: RectificationTask, *, response: str, now: datetime | None = None
) -> RectificationTask:
    """The department records what it changed; the reviewer is told (the follow-up)."""
    now = now or timezone.now()
    task = (
        RectificationTask.objects.select_for_update()
        .select_related("review__invitation__user", "department")
        .get(pk=task.pk)
    )
    if officer.department_id not in (task.department_id, task.escalated_to_id):
        raise NotFound(_("No rectification task of your department has this number."))
    if task.status != RectificationStatus.OPEN:
        raise Conflict(_("This task is already done."), code="done")
    response = (response or "").strip()
    if not response:
        raise DomainError(_("Write what was changed."), field="response")
    if len(response) > MAX_TEXT:
        raise DomainError(
            _("Keep the response to %(max)d characters."),
            field="response",
            params={"max": MAX_TEXT},
        )
    task.status, task.response, task.done_by, task.done_at = (
        RectificationStatus.DONE,
        response,
        officer,
        now,
    )
    task.save()
    invitation = task.review.invitation
    ledger.record(
        "grievance.rectified",
        subject_ref=invitation.subject_ref,
        actor_role="officer",
        department=task.department.code,
        payload={"task": task.pk, "on_time": now <= task.due_at},
    )
    notify.send(
        invitation.user,
        Event.RECTIFICATION_DONE,
        context={
            "ref": invitation.subject_ref,
            "department": task.department,
            "response": response,
        },
        subject_ref=invitation.subject_ref,
        link=f"/hotline/reviews/{invitation.pk}/",
    )
    return task
