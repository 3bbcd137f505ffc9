"""The inbox page and API: own messages only, unread first, marked read by POST."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from onewindow.identity.models import User
from onewindow.notify import services
from onewindow.notify.models import Message
from tests.identity import factories
from tests.identity.test_assisted_filing import verified_client

CONTEXT = {"ref": "330106-20260105-0007", "service_name": "个体工商户登记"}


@pytest.fixture
def others_message(db: None) -> Message:
    return services.send(factories.citizen(), "application_received", context=CONTEXT)


def test_anonymous_visitor_is_sent_to_sign_in(client: Client, others_message: Message) -> None:
    for response in (
        client.get("/inbox/"),
        client.post(f"/inbox/{others_message.pk}/read/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")


def test_inbox_lists_unread_first_and_the_header_counts_them(
    client: Client, english_reader: User, others_message: Message
) -> None:
    older = services.send(english_reader, "application_received", context=CONTEXT)
    services.send(english_reader, "application_approved", context=CONTEXT)
    services.mark_read(english_reader, older)
    newest_unread = services.send(english_reader, "ready_for_pickup", context=CONTEXT)
    client.force_login(english_reader)

    page = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert page.index(newest_unread.subject) < page.index("approved") < page.index("received")
    assert others_message.subject not in page
    assert page.count('data-testid="message"') == 3
    assert '<span class="usa-tag ow-unread-count">2<span class="usa-sr-only"> unread' in page


def test_marking_read_by_post_clears_the_unread_count(client: Client, chinese_reader: User) -> None:
    message = services.send(chinese_reader, "application_received", context=CONTEXT)
    client.force_login(chinese_reader)

    response = client.post(f"/inbox/{message.pk}/read/")

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None
    page = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "ow-unread-count" not in page
    assert "消息中心" in page
    assert message.subject in page


def test_someone_elses_message_cannot_be_marked_read(
    client: Client, chinese_reader: User, others_message: Message
) -> None:
    client.force_login(chinese_reader)

    response = client.post(f"/inbox/{others_message.pk}/read/")

    assert response.status_code == 404
    others_message.refresh_from_db()
    assert others_message.read_at is None


def test_api_needs_sign_in(client: Client, others_message: Message) -> None:
    for response in (
        client.get("/api/v1/inbox"),
        client.post(f"/api/v1/inbox/{others_message.pk}/read"),
    ):
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"


def test_api_lists_my_messages_and_marks_one_read(
    client: Client, english_reader: User, others_message: Message
) -> None:
    message = services.send(english_reader, "application_received", context=CONTEXT)
    client.force_login(english_reader)

    listed = client.get("/api/v1/inbox").json()
    marked = client.post(f"/api/v1/inbox/{message.pk}/read")

    assert listed["unread"] == 1
    assert [item["id"] for item in listed["items"]] == [message.pk]
    assert listed["items"][0]["subject"] == "Application 330106-20260105-0007 received"
    assert listed["next_cursor"] is None
    assert marked.status_code == 200
    assert marked.json()["read_at"] is not None
    assert client.get("/api/v1/inbox").json()["unread"] == 0


def test_api_pages_by_cursor(client: Client, english_reader: User) -> None:
    from onewindow.notify import api

    sent = [
        services.send(english_reader, "application_received", context=CONTEXT)
        for _ in range(api.PAGE_SIZE + 2)
    ]
    client.force_login(english_reader)

    first = client.get("/api/v1/inbox").json()
    second = client.get("/api/v1/inbox", {"cursor": first["next_cursor"]}).json()

    assert len(first["items"]) == api.PAGE_SIZE
    assert [item["id"] for item in second["items"]] == [sent[1].pk, sent[0].pk]
    assert second["next_cursor"] is None


def test_api_answers_not_found_for_someone_elses_message(
    client: Client, chinese_reader: User, others_message: Message
) -> None:
    client.force_login(chinese_reader)

    response = client.post(f"/api/v1/inbox/{others_message.pk}/read")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not_found")
    others_message.refresh_from_db()
    assert others_message.read_at is None


def test_an_officer_sees_their_own_reminders_but_not_a_citizens_messages(
    divisions: dict[str, Any], others_message: Message
) -> None:
    officer = factories.officer(factories.department(divisions["city"]))
    reminder = services.send(
        officer, "step_reminder", context={**CONTEXT, "due": "2026-01-12 17:00"}
    )
    client = verified_client(officer)

    page = client.get("/inbox/").content.decode()
    listed = client.get("/api/v1/inbox").json()
    page_mark = client.post(f"/inbox/{others_message.pk}/read/")
    api_mark = client.post(f"/api/v1/inbox/{others_message.pk}/read")

    assert reminder.subject in page
    assert others_message.subject not in page
    assert [item["id"] for item in listed["items"]] == [reminder.pk]
    assert (page_mark.status_code, api_mark.status_code) == (404, 404)
    others_message.refresh_from_db()
    assert others_message.read_at is None


def test_the_inbox_pages_through_every_message_and_marks_all_read_at_once(
    client: Client, english_reader: User, others_message: Message
) -> None:
    sent = [
        services.send(english_reader, "application_received", context={**CONTEXT, "ref": f"R-{n}"})
        for n in range(45)
    ]
    client.force_login(english_reader)

    seen: list[int] = []
    for number in (1, 2, 3):
        page = client.get("/inbox/", {"page": number}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f"Page {number} of 3" in page
        seen += [int(pk) for pk in re.findall(r'action="/inbox/(\d+)/read/"', page)]
    assert sorted(seen) == sorted(m.pk for m in sent)
    assert client.get("/inbox/", {"page": "²"}).status_code == 200  # a mangled link: page one

    first = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark all 45 unread messages as read" in first
    response = client.post("/inbox/read-all/")

    assert response.status_code == 302
    assert not Message.objects.filter(recipient=english_reader, read_at__isnull=True).exists()
    others_message.refresh_from_db()
    assert others_message.read_at is None
    after = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ow-unread-count" not in after
    assert "unread messages as read" not in after
