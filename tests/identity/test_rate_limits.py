"""Limits on opening accounts, resetting passwords and guessing them: bursts from one address,
one mobile number or one email address get a 429 page with Retry-After, and password
spraying (many accounts, one try each, one address) is stopped as well as guessing at one
account from many addresses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from onewindow.core.models import Division
from onewindow.identity import services
from onewindow.identity.models import User
from tests.identity import factories
from tests.identity.test_registration import registration_form

pytestmark = pytest.mark.django_db

STATION = "198.51.100.20"  # one village station's address


def id_number(number: int) -> str:
    """A resident ID number of its own: the test factories' numbers repeat in large crowds."""
    return factories.resident_id(date(1960, 1, 1) + timedelta(days=number))


def resident(divisions: dict[str, Division], number: int) -> User:
    return factories.citizen(divisions["village"], id_number=id_number(number))


def person(address: str = STATION, language: str = "en") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def register(
    divisions: dict[str, Division], number: int, *, address: str = STATION, **overrides: str
) -> Any:
    fields = {
        "username": f"resident{number}",
        "mobile": f"139{number:08d}",
        "id_number": id_number(number),
        **overrides,
    }
    form = registration_form(divisions, **fields)
    return person(address).post(reverse("identity:register-citizen"), form)


def sign_in(identifier: str, password: str, *, address: str = STATION, language: str = "en") -> Any:
    return person(address, language).post(
        reverse("identity:sign-in"), {"username": identifier, "password": password}
    )


def assert_refused(response: Any) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600


def test_a_burst_of_50_registrations_from_one_address_is_stopped_at_the_limit(
    divisions: dict[str, Division], settings: Any
) -> None:
    allowed = int(settings.ONEWINDOW_RATE_LIMITS["registration.address"].split()[0])

    answers = [register(divisions, number) for number in range(50)]

    assert [a.status_code for a in answers[:allowed]] == [302] * allowed
    for refused in answers[allowed:]:
        assert_refused(refused)
        assert b"Too many accounts have been opened from your network" in refused.content
    assert User.objects.count() == allowed
    # Another address is not affected.
    assert register(divisions, 99, address="203.0.113.5").status_code == 302


def test_the_429_page_speaks_the_visitors_language(
    divisions: dict[str, Division], settings: Any
) -> None:
    settings.ONEWINDOW_RATE_LIMITS = {
        **settings.ONEWINDOW_RATE_LIMITS,
        "registration.address": "1 per hour",
    }
    register(divisions, 1)

    refused = person(language="zh-hans").post(
        reverse("identity:register-citizen"), registration_form(divisions, username="second")
    )

    assert_refused(refused)
    page = refused.content.decode()
    assert "请求过多" in page
    assert "您的网络开设的账户过多" in page


def test_registrations_with_one_mobile_number_are_limited_wherever_they_come_from(
    divisions: dict[str, Division], settings: Any
) -> None:
    allowed = int(settings.ONEWINDOW_RATE_LIMITS["registration.mobile"].split()[0])
    answers = [
        register(
            divisions,
            number,
            address=f"203.0.113.{number + 1}",
            mobile="+86 13900000001",
        )
        for number in range(allowed + 1)
    ]

    assert answers[0].status_code == 302
    assert all(a.status_code == 200 for a in answers[1:allowed])  # "already registered"
    assert_refused(answers[allowed])
    assert b"Too many registrations with this mobile number" in answers[allowed].content


def test_password_spraying_50_accounts_once_each_from_one_address_is_stopped(
    divisions: dict[str, Division], settings: Any
) -> None:
    # Fifty residents, registered in-process through the service as the demo seed does:
    # no limit applies there.
    residents = [resident(divisions, number) for number in range(50)]
    allowed = int(settings.ONEWINDOW_RATE_LIMITS["sign_in_failures.address"].split()[0])

    answers = [sign_in(resident.username, "Spring2026!") for resident in residents]

    assert [a.status_code for a in answers[:allowed]] == [200] * allowed
    for refused in answers[allowed:]:
        assert_refused(refused)
        assert b"Too many failed sign-ins from your network" in refused.content
    # Even the right password is not tried from that address now ...
    assert_refused(sign_in(residents[-1].username, factories.PASSWORD))
    # ... while the same resident elsewhere signs in as usual.
    assert (
        sign_in(residents[-1].username, factories.PASSWORD, address="203.0.113.9").status_code
        == 302
    )


def test_guessing_one_accounts_password_from_many_addresses_is_stopped(
    divisions: dict[str, Division], settings: Any
) -> None:
    guessed = services.register_citizen(
        username="guessed",
        password=factories.PASSWORD,
        real_name="王小明",
        id_number=id_number(1000),
        mobile="13700000042",
        division=divisions["village"],
    )
    allowed = int(settings.ONEWINDOW_RATE_LIMITS["sign_in_failures.account"].split()[0])

    # One guess per address, so the per-address lock (django-axes) never sees two; the
    # mobile number and the account name are the same account.
    for number in range(allowed):
        identifier = guessed.username if number % 2 else "137 0000 0042"
        assert (
            sign_in(identifier, f"guess-{number}", address=f"192.0.2.{number + 1}").status_code
            == 200
        )
    refused = sign_in(guessed.username, factories.PASSWORD, address="192.0.2.200")

    assert_refused(refused)
    assert b"Too many failed sign-ins to this account" in refused.content
    other = resident(divisions, 1001)
    assert sign_in(other.username, factories.PASSWORD, address="192.0.2.200").status_code == 302


def test_successful_sign_ins_from_one_station_are_never_limited(
    divisions: dict[str, Division],
) -> None:
    residents = [resident(divisions, number) for number in range(40)]

    answers = [sign_in(resident.username, factories.PASSWORD) for resident in residents]

    assert {a.status_code for a in answers} == {302}


def test_a_burst_of_password_reset_requests_is_stopped_per_address_and_per_email(
    divisions: dict[str, Division], settings: Any
) -> None:
    per_address = int(settings.ONEWINDOW_RATE_LIMITS["password_reset.address"].split()[0])
    per_email = int(settings.ONEWINDOW_RATE_LIMITS["password_reset.email"].split()[0])
    url = reverse("identity:password-reset")

    burst = [person().post(url, {"email": f"someone{n}@example.org"}) for n in range(30)]

    assert [a.status_code for a in burst[:per_address]] == [302] * per_address
    for refused in burst[per_address:]:
        assert_refused(refused)
        assert b"Too many password reset requests from your network" in refused.content

    holder = factories.citizen(
        divisions["village"], id_number=id_number(1002), email="li.na@example.org"
    )
    mail.outbox.clear()
    answers = [
        person(f"203.0.113.{n + 1}").post(url, {"email": "Li.Na@example.org"})
        for n in range(per_email + 1)
    ]
    assert [a.status_code for a in answers[:per_email]] == [302] * per_email
    assert_refused(answers[per_email])
    assert b"Too many password reset requests for this email address" in answers[per_email].content
    assert [message.to for message in mail.outbox] == [[holder.email]] * per_email
