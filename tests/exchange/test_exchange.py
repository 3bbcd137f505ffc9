"""Signed exchange between departments: grants, minimisation, replay and tamper refusal."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypedDict

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.core.errors import DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.exchange import services, signing
from onewindow.exchange.models import AccessGrant, DataService, ExchangeMessage, MessageStatus
from onewindow.exchange.seed import seed_data_services
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.models import Department, User
from onewindow.ledger.models import LedgerEntry
from tests.applications import factories
from tests.identity.factories import citizen, resident_id

pytestmark = pytest.mark.django_db

HOUSEHOLD = "public_security.household_registration"


class World(TypedDict):
    service: DataService
    steward: User
    consumer: Department
    requester: User
    number: str
    person: User
    departments: dict[str, Department]


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    departments = factories.departments(divisions)
    seed_data_services()
    service = DataService.objects.get(code=HOUSEHOLD)
    steward = factories.officer(service.provider, "data_steward")
    consumer = departments["330106-civil_affairs"]
    requester = factories.officer(consumer)
    number = resident_id()
    person = citizen(divisions["community"], id_number=number)
    services.load_records(
        service,
        [
            (
                number,
                {
                    "name": "王小明",
                    "sex": "male",
                    "birth_date": "1985-06-15",
                    "household_division": "330106001001",
                    "household_head": "王大明",
                },
            )
        ],
    )
    return {
        "service": service,
        "steward": steward,
        "consumer": consumer,
        "requester": requester,
        "number": number,
        "person": person,
        "departments": departments,
    }


def _granted(
    world: World, fields: Sequence[str] = ("name", "household_division"), days: int = 30
) -> AccessGrant:
    grant = services.request_grant(
        world["requester"],
        world["service"],
        purpose="marriage_registration",
        fields=["name", "sex", "household_division"],
    )
    return services.approve_grant(
        world["steward"],
        grant,
        fields=list(fields),
        expires_at=timezone.now() + timedelta(days=days),
    )


def _call(world: World, subject: str | None = None) -> dict[str, Any]:
    return services.call(
        world["consumer"],
        HOUSEHOLD,
        subject=subject or world["number"],
        purpose="marriage_registration",
        case_ref="330106-20261124-000001",
        actor="clerk",
    )


def test_only_granted_fields_leave_the_provider_and_the_call_is_logged(world: World) -> None:
    _granted(world)

    answer = _call(world)

    assert answer["found"] is True
    assert answer["data"] == {"name": "王小明", "household_division": "330106001001"}
    message = ExchangeMessage.objects.get()
    assert message.status == MessageStatus.ANSWERED
    assert message.subject_user == world["person"]
    assert message.case_ref == "330106-20261124-000001"
    assert world["number"] not in message.request_encrypted  # encrypted at rest
    assert message.ledger_index is not None
    assert LedgerEntry.objects.filter(
        index=message.ledger_index, event_type="data.exchange"
    ).exists()


def test_no_grant_expired_grant_and_revoked_grant_are_refused_naming_the_rule(world: World) -> None:
    with pytest.raises(PermissionDenied, match="No grant"):
        _call(world)
    grant = _granted(world)
    grant.expires_at = timezone.now() - timedelta(seconds=1)
    grant.save()
    with pytest.raises(PermissionDenied, match="expired"):
        _call(world)
    grant.expires_at = timezone.now() + timedelta(days=1)
    grant.save()
    _call(world)
    services.revoke_grant(world["steward"], grant)
    with pytest.raises(PermissionDenied, match="revoked"):
        _call(world)
    statuses = list(
        ExchangeMessage.objects.order_by("created_at", "pk").values_list("status", flat=True)
    )
    assert statuses == ["refused", "refused", "answered", "refused"]


def test_only_the_providers_steward_approves_and_only_requested_fields(world: World) -> None:
    grant = services.request_grant(
        world["requester"], world["service"], purpose="x", fields=["name"]
    )
    with pytest.raises(PermissionDenied):
        services.approve_grant(
            world["requester"],
            grant,
            fields=["name"],
            expires_at=timezone.now() + timedelta(days=1),
        )
    with pytest.raises(DomainError):
        services.approve_grant(
            world["steward"],
            grant,
            fields=["name", "household_head"],
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_an_unknown_subject_answers_not_found_without_a_record_of_who(world: World) -> None:
    _granted(world)
    answer = _call(world, subject=resident_id(division_code="330127"))
    assert answer == {**answer, "found": False, "data": {}}
    assert ExchangeMessage.objects.get().status == MessageStatus.NOT_FOUND


def test_replayed_and_tampered_requests_are_refused_and_logged(world: World) -> None:
    _granted(world)
    client = Client()
    url = f"/exchange/v1/{world['service'].provider.code}/{HOUSEHOLD}"
    token = services.build_request(
        world["consumer"],
        world["service"],
        subject=world["number"],
        purpose="marriage_registration",
        actor="clerk",
    )

    first = client.post(url, token, content_type="application/jose")
    replay = client.post(url, token, content_type="application/jose")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["purpose"] = "something_else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tampered = client.post(url, f"{header}.{forged}.{signature}", content_type="application/jose")

    assert first.status_code == 200
    assert first["Content-Type"] == "application/jose"
    key, answer = signing.verify(first.content.decode())
    assert key.department == world["service"].provider
    assert answer["data"]["name"] == "王小明"
    assert replay.status_code == 409
    assert tampered.status_code == 401
    assert tampered["Content-Type"] == "application/problem+json"
    assert list(ExchangeMessage.objects.order_by("pk").values_list("status", flat=True)) == [
        "answered",
        "refused",
        "refused",
    ]


def test_stale_requests_are_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _granted(world)
    later = timezone.now() + timedelta(minutes=6)
    token = services.build_request(
        world["consumer"],
        world["service"],
        subject=world["number"],
        purpose="marriage_registration",
    )
    monkeypatch.setattr(timezone, "now", lambda: later)
    result = services.answer(world["service"], token)
    assert result.status == 401
    assert "stale" in str(result.problem)


def test_rotated_keys_keep_verifying_for_a_grace_period_and_are_published(world: World) -> None:
    _granted(world)
    token = services.build_request(
        world["consumer"],
        world["service"],
        subject=world["number"],
        purpose="marriage_registration",
    )
    old = signing.active_key(world["consumer"])
    new = signing.rotate_key(world["consumer"])
    assert services.answer(world["service"], token).status == 200
    published = {key["kid"] for key in Client().get("/exchange/v1/jwks.json").json()["keys"]}
    assert {old.kid, new.kid} <= published
    assert all("d" not in key for key in Client().get("/exchange/v1/jwks.json").json()["keys"])


def test_the_citizen_sees_who_read_their_data_and_why(world: World) -> None:
    _granted(world)
    _call(world)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world["person"])

    page = client.get("/my-data/").content.decode()

    assert "Household registration lookup" in page
    assert "marriage_registration" in page
    assert "330106-20261124-000001" in page
    assert world["consumer"].name_en in page
    stranger = Client()
    stranger.force_login(citizen(world["person"].division))
    assert "Household registration lookup" not in stranger.get("/my-data/").content.decode()
    access = ExchangeMessage.objects.get().access
    assert access is not None
    access.disclose_after = timezone.now() + timedelta(days=90)  # as a secrecy order sets it
    access.save()
    assert "Household registration lookup" not in client.get("/my-data/").content.decode()


def test_a_secrecy_order_hides_the_access_until_its_disclosure_date(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:

    grant = _granted(world)
    later = timezone.now() + timedelta(days=30)
    with pytest.raises(PermissionDenied, match="secrecy order"):
        services.call(
            world["consumer"],
            HOUSEHOLD,
            subject=world["number"],
            purpose="marriage_registration",
            secret_until=later,
        )
    grant.allows_secrecy = True
    grant.save()
    with pytest.raises(PermissionDenied, match="within two years"):
        services.call(
            world["consumer"],
            HOUSEHOLD,
            subject=world["number"],
            purpose="marriage_registration",
            secret_until=timezone.now() + timedelta(days=800),
        )

    answered = services.call(
        world["consumer"],
        HOUSEHOLD,
        subject=world["number"],
        purpose="marriage_registration",
        case_ref="investigation-2026-17",
        secret_until=later,
    )

    assert answered["found"] is True
    assert not identity_selectors.accesses_about(world["person"])
    monkeypatch.setattr(timezone, "now", lambda: later + timedelta(seconds=1))
    [shown] = identity_selectors.accesses_about(world["person"])
    assert shown.case_ref == "investigation-2026-17"
