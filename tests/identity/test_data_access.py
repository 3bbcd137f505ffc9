"""One record of who read a person's data: five ways of reading it, one page and one API that
show the same accesses, each with its entry in the public ledger."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.applications import services as applications
from onewindow.core.errors import NotFound
from onewindow.core.models import Division
from onewindow.exchange import services as exchange
from onewindow.exchange.models import DataService
from onewindow.exchange.seed import seed_data_services
from onewindow.grievances import services as grievances
from onewindow.identity import selectors
from onewindow.identity.models import AccessKind, Role, User
from onewindow.identity.oidc import provider as oidc
from onewindow.ledger.models import LedgerEntry
from tests.applications import factories as application_factories
from tests.grievances import factories as grievance_factories
from tests.identity.factories import citizen, resident_id
from tests.identity.factories import officer as platform_officer
from tests.identity.oidc_helpers import token_for

pytestmark = pytest.mark.django_db

HOUSEHOLD = "public_security.household_registration"
PURPOSE = "330000-CA-HY-001"


def _read_five_ways(divisions: dict[str, Division]) -> tuple[User, str]:
    """The person's data read once in each way; returns them and a token a partner app holds
    for their "who read my data" (the release of the ID number is the fourth access)."""
    world = grievance_factories.world(divisions)
    departments = world.departments
    number = resident_id()
    person = citizen(divisions["community"], id_number=number)

    # An officer opens the materials of their application.
    versions = application_factories.catalogue()
    application = application_factories.file(
        person, versions[application_factories.BIRTH], application_factories.BIRTH_FORM
    )
    step = application.steps.get()
    reviewer = application_factories.officer(step.department, username="reviewer-a")
    applications.record_material_view(reviewer, application, purpose=f"step:{step.key}")

    # A hotline officer reads their contact details on a case they reported.
    case = grievance_factories.online(person, divisions["community"])
    grievances.read_contacts(world.dispatcher, case, purpose="回访核实")

    # A department fetches their household record through the exchange.
    seed_data_services()
    service = DataService.objects.get(code=HOUSEHOLD)
    exchange.load_records(service, [(number, {"name": "王小明", "household_division": "330106"})])
    consumer = departments["330106-civil_affairs"]
    clerk = application_factories.officer(consumer, username="civil-clerk")
    grant = exchange.request_grant(clerk, service, purpose=PURPOSE, fields=["name"])
    exchange.approve_grant(
        application_factories.officer(service.provider, "data_steward", username="steward"),
        grant,
        fields=["name"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    exchange.call(
        consumer, HOUSEHOLD, subject=number, purpose=PURPOSE, case_ref="C-1", actor=clerk.username
    )

    # A window clerk looks them up at a service hall.
    hall_clerk = application_factories.officer(
        departments["330106-market_supervision"], Role.WINDOW_CLERK, username="hall-clerk"
    )
    applications.begin_hall_filing(hall_clerk, resident_id_number=number)

    # A partner app receives their full ID number in an ID token (the real OIDC flow).
    admin = platform_officer(world.hotline, roles=("platform_admin",), username="admin")
    client, secret = oidc.register_client(
        admin,
        name="City services mini-program",
        kind="partner_app",
        contact_department=world.hotline,
        redirect_uris=("https://partner.example/callback",),
        post_logout_redirect_uris=(),
        allowed_scopes=("profile", "id_number", "my-data:read"),
        lawful_basis="Social Insurance Law, art. 58",
        is_confidential=True,
    )
    tokens = token_for(person, client, secret, "openid profile id_number my-data:read")
    return person, tokens["access_token"]


def test_page_and_api_show_the_same_five_accesses_each_in_the_ledger(
    divisions: dict[str, Division],
) -> None:
    person, token = _read_five_ways(divisions)

    accesses = selectors.accesses_about(person)
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(person)
    html = page.get("/my-data/").content.decode()
    api = Client().get("/api/v1/my-data/accesses", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert {access.kind for access in accesses} == set(AccessKind)
    assert len(accesses) == len(AccessKind)
    assert api.status_code == 200
    listed = api.json()
    assert [item["id"] for item in listed] == [access.pk for access in accesses]
    assert [item["ledger_index"] for item in listed] == [a.ledger_index for a in accesses]
    rows = re.findall(r'<tr class="ow-access ow-access--(\w+)">(.*?)</tr>', html, re.S)
    assert [kind for kind, _row in rows] == [access.kind for access in accesses]
    for (_kind, row), access in zip(rows, accesses, strict=True):
        assert f"?index={access.ledger_index}" in row
        assert str(AccessKind(access.kind).label) in row
    indexes = [access.ledger_index for access in accesses]
    assert None not in indexes
    assert LedgerEntry.objects.filter(index__in=indexes).count() == len(set(indexes))
    assert all(item["ledger_url"].endswith(f"?index={item['ledger_index']}") for item in listed)


def test_no_one_else_sees_the_accesses(divisions: dict[str, Division]) -> None:
    person, _token = _read_five_ways(divisions)
    stranger = citizen(divisions["community"])

    assert selectors.accesses_about(stranger) == []
    mine = selectors.accesses_about(person)[0]
    with pytest.raises(NotFound):
        selectors.access_about(stranger, mine.pk)
    assert selectors.access_about(person, mine.pk) == mine
