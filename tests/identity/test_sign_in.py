from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.models import Division
from onewindow.identity.models import User
from tests.identity import factories

if TYPE_CHECKING:  # the test client's response type, known to django-stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key):06d}"


def sign_in(
    client: Client, username: str, password: str = factories.PASSWORD, **extra: str
) -> _MonkeyPatchedWSGIResponse:
    return client.post(
        reverse("identity:sign-in"), {"username": username, "password": password, **extra}
    )


@pytest.mark.parametrize("identifier", ["username", "mobile", "id_number"])
def test_citizen_signs_in_with_name_mobile_or_id_number(
    client: Client, divisions: dict[str, Division], identifier: str
) -> None:
    id_number, mobile = factories.resident_id(), factories.mobile()
    user = factories.citizen(divisions["street"], id_number=id_number)
    User.objects.filter(pk=user.pk).update(mobile_hash=None)
    user.set_mobile(mobile)
    user.save()
    typed = {"username": user.username, "mobile": mobile, "id_number": id_number}[identifier]

    response = sign_in(client, typed)

    assert response.status_code == 302
    assert client.get(reverse("identity:profile")).status_code == 200


def test_wrong_password_keeps_the_account_name_and_says_why(
    client: Client, divisions: dict[str, Division]
) -> None:
    user = factories.citizen(divisions["street"])

    response = sign_in(client, user.username, "wrong-password")

    page = response.content.decode()
    assert response.status_code == 200
    assert "not right" in page
    assert f'value="{user.username}"' in page
    assert "wrong-password" not in page


def test_five_failures_lock_the_account_with_a_clear_message(
    client: Client, divisions: dict[str, Division]
) -> None:
    user = factories.citizen(divisions["street"])
    for _attempt in range(5):
        sign_in(client, user.username, "wrong-password")

    response = sign_in(client, user.username)

    assert response.status_code == 429
    assert "30 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_officer_without_second_factor_cannot_reach_officer_pages(
    client: Client, divisions: dict[str, Division]
) -> None:
    officer = factories.officer(factories.department(divisions["city"]))
    sign_in(client, officer.username)

    response = client.get(reverse("identity:officer-home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:verify"))


def test_officer_with_password_and_totp_reaches_the_workbench(
    client: Client, divisions: dict[str, Division]
) -> None:
    officer = factories.officer(
        factories.department(divisions["city"]), roles=("reviewer", "approver")
    )
    sign_in(client, officer.username)

    response = client.post(
        reverse("identity:verify"), {"token": current_code(officer)}, follow=True
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Reviewer" in page
    assert "Approver" in page
    assert "Hangzhou Market Supervision Bureau" in page


def test_wrong_totp_code_is_refused(client: Client, divisions: dict[str, Division]) -> None:
    officer = factories.officer(factories.department(divisions["city"]))
    sign_in(client, officer.username)
    wrong = f"{(int(current_code(officer)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("identity:verify"), {"token": wrong})

    assert "not right" in response.content.decode()
    assert client.get(reverse("identity:officer-home")).status_code == 302


def test_officer_without_a_device_is_sent_to_enrol_and_confirms_it(
    client: Client, divisions: dict[str, Division]
) -> None:
    officer = factories.officer(factories.department(divisions["city"]), with_totp=False)
    sign_in(client, officer.username)

    page = client.get(reverse("identity:officer-home"), follow=True)
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(reverse("identity:enrol"), {"token": f"{totp(device.bin_key):06d}"})

    assert "data:image/svg+xml" in page.content.decode()
    assert response.status_code == 302
    assert client.get(reverse("identity:officer-home")).status_code == 200


def test_citizen_cannot_open_officer_pages(client: Client, divisions: dict[str, Division]) -> None:
    client.force_login(factories.citizen(divisions["street"]))

    assert client.get(reverse("identity:officer-home")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("identity:officer-home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:sign-in"))


def test_password_reset_link_sets_a_new_password(
    client: Client, divisions: dict[str, Division]
) -> None:
    user = factories.citizen(divisions["street"], email="reset@example.org")

    client.post(reverse("identity:password-reset"), {"email": "reset@example.org"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    # The link starts with the configured public address, whatever Host the request had.
    assert link.startswith(f"{settings.ONEWINDOW_PUBLIC_URL}/")
    path = link.removeprefix(settings.ONEWINDOW_PUBLIC_URL)
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-fresh-passphrase-9", "new_password2": "a-fresh-passphrase-9"},
    )

    user.refresh_from_db()
    assert user.check_password("a-fresh-passphrase-9")


def test_expired_reset_link_says_so(client: Client, divisions: dict[str, Division]) -> None:
    factories.citizen(divisions["street"], email="late@example.org")
    client.post(reverse("identity:password-reset"), {"email": "late@example.org"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)

    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        response = client.get(link.removeprefix(settings.ONEWINDOW_PUBLIC_URL), follow=True)

    assert "no longer works" in response.content.decode()


def test_unverified_officer_can_open_nothing_but_the_second_factor_step(
    client: Client, divisions: dict[str, Division]
) -> None:
    officer = factories.officer(factories.department(divisions["city"]))
    sign_in(client, officer.username)

    profile = client.get(reverse("identity:profile"))
    api = client.get("/api/v1/me")

    assert profile["Location"].startswith(reverse("identity:verify"))
    assert api.status_code == 401
    assert api["Content-Type"] == "application/problem+json"
    assert client.get(reverse("identity:verify")).status_code == 200


def test_an_officer_lands_on_the_officer_home_after_the_second_factor(
    client: Client, divisions: dict[str, Division]
) -> None:
    officer = factories.officer(factories.department(divisions["city"]))
    to_verify = sign_in(client, officer.username)["Location"]

    verified = client.post(to_verify, {"token": current_code(officer)})

    assert verified["Location"] == reverse("identity:officer-home")


def test_a_citizen_lands_on_the_home_page_and_a_named_page_wins(
    client: Client, divisions: dict[str, Division]
) -> None:
    user = factories.citizen(divisions["street"])

    assert sign_in(client, user.username)["Location"] == reverse("web:home")
    client.logout()
    answered = client.post(
        reverse("identity:sign-in"),
        {"username": user.username, "password": factories.PASSWORD, "next": "/my-data/"},
    )
    assert answered["Location"] == "/my-data/"
