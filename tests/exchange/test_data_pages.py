"""Data sharing as people use it: stewards decide grants on pages and over the API, auditors
browse the message log, and a person reports a suspected misuse that a supervisor decides."""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.exchange import services
from onewindow.exchange.models import (
    AccessGrant,
    DataService,
    GrantStatus,
    MisuseReport,
    MisuseStatus,
)
from onewindow.exchange.seed import seed_data_services
from onewindow.identity import selectors as identity_selectors
from onewindow.identity.models import Department, User
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Message
from tests.applications import factories
from tests.identity.factories import citizen, resident_id
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db

HOUSEHOLD = "public_security.household_registration"
PURPOSE = "330000-CA-HY-001"


class World(TypedDict):
    service: DataService
    consumer: Department
    steward: User
    clerk: User
    supervisor: User
    person: User
    number: str


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    departments = factories.departments(divisions)
    seed_data_services()
    service = DataService.objects.get(code=HOUSEHOLD)
    consumer = departments["330106-civil_affairs"]
    number = resident_id()
    person = citizen(divisions["community"], id_number=number)
    services.load_records(service, [(number, {"name": "王小明", "household_division": "330106"})])
    return {
        "service": service,
        "consumer": consumer,
        "steward": factories.officer(service.provider, "data_steward"),
        "clerk": factories.officer(consumer),
        "supervisor": factories.officer(consumer, "supervisor"),
        "person": person,
        "number": number,
    }


def _approved(world: World) -> AccessGrant:
    grant = services.request_grant(
        world["clerk"], world["service"], purpose=PURPOSE, fields=["name", "household_division"]
    )
    return services.approve_grant(
        world["steward"],
        grant,
        fields=["name", "household_division"],
        expires_at=timezone.now() + timedelta(days=30),
    )


def _read(world: World) -> None:
    services.call(
        world["consumer"],
        HOUSEHOLD,
        subject=world["number"],
        purpose=PURPOSE,
        case_ref="330106-20261124-000007",
        actor=world["clerk"].username,
    )


