"""The signed-in person's inbox: list (newest first, by cursor) and mark read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from onewindow.identity.bearer import person
from onewindow.identity.decorators import signed_in_user
from onewindow.identity.oidc.scopes import INBOX_READ
from onewindow.notify import selectors, services
from onewindow.notify.models import Message

router = Router(tags=["notify"], auth=django_auth)
PAGE_SIZE = 50


class MessageOut(Schema):
    id: int
    event: str
    language: str
    subject: str
    body: str
    link: str
    subject_ref: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(Schema):
    unread: int
    items: list[MessageOut]
    next_cursor: int | None


@router.get(
    "/inbox", response=InboxOut, summary="My messages, newest first", auth=person(INBOX_READ)
)
def inbox(request: HttpRequest, cursor: int | None = None) -> dict[str, object]:
    """`cursor` is the `next_cursor` of the previous page: messages older than that one."""
    user = signed_in_user(request)
    messages = selectors.inbox_for(user).order_by("-pk")
    if cursor is not None:
        messages = messages.filter(pk__lt=cursor)
    page = list(messages[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    return {
        "unread": selectors.unread_count(user),
        "items": page[:PAGE_SIZE],
        "next_cursor": page[PAGE_SIZE - 1].pk if more else None,
    }


@router.post(
    "/inbox/{pk}/read",
    response=MessageOut,
    summary="Mark one of my messages read",
    auth=person(INBOX_READ),
)
def mark_read(request: HttpRequest, pk: int) -> Message:
    user = signed_in_user(request)
    return services.mark_read(user, selectors.access_message(user, pk))
