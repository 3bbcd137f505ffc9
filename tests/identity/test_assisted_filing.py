from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.errors import Conflict, DomainError
from onewindow.core.models import Division
from onewindow.identity import services, sms
from onewindow.identity.models import AgentConsent, User, UserKind
from tests.identity import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(divisions: dict[str, Division]) -> User:
    user = User.objects.create_user(
        username="village-agent",
        password=factories.PASSWORD,
        real_name="何建国",
        kind=UserKind.STATION_AGENT,
        division=divisions["village"],
    )
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def verified_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


def test_agent_acts_for_a_resident_after_the_resident_reads_back_the_code(
    agent: User, divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    id_number = factories.resident_id()
    resident = factories.citizen(divisions["village"], id_number=id_number)
    client = verified_client(agent)
    sms.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        with_code = client.post(reverse("identity:assist-start"), {"id_number": id_number})
    code = factories.last_sms_code()
    confirmed = client.post(reverse("identity:assist-confirm"), {"code": code}, follow=True)

    assert with_code.status_code == 302
    banner = confirmed.content.decode()
    assert "Filed by agent 何建国 for resident 王**" in banner
    assert AgentConsent.objects.get(agent=agent, resident=resident).is_valid


def test_wrong_code_records_no_consent(
    agent: User, divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    id_number = factories.resident_id()
    factories.citizen(divisions["village"], id_number=id_number)
    client = verified_client(agent)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:assist-start"), {"id_number": id_number})
    sent = factories.last_sms_code()
    wrong = f"{(int(sent) + 1) % 1_000_000:06d}"

    response = client.post(reverse("identity:assist-confirm"), {"code": wrong})

    assert "not right" in response.content.decode()
    assert not AgentConsent.objects.exists()


def test_five_wrong_codes_end_the_challenge(
    agent: User, divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    id_number = factories.resident_id()
    factories.citizen(divisions["village"], id_number=id_number)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        challenge = services.send_consent_code(agent, resident_id_number=id_number)
    sent = factories.last_sms_code()
    wrong = f"{(int(sent) + 1) % 1_000_000:06d}"
    for _attempt in range(5):
        with pytest.raises(DomainError):
            services.confirm_consent_code(agent, challenge, code=wrong)

    with pytest.raises(Conflict):
        services.confirm_consent_code(agent, challenge, code=sent)


def test_unknown_resident_is_named_on_the_id_field(
    agent: User, divisions: dict[str, Division]
) -> None:
    response = verified_client(agent).post(
        reverse("identity:assist-start"), {"id_number": factories.resident_id()}
    )

    assert 'id="id_id_number_error"' in response.content.decode()


def test_citizens_and_officers_cannot_act_for_residents(divisions: dict[str, Division]) -> None:
    citizen = Client()
    citizen.force_login(factories.citizen(divisions["street"]))
    officer = verified_client(factories.officer(factories.department(divisions["city"])))

    assert citizen.get(reverse("identity:assist-start")).status_code == 403
    assert officer.get(reverse("identity:assist-start")).status_code == 403


def test_agent_without_second_factor_is_sent_to_verify(agent: User) -> None:
    client = Client()
    client.force_login(agent)

    response = client.get(reverse("identity:assist-start"))

    assert response["Location"].startswith(reverse("identity:verify"))