def test_an_officer_asks_and_the_providers_steward_grants_fewer_fields_on_pages(
    world: World,
) -> None:
    clerk = verified_client(world["clerk"])
    asked = clerk.post(
        reverse("data:request-grant", args=[HOUSEHOLD]),
        {"purpose": PURPOSE, "field_names": ["name", "sex", "household_division"]},
    )
    assert asked.status_code == 302
    grant = AccessGrant.objects.get()
    assert grant.status == GrantStatus.REQUESTED

    assert clerk.get(reverse("data:grant", args=[grant.pk])).status_code == 403
    steward = verified_client(world["steward"])
    listing = steward.get(reverse("data:sharing"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Requests for our data" in listing
    assert world["consumer"].name_en in listing

    no_date = steward.post(
        reverse("data:grant", args=[grant.pk]),
        {"action": "approve", "field_names": ["name"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Choose until when the grant holds" in no_date.content.decode()
    approved = steward.post(
        reverse("data:grant", args=[grant.pk]),
        {
            "action": "approve",
            "field_names": ["name", "household_division"],
            "expires_on": (timezone.now() + timedelta(days=90)).date().isoformat(),
        },
    )
    assert approved.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.fields) == (GrantStatus.APPROVED, ["household_division", "name"])

    steward.post(reverse("data:grant", args=[grant.pk]), {"action": "revoke"})
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED


def test_a_refusal_needs_a_reason_and_is_shown_to_the_asking_department(world: World) -> None:
    grant = services.request_grant(world["clerk"], world["service"], purpose="x", fields=["name"])
    steward = verified_client(world["steward"])
    silent = steward.post(reverse("data:grant", args=[grant.pk]), {"action": "refuse"})
    assert silent.status_code == 200
    steward.post(
        reverse("data:grant", args=[grant.pk]),
        {"action": "refuse", "reason": "No legal basis for this purpose."},
    )
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REFUSED
    page = verified_client(world["clerk"]).get(reverse("data:sharing")).content.decode()
    assert "No legal basis for this purpose." in page
    assert LedgerEntry.objects.filter(event_type="exchange.grant_refused").exists()


def test_the_message_log_is_for_the_departments_stewards_and_supervisors(world: World) -> None:
    _approved(world)
    _read(world)
    log = verified_client(world["supervisor"]).get(reverse("data:log"), HTTP_ACCEPT_LANGUAGE="en")
    assert log.status_code == 200
    assert "330106-20261124-000007" in log.content.decode()
    provider_log = verified_client(world["steward"]).get(reverse("data:log"))
    assert "330106-20261124-000007" in provider_log.content.decode()
    assert verified_client(world["clerk"]).get(reverse("data:log")).status_code == 403


def test_a_person_reports_a_misuse_and_the_supervisor_decides_it(world: World) -> None:
    _approved(world)
    _read(world)
    person = Client()
    person.force_login(world["person"])
    tracker = person.get(reverse("web:who-read-my-data"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Report a suspected misuse" in tracker.content.decode()
    [message] = identity_selectors.accesses_about(world["person"])

    too_short = person.post(reverse("data:report", args=[message.pk]), {"reason": "why"})
    assert too_short.status_code == 200
    assert not MisuseReport.objects.exists()
    sent = person.post(
        reverse("data:report", args=[message.pk]),
        {"reason": "I have not applied for anything with civil affairs."},
    )
    assert sent.status_code == 302
    report = MisuseReport.objects.get()
    assert report.department == world["consumer"]
    assert Message.objects.filter(recipient=world["supervisor"], event="misuse_reported").exists()
    again = person.post(
        reverse("data:report", args=[message.pk]),
        {"reason": "I have not applied for anything with civil affairs."},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "already reported" in again.content.decode()

    stranger = Client()
    stranger.force_login(citizen())
    assert stranger.get(reverse("data:report", args=[message.pk])).status_code == 404
    assert verified_client(world["clerk"]).get(reverse("data:misuse-cases")).status_code == 403

    supervisor = verified_client(world["supervisor"])
    assert report.case in supervisor.get(reverse("data:misuse-cases")).content.decode()
    supervisor.post(
        reverse("data:misuse-case", args=[report.case]),
        {"outcome": "upheld", "finding": "The clerk looked without a case; warned in writing."},
    )
    report.refresh_from_db()
    assert report.status == MisuseStatus.UPHELD
    assert Message.objects.filter(recipient=world["person"], event="misuse_decided").exists()
    assert LedgerEntry.objects.filter(event_type="exchange.misuse_decided").exists()
    shown = person.get(reverse("web:who-read-my-data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert report.case in shown
    assert "warned in writing" in shown


def test_the_api_requests_decides_and_reports(world: World) -> None:
    clerk = verified_client(world["clerk"])
    asked = clerk.post(
        "/api/v1/grants",
        {"service": HOUSEHOLD, "purpose": PURPOSE, "fields": ["name", "household_division"]},
        content_type="application/json",
    )
    assert asked.status_code == 201
    grant_id = asked.json()["id"]

    forbidden = clerk.post(
        f"/api/v1/grants/{grant_id}/approve",
        {"fields": ["name"], "expires_at": (timezone.now() + timedelta(days=9)).isoformat()},
        content_type="application/json",
    )
    assert forbidden.status_code == 404  # not a request for the clerk's department's data
    steward = verified_client(world["steward"])
    outside = steward.post(
        f"/api/v1/grants/{grant_id}/approve",
        {"fields": ["name", "sex"], "expires_at": (timezone.now() + timedelta(days=9)).isoformat()},
        content_type="application/json",
    )
    assert outside.status_code == 400
    assert outside["Content-Type"] == "application/problem+json"
    assert outside.json()["errors"][0]["field"] == "fields"
    approved = steward.post(
        f"/api/v1/grants/{grant_id}/approve",
        {"fields": ["name"], "expires_at": (timezone.now() + timedelta(days=9)).isoformat()},
        content_type="application/json",
    )
    assert approved.json()["status"] == "approved"
    assert [g["id"] for g in clerk.get("/api/v1/grants").json()] == [grant_id]

    _read(world)
    person = Client()
    person.force_login(world["person"])
    [access] = person.get("/api/v1/my-data/accesses").json()
    assert (access["department"], access["purpose"]) == (world["consumer"].code, PURPOSE)
    assert person.get("/api/v1/grants").status_code == 403
    reported = person.post(
        f"/api/v1/my-data/accesses/{access['id']}/report",
        {"reason": "Nobody told me about this lookup."},
        content_type="application/json",
    )
    assert reported.status_code == 201
    case = reported.json()["case"]
    decided = verified_client(world["supervisor"]).post(
        f"/api/v1/misuse-cases/{case}/decide",
        {"upheld": False, "finding": "It was for the marriage the person registered."},
        content_type="application/json",
    )
    assert decided.json()["status"] == "dismissed"
