"""Writes of the notify app: send a message, mark it read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.enqueue import enqueue_with_transaction
from onewindow.core.errors import NotFound
from onewindow.identity.models import User
from onewindow.notify.message_templates import template_for
from onewindow.notify.models import DeliveryStatus, Message
from onewindow.notify.tasks import deliver_message, deliver_messages

# The platform serves residents of China: with no stated preference, write in Chinese.
DEFAULT_LANGUAGE = "zh-hans"
LANGUAGES = {"zh-hans", "en"}


def language_for(recipient: User) -> str:
    language = recipient.preferred_language.lower()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def send(
    recipient: User,
    event: str,
    *,
    context: Mapping[str, object],
    subject_ref: str = "",
    link: str = "",
) -> Message:
    """Put a message for `event` in the recipient's inbox, in their language, and deliver its
    email and SMS copies in the background once the caller's transaction commits.

    Raises ValueError for an unknown event or a context missing what its template needs.
    """
    language = language_for(recipient)
    subject, body = template_for(event).render(language, context)
    # No savepoint: the message stands or falls with the caller's use case.
    with transaction.atomic(savepoint=False):
        message = Message.objects.create(
            recipient=recipient,
            event=event,
            language=language,
            subject=subject,
            body=body,
            link=link or str(context.get("link", "")),
            subject_ref=subject_ref,
            email_status=DeliveryStatus.PENDING if recipient.email else DeliveryStatus.SKIPPED,
            sms_status=(
                DeliveryStatus.PENDING if recipient.mobile_encrypted else DeliveryStatus.SKIPPED
            ),
        )
        if not message.is_delivered:
            # Queued with the message: committed, or rolled back, with it.
            enqueue_with_transaction(deliver_message, message.pk)
    return message


def send_many(
    recipients: Sequence[User],
    event: str,
    *,
    context_for: Callable[[str], Mapping[str, object]],
    subject_ref: str = "",
    link: str = "",
) -> list[Message]:
    """`send` to many people at once: each message is rendered once per language (from
    `context_for(language)`) and written with one insert, inside the caller's transaction;
    their e-mail and SMS copies are delivered by one background task per call, queued with them.

    Raises ValueError for an unknown event or a context missing what its template needs.
    """
    template = template_for(event)
    rendered: dict[str, tuple[str, str]] = {}
    rows: list[Message] = []
    for recipient in recipients:
        language = language_for(recipient)
        if language not in rendered:
            rendered[language] = template.render(language, context_for(language))
        subject, body = rendered[language]
        rows.append(
            Message(
                recipient=recipient,
                event=event,
                language=language,
                subject=subject,
                body=body,
                link=link,
                subject_ref=subject_ref,
                email_status=(
                    DeliveryStatus.PENDING if recipient.email else DeliveryStatus.SKIPPED
                ),
                sms_status=(
                    DeliveryStatus.PENDING if recipient.mobile_encrypted else DeliveryStatus.SKIPPED
                ),
            )
        )
    with transaction.atomic():
        messages = Message.objects.bulk_create(rows)
        to_deliver = [message.pk for message in messages if not message.is_delivered]
        if to_deliver:
            enqueue_with_transaction(deliver_messages, to_deliver)
    return messages


def mark_all_read(user: User) -> int:
    """Mark every unread message of the user's read at once; returns how many were unread."""
    return Message.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_read(user: User, message: Message) -> Message:
    """Mark the user's own message read (reading twice keeps the first time).

    Raises NotFound when the message is someone else's.
    """
    if message.recipient_id != user.pk:
        raise NotFound(_("No such message."))
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
