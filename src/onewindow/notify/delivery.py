"""Delivering a message's email and SMS copies: what the `deliver_message` task does.

Each channel is sent at most once: a channel already `sent` (or `skipped`) is left alone, so
a retry after a partial failure only repeats what failed. Delivery is at-least-once: a crash
between the gateway accepting a copy and the status being saved can send that copy twice.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.db.models import F

from onewindow.core import personal_data
from onewindow.core.site import public_url
from onewindow.identity import sms
from onewindow.identity.models import MOBILE_CONTEXT
from onewindow.notify.models import DeliveryStatus, Message

TO_SEND = {DeliveryStatus.PENDING, DeliveryStatus.FAILED}


class DeliveryFailed(Exception):
    """At least one channel failed; the message records which and why."""


def deliver(message_pk: int) -> Message:
    """Send the copies of message `message_pk` that are not sent yet.

    Raises DeliveryFailed (after saving `last_error`) when a channel fails.
    """
    message = Message.objects.select_related("recipient").get(pk=message_pk)
    if message.is_delivered:
        return message
    Message.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1)
    message.attempts += 1
    errors: list[str] = []
    recipient = message.recipient
    # The person may have removed the address or number since the message was sent.
    if message.email_status in TO_SEND and not recipient.email:
        _set(message, email_status=DeliveryStatus.SKIPPED)
    if message.sms_status in TO_SEND and not recipient.mobile_encrypted:
        _set(message, sms_status=DeliveryStatus.SKIPPED)
    if message.email_status in TO_SEND:
        try:
            send_mail(
                message.subject,
                _with_link(message.body, message.link),
                None,
                [recipient.email],
            )
        except Exception as error:  # any gateway failure is recorded and retried
            errors.append(f"email: {type(error).__name__}: {error}")
            _set(message, email_status=DeliveryStatus.FAILED)
        else:
            _set(message, email_status=DeliveryStatus.SENT)
    if message.sms_status in TO_SEND:
        mobile = personal_data.decrypt(recipient.mobile_encrypted, context=MOBILE_CONTEXT)
        try:
            sms.send_sms(mobile, _with_link(message.subject, message.link))
        except Exception as error:  # any gateway failure is recorded and retried
            errors.append(f"sms: {type(error).__name__}: {error}")
            _set(message, sms_status=DeliveryStatus.FAILED)
        else:
            _set(message, sms_status=DeliveryStatus.SENT)
    _set(message, last_error="\n".join(errors))
    if errors:
        raise DeliveryFailed(message.last_error)
    return message


def _set(message: Message, **fields: str) -> None:
    """Save each channel's outcome as soon as it is known, so a later crash cannot undo it."""
    for name, value in fields.items():
        setattr(message, name, value)
    Message.objects.filter(pk=message.pk).update(**fields)


def _with_link(text: str, link: str) -> str:
    return f"{text}\n{public_url(link)}" if link else text
