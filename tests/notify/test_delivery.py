"""Delivery through a real SMTP server on loopback; failures are recorded and retried without
sending a channel twice."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from onewindow.identity.models import User
from onewindow.notify import services
from onewindow.notify.models import DeliveryStatus
from onewindow.notify.tasks import deliver_message
from tests.notify.conftest import SmtpServer

CONTEXT = {"ref": "330106-20260105-0007", "service_name": "个体工商户登记"}


def test_email_reaches_a_real_smtp_server_and_the_sms_the_console_adapter(
    chinese_reader: User,
    smtp_server: SmtpServer,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    smtp_server.controller.start()

    with (
        override_settings(**smtp_server.settings()),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = services.send(chinese_reader, "application_approved", context=CONTEXT)

    message.refresh_from_db()
    assert (message.email_status, message.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    [envelope] = smtp_server.mailbox.envelopes
    assert envelope.rcpt_tos == [chinese_reader.email]
    received = message_from_bytes(envelope.original_content or b"")
    assert str(make_header(decode_header(received["Subject"]))) == message.subject
    body = received.get_payload(decode=True)
    assert isinstance(body, bytes)  # a single-part message
    assert "已审批通过" in body.decode()
    assert len(sms_outbox) == 1


def test_failed_email_is_recorded_and_a_later_retry_sends_it_without_repeating_the_sms(
    chinese_reader: User,
    smtp_server: SmtpServer,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The SMTP port is closed: nothing listens there yet.
    with (
        override_settings(**smtp_server.settings()),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = services.send(chinese_reader, "application_received", context=CONTEXT)

    message.refresh_from_db()
    assert message.email_status == DeliveryStatus.FAILED
    assert message.sms_status == DeliveryStatus.SENT
    assert message.attempts == 1
    assert message.last_error.startswith("email: ConnectionRefusedError")
    assert len(sms_outbox) == 1

    smtp_server.controller.start()
    with override_settings(**smtp_server.settings()):
        result = deliver_message.enqueue(message.pk)

    message.refresh_from_db()
    assert result.status == "SUCCESSFUL"
    assert (message.email_status, message.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(smtp_server.mailbox.envelopes) == 1
    assert len(sms_outbox) == 1


def test_a_delivered_message_is_not_sent_again(
    chinese_reader: User, sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send(chinese_reader, "application_received", context=CONTEXT)

    deliver_message.enqueue(message.pk)

    message.refresh_from_db()
    assert message.attempts == 1
    assert len(sms_outbox) == 1


def test_on_a_backend_that_can_defer_a_failure_schedules_a_later_retry(
    chinese_reader: User, smtp_server: SmtpServer
) -> None:
    from django_tasks_db.models import DBTaskResult

    from onewindow.notify.delivery import DeliveryFailed

    database_tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database_tasks, **smtp_server.settings()):
        message = services.send(chinese_reader, "application_received", context=CONTEXT)
        # The first delivery is queued with the message, in its transaction.
        [first] = DBTaskResult.objects.all()
        with pytest.raises(DeliveryFailed):
            deliver_message.call(message.pk)

    [retry] = DBTaskResult.objects.exclude(pk=first.pk)
    assert retry.run_after > timezone.now()
    assert retry.args_kwargs == first.args_kwargs == {"args": [message.pk], "kwargs": {}}
    assert retry.task_path == "onewindow.notify.tasks.deliver_message"


def test_an_address_removed_after_sending_is_skipped_not_retried_forever(
    chinese_reader: User, sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.send(chinese_reader, "application_received", context=CONTEXT)
    chinese_reader.email = ""
    chinese_reader.save(update_fields=["email"])

    callbacks[0]()

    message.refresh_from_db()
    assert (message.email_status, message.sms_status) == (
        DeliveryStatus.SKIPPED,
        DeliveryStatus.SENT,
    )
    assert message.last_error == ""
