"""Reads of the inbox that pages and the API share."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.identity.models import User
from onewindow.notify.models import Message


def inbox_for(user: User) -> QuerySet[Message]:
    """The user's messages, unread first, newest first within each."""
    return Message.objects.filter(recipient=user).order_by(
        IsNull(F("read_at"), True).desc(), "-created_at", "-pk"
    )


def unread_count(user: User) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def access_message(user: User, pk: int) -> Message:
    """The user's own message `pk`; raises NotFound for missing and not-yours alike."""
    try:
        return Message.objects.get(pk=pk, recipient=user)
    except Message.DoesNotExist:
        raise NotFound(_("No such message.")) from None
