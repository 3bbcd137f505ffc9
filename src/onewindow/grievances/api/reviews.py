"""Reviews of completed applications and the rectification tasks they open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from onewindow.core.errors import NotFound
from onewindow.grievances import reviews, selectors
from onewindow.grievances.api.common import RatingIn
from onewindow.grievances.models import (
    RectificationTask,
)
from onewindow.identity.decorators import signed_in_user, verified_officer

router = Router()


class InvitationOut(Schema):
    id: int
    subject_ref: str
    service_name: str
    department: str
    reviewed: bool
    level: int | None

    @staticmethod
    def resolve_department(invitation: Any) -> str:
        return str(invitation.department.code)

    @staticmethod
    def resolve_reviewed(invitation: Any) -> bool:
        return hasattr(invitation, "review")

    @staticmethod
    def resolve_level(invitation: Any) -> int | None:
        return invitation.review.level if hasattr(invitation, "review") else None


class ReviewOut(Schema):
    level: int
    tags: list[str]
    rectification_due: datetime | None

    @staticmethod
    def resolve_rectification_due(review: Any) -> datetime | None:
        return review.rectification.due_at if hasattr(review, "rectification") else None


class RectificationOut(Schema):
    id: int
    subject_ref: str
    level: int
    due_at: datetime
    status: str
    response: str

    @staticmethod
    def resolve_subject_ref(task: RectificationTask) -> str:
        return task.review.invitation.subject_ref

    @staticmethod
    def resolve_level(task: RectificationTask) -> int:
        return task.review.level


class ResponseIn(Schema):
    response: str


@router.get("/hotline/reviews", response=list[InvitationOut], summary="My reviews to give")
def my_reviews(request: HttpRequest) -> list[Any]:
    return list(
        signed_in_user(request).review_invitations.select_related("department", "review")[:100]
    )


@router.post("/hotline/reviews/{pk}", response={201: ReviewOut}, summary="Review an application")
def review(request: HttpRequest, pk: int, payload: RatingIn) -> Status[Any]:
    user = signed_in_user(request)
    invitation = selectors.access_invitation(user, pk)
    made = reviews.submit_review(
        user, invitation, level=payload.level, tags=payload.tags, comment=payload.comment
    )
    return Status(201, made)


@router.get(
    "/hotline/rectifications", response=list[RectificationOut], summary="My department's tasks"
)
def rectifications(request: HttpRequest) -> list[RectificationTask]:
    return list(selectors.rectifications_for(verified_officer(request))[:200])


@router.post(
    "/hotline/rectifications/{pk}", response=RectificationOut, summary="Record the rectification"
)
def rectify(request: HttpRequest, pk: int, payload: ResponseIn) -> RectificationTask:
    officer = verified_officer(request)
    task = selectors.rectifications_for(officer).filter(pk=pk).first()
    if task is None:
        raise NotFound(_("No rectification task of your department has this number."))
    return reviews.complete_rectification(officer, task, response=payload.response)
