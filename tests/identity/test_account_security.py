"""The account security page: the person sees where they are signed in and which sites and
apps they allowed, and can end either; who acted for them, and can end that too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import AccessToken, RefreshToken

from onewindow.core.models import Division
from onewindow.identity import services
from onewindow.identity.models import AgentConsent, ConsentMethod, UserSession
from tests.identity import factories
from tests.identity.oidc_helpers import token_for, world
from tests.identity.test_assisted_filing import agent  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _signed_in(username: str) -> Client:
    browser = Client(HTTP_USER_AGENT="TestBrowser/1.0", HTTP_ACCEPT_LANGUAGE="en")
    answer = browser.post(
        reverse("identity:sign-in"), {"username": username, "password": factories.PASSWORD}
    )
    assert answer.status_code == 302
    return browser


def test_the_person_sees_their_sessions_and_signs_one_out(divisions: dict[str, Division]) -> None:
    person = factories.citizen(divisions["community"], username="xiaoming")
    laptop = _signed_in("xiaoming")
    phone = _signed_in("xiaoming")

    page = laptop.get(reverse("identity:security")).content.decode()
    other = UserSession.objects.exclude(session_key=laptop.session.session_key).get(user=person)
    ended = laptop.post(reverse("identity:end-session", args=[other.pk]))

    assert page.count("TestBrowser/1.0") == 2
    assert "this browser" in page
    assert ended.status_code == 302
    assert "/account/sign-in/" in phone.get(reverse("identity:profile"))["Location"]
    assert laptop.get(reverse("identity:profile")).status_code == 200


def test_signing_out_ends_the_session_on_the_page(divisions: dict[str, Division]) -> None:
    person = factories.citizen(divisions["community"], username="xiaoming")
    browser = _signed_in("xiaoming")

    browser.post(reverse("identity:sign-out"))

    assert UserSession.objects.get(user=person).ended_at is not None


def test_nobody_ends_another_persons_session(divisions: dict[str, Division]) -> None:
    factories.citizen(divisions["community"], username="xiaoming")
    factories.citizen(divisions["community"], username="neighbour")
    victim = _signed_in("xiaoming")
    intruder = _signed_in("neighbour")
    theirs = UserSession.objects.get(user__username="xiaoming")

    answer = intruder.post(reverse("identity:end-session", args=[theirs.pk]))
    api = intruder.post(f"/api/v1/me/sessions/{theirs.pk}/end")

    assert answer.status_code == 404
    assert api.status_code == 404
    assert victim.get(reverse("identity:profile")).status_code == 200


def test_withdrawing_a_client_revokes_its_tokens_at_once(divisions: dict[str, Division]) -> None:
    given = world(divisions, scopes=("profile", "applications:read"))
    token = token_for(given.citizen, given.client, given.secret, "openid applications:read")
    browser = Client()
    browser.force_login(given.citizen)
    page = browser.get(reverse("identity:security")).content.decode()
    assert "City services mini-program" in page

    browser.post(reverse("identity:revoke-client", args=[given.client.pk]))

    answer = Client(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}").get(
        "/api/v1/applications"
    )
    assert answer.status_code == 401
    assert not AccessToken.objects.exists()
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
    assert (
        "Withdraw City services mini-program"
        not in browser.get(reverse("identity:security")).content.decode()
    )


def test_the_api_lists_and_revokes_authorised_clients(divisions: dict[str, Division]) -> None:
    given = world(divisions, scopes=("profile",))
    token_for(given.citizen, given.client, given.secret, "openid profile")
    browser = Client()
    browser.force_login(given.citizen)
    stranger = Client()
    stranger.force_login(factories.citizen(divisions["community"], username="neighbour"))

    listed = browser.get("/api/v1/me/clients").json()
    refused = stranger.post(f"/api/v1/me/clients/{given.client.pk}/revoke")
    revoked = browser.post(f"/api/v1/me/clients/{given.client.pk}/revoke")

    assert listed == [
        {
            "id": given.client.pk,
            "name": "City services mini-program",
            "kind": "partner_app",
            "contact_department": "330100-AMR",
            "scopes": ["openid", "profile"],
            "is_suspended": False,
        }
    ]
    assert refused.status_code == 404
    assert revoked.json() == {"tokens_revoked": 2}
    assert Client().get("/api/v1/me/clients").status_code == 401


def test_the_resident_sees_who_acted_for_them_and_can_end_it(
    agent: Any,  # noqa: F811
    divisions: dict[str, Division],
) -> None:
    resident = factories.citizen(divisions["village"])
    consent = services.record_agent_consent(
        agent, resident, method=ConsentMethod.ONE_TIME_CODE, evidence=b"challenge:1:abc"
    )
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(resident)

    page = browser.get(reverse("identity:security")).content.decode()
    browser.post(reverse("identity:withdraw-consent", args=[consent.pk]))

    assert "何建国" in page
    assert "Withdraw now" in page
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert not AgentConsent.objects.get(pk=consent.pk).is_valid
    assert browser.get("/api/v1/me/agent-consents").json()[0]["is_valid"] is False


def test_the_security_pages_need_sign_in() -> None:
    anonymous = Client()

    assert "/account/sign-in/" in anonymous.get(reverse("identity:security"))["Location"]
    assert anonymous.get("/api/v1/me/sessions").status_code == 401
