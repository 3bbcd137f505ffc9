"""Background work of the notify app (django-tasks)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from onewindow.notify import delivery
from onewindow.notify.models import Message

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_AFTER = timedelta(minutes=1)


@task()
def deliver_messages(message_pks: list[int]) -> None:
    """Send the e-mail and SMS copies of many messages (`services.send_many`). A message that
    fails is handed to `deliver_message`, which retries it alone; the others go on. Run
    again (a worker killed mid-way), it skips the copies already sent."""
    for message_pk in message_pks:
        try:
            delivery.deliver(message_pk)
        except delivery.DeliveryFailed:
            if deliver_message.get_backend().supports_defer:
                deliver_message.using(run_after=timezone.now() + FIRST_RETRY_AFTER).enqueue(
                    message_pk
                )
            logger.warning("message %s not delivered; retried alone", message_pk)


@task()
def deliver_message(message_pk: int) -> None:
    """Send a message's email and SMS copies.

    django-tasks has no retry policy of its own, so a failure re-enqueues this task with a
    doubling delay (1, 2, 4, 8 minutes) up to MAX_ATTEMPTS on backends that can defer (database,
    Redis), then raises so the task result records the failure. Channels already sent are not
    sent again.
    """
    try:
        delivery.deliver(message_pk)
    except delivery.DeliveryFailed:
        attempts = Message.objects.values_list("attempts", flat=True).get(pk=message_pk)
        if attempts < MAX_ATTEMPTS and deliver_message.get_backend().supports_defer:
            retry_at = timezone.now() + FIRST_RETRY_AFTER * 2 ** (attempts - 1)
            deliver_message.using(run_after=retry_at).enqueue(message_pk)
            logger.warning(
                "message %s not delivered; retry %s at %s", message_pk, attempts, retry_at
            )
        else:
            logger.error("message %s not delivered after %s attempts", message_pk, attempts)
        raise
