"""Sending: the inbox row in the recipient's language, delivery only after commit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from onewindow.identity.models import User
from onewindow.notify import services
from onewindow.notify.models import DeliveryStatus, Message
from tests.identity import factories

CONTEXT = {"ref": "330106-20260105-0007", "service_name": "个体工商户登记"}


def test_citizen_who_reads_chinese_gets_the_message_in_chinese(
    chinese_reader: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send(
            chinese_reader,
            "application_received",
            context=CONTEXT,
            subject_ref=CONTEXT["ref"],
            link="/applications/330106-20260105-0007/",
        )

    message.refresh_from_db()
    assert message.language == "zh-hans"
    assert message.subject == "您的申请 330106-20260105-0007 已受理"
    assert message.body.startswith("您的申请 330106-20260105-0007（个体工商户登记）已受理")
    assert message.recipient == chinese_reader
    assert message.read_at is None
    assert message.subject_ref == CONTEXT["ref"]


def test_citizen_who_reads_english_gets_the_message_in_english(english_reader: User) -> None:
    message = services.send(
        english_reader,
        "application_rejected",
        context={
            **CONTEXT,
            "service_name": "Sole proprietor registration",
            "reasons": "Lease expired.",
        },
    )

    assert message.language == "en"
    assert message.subject == "Decision on application 330106-20260105-0007"
    assert "was not approved, for these reasons: Lease expired." in message.body


def test_a_recipient_without_a_stated_language_is_written_to_in_chinese(db: None) -> None:
    recipient = factories.citizen()

    message = services.send(recipient, "application_approved", context=CONTEXT)

    assert message.language == "zh-hans"
    assert message.subject == "您的申请 330106-20260105-0007 已审批通过"


def test_supplement_request_lists_every_item_in_both_languages(
    chinese_reader: User, english_reader: User
) -> None:
    context = {**CONTEXT, "items": ["营业执照复印件", "租赁合同"], "due": "2026-01-12"}

    chinese = services.send(chinese_reader, "supplement_requested", context=context)
    english = services.send(english_reader, "supplement_requested", context=context)

    assert "请于 2026-01-12 前提交：\n· 营业执照复印件\n· 租赁合同\n" in chinese.body
    assert "by 2026-01-12:\n· 营业执照复印件\n· 租赁合同\n" in english.body


@pytest.mark.parametrize(
    ("event", "extra"),
    [
        ("application_received", {}),
        ("supplement_requested", {"items": ["a"], "due": "2026-01-12"}),
        ("application_approved", {}),
        ("application_rejected", {"reasons": "r"}),
        ("ready_for_pickup", {}),
        ("step_reminder", {"due": "2026-01-12"}),
        ("step_escalated", {"due": "2026-01-12"}),
    ],
)
def test_every_event_has_real_text_in_both_languages(
    event: str, extra: dict[str, Any], chinese_reader: User, english_reader: User
) -> None:
    chinese = services.send(chinese_reader, event, context={**CONTEXT, **extra})
    english = services.send(english_reader, event, context={**CONTEXT, **extra})

    assert chinese.subject != english.subject
    assert chinese.body != english.body
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese.subject.replace(CONTEXT["ref"], ""))


def test_unknown_event_or_missing_context_is_refused(chinese_reader: User) -> None:
    with pytest.raises(ValueError, match="no message template"):
        services.send(chinese_reader, "lottery_won", context=CONTEXT)
    with pytest.raises(ValueError, match="reasons"):
        services.send(chinese_reader, "application_rejected", context=CONTEXT)
    assert not Message.objects.exists()


def test_delivery_is_enqueued_only_when_the_transaction_commits(
    chinese_reader: User, sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        message = services.send(chinese_reader, "application_received", context=CONTEXT)
        assert mail.outbox == []
        assert sms_outbox == []

    assert len(callbacks) == 1
    callbacks[0]()
    message.refresh_from_db()
    assert (message.email_status, message.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert [email.to for email in mail.outbox] == [[chinese_reader.email]]
    assert [text for _, text in sms_outbox] == ["您的申请 330106-20260105-0007 已受理"]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(
    sms_outbox: list[tuple[str, str]],
) -> None:
    recipient = factories.citizen()

    def submit_then_fail() -> None:
        with transaction.atomic():
            services.send(recipient, "application_received", context=CONTEXT)
            raise RuntimeError("the application failed to save")

    with pytest.raises(RuntimeError):
        submit_then_fail()

    assert not Message.objects.exists()
    assert mail.outbox == []
    assert sms_outbox == []


@pytest.mark.django_db(transaction=True)
def test_message_is_delivered_after_commit_by_email_and_sms(
    sms_outbox: list[tuple[str, str]],
) -> None:
    recipient = factories.citizen()

    with transaction.atomic():
        message = services.send(
            recipient, "ready_for_pickup", context=CONTEXT, link="/applications/x/"
        )

    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error == ""
    assert mail.outbox[0].subject == "申请 330106-20260105-0007 的办理结果可以领取了"
    assert mail.outbox[0].body.endswith("\nhttp://127.0.0.1:8000/applications/x/")
    assert len(sms_outbox) == 1


def test_a_recipient_without_email_gets_the_sms_and_the_inbox_only(
    db: None, sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    recipient = factories.citizen(email="")

    with django_capture_on_commit_callbacks(execute=True):
        message = services.send(recipient, "application_received", context=CONTEXT)

    message.refresh_from_db()
    assert message.email_status == DeliveryStatus.SKIPPED
    assert message.sms_status == DeliveryStatus.SENT
    assert mail.outbox == []
    assert len(sms_outbox) == 1
