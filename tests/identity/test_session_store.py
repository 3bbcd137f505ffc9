"""A signed-in request reads its session and its person with one statement each, and is
signed in exactly when Django's own database sessions and backend would sign it in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.identity.account import security
from onewindow.identity.backends import IdentifierBackend
from onewindow.identity.models import User, UserSession
from onewindow.identity.session_store import SessionStore
from tests.identity import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(divisions: dict[str, Division]) -> User:
    return factories.citizen(divisions["community"])


def _signed_in(person: User) -> Client:
    browser = Client()
    browser.force_login(person)  # through IdentifierBackend, as `security.sign_in` does
    return browser


def test_a_signed_in_call_reads_its_session_and_its_person_once_each(person: User) -> None:
    browser = _signed_in(person)

    with CaptureQueriesContext(connection) as statements:
        answer = browser.get("/api/v1/me")

    assert answer.status_code == 200
    assert answer.json()["username"] == person.username
    read = [query["sql"] for query in statements.captured_queries]
    assert sum(Session._meta.db_table in sql for sql in read) == 1
    assert sum(sql.startswith("SELECT") and User._meta.db_table in sql for sql in read) == 1


def test_the_person_read_for_a_session_is_the_person_the_orm_reads(person: User) -> None:
    person.last_login = timezone.now() - timedelta(days=3)
    person.prefers_elder_mode = True
    person.save()

    read = IdentifierBackend().get_user(person.pk)

    stored = User.objects.get(pk=person.pk)
    assert read is not None
    for field in User._meta.concrete_fields:
        ours, theirs = getattr(read, field.attname), getattr(stored, field.attname)
        assert (ours, type(ours)) == (theirs, type(theirs)), field.name


def test_an_inactive_or_unknown_person_has_no_session(person: User) -> None:
    browser = _signed_in(person)
    User.objects.filter(pk=person.pk).update(is_active=False)

    assert browser.get("/api/v1/me").status_code == 401
    assert IdentifierBackend().get_user(person.pk) is None
    assert IdentifierBackend().get_user(person.pk + 1000) is None


def test_an_expired_session_is_no_longer_signed_in(person: User) -> None:
    browser = _signed_in(person)
    key = browser.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))

    assert browser.get("/api/v1/me").status_code == 401
    assert SessionStore(key).load() == {}


def test_a_session_ended_from_another_browser_is_signed_out(person: User) -> None:
    laptop, phone = _signed_in(person), _signed_in(person)
    # As sign-in records it for the security page (`security.sign_in`).
    ended = UserSession.objects.create(user=person, session_key=laptop.cookies["sessionid"].value)

    security.end_session(person, ended.pk)

    assert laptop.get("/api/v1/me").status_code == 401
    assert phone.get("/api/v1/me").status_code == 200


def test_a_new_password_signs_the_other_sessions_out(person: User) -> None:
    browser = _signed_in(person)
    person.set_password("another-long-password-2026")
    person.save()

    assert browser.get("/api/v1/me").status_code == 401
