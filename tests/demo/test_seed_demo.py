from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core import personal_data
from onewindow.core.divisions import Level, UrbanRural
from onewindow.core.models import Division
from onewindow.core.validators import validate_credit_code, validate_resident_id
from onewindow.identity.models import ID_NUMBER_CONTEXT, Business, Department, Role, User, UserKind

# db_agnostic: the demo city is seeded on SQLite (`make demo`); every service the seed calls
# is tested on both engines in its own tests, so CI seeds it once.
pytestmark = [pytest.mark.django_db, pytest.mark.db_agnostic]


def seed(seed: int = 2026) -> str:
    out = StringIO()
    call_command("seed_demo", "--seed", str(seed), "--applications", "80", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """The demo city seeded once for this module (seeding takes tens of seconds): inside an
    outer transaction rolled back at the end, so each test's own transaction is a savepoint
    and the rest of the suite never sees the demo."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def test_demo_city_has_what_the_issue_asks_for(seeded: str) -> None:
    output = seeded

    counties = Division.objects.filter(level=Level.COUNTY)
    villages = Division.objects.filter(level=Level.VILLAGE)
    assert counties.count() >= 4
    assert {UrbanRural.is_urban(v.urban_rural) for v in villages} == {True, False}
    assert Department.objects.count() >= 25
    assert {Role(r) for r in Role.values} == {
        Role(role)
        for role in User.objects.filter(kind=UserKind.OFFICER).values_list("roles__role", flat=True)
    }
    citizens = User.objects.filter(kind=UserKind.CITIZEN)
    assert citizens.count() >= 1000
    assert citizens.filter(birth_year__lte=2026 - 66).count() > 100
    assert Business.objects.count() >= 100
    assert "OneWindow-demo-2026" in output
    # The citizen hotline has cases in several states, a repeat to merge and a mediation.
    from onewindow.grievances.models import Case, Dispute, MergeProposal

    states = set(Case.objects.values_list("status", flat=True))
    assert Case.objects.count() >= 40
    assert {"answered", "closed", "assigned"} <= states
    assert MergeProposal.objects.exists()
    assert Dispute.objects.filter(status="agreed").exists()
    assert "client_id demo-city-services-app" in output
    # City operations: twenty sensors, events of the day in every state, generated outlines.
    from onewindow.cityops.models import Boundary, Event, EventState, Sensor

    assert Sensor.objects.count() == 20
    assert set(Event.objects.values_list("state", flat=True)) == set(EventState.values)
    assert Boundary.objects.filter(is_generated=True).count() >= 4
    assert "/city/" in output
    for username in (
        "resident-0001",
        "resident-0003",
        "village-agent",
        "clerk",
        "reviewer",
        "admin",
    ):
        assert username in output


def test_demo_identifiers_are_valid(seeded: str) -> None:

    for user in User.objects.filter(kind=UserKind.CITIZEN)[:200]:
        validate_resident_id(
            personal_data.decrypt(user.id_number_encrypted, context=ID_NUMBER_CONTEXT)
        )
    for business in Business.objects.all():
        validate_credit_code(business.credit_code)


def test_seeding_twice_changes_nothing_and_prints_the_same_secrets(seeded: str) -> None:
    first = seeded
    counts = (
        Division.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        Business.objects.count(),
    )

    second = seed()

    assert counts == (
        Division.objects.count(),
        Department.objects.count(),
        User.objects.count(),
        Business.objects.count(),
    )
    assert first == second


def test_demo_officers_sign_in_with_the_printed_totp_secret(seeded: str) -> None:
    output = seeded
    secret = next(line.split()[-1] for line in output.splitlines() if " reviewer " in line)

    device = TOTPDevice.objects.get(user__username="reviewer", confirmed=True)

    import base64

    assert base64.b32encode(device.bin_key).decode() == secret
    assert User.objects.get(username="reviewer").check_password("OneWindow-demo-2026")


def test_demo_applications_are_in_every_state_with_working_day_deadlines(seeded: str) -> None:
    from django.utils import timezone

    from onewindow.applications.models import Application, ApplicationStatus, Step
    from onewindow.applications.selectors import work_queue
    from onewindow.core import calendar

    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {
        ApplicationStatus.IN_PROGRESS,
        ApplicationStatus.APPROVED,
        ApplicationStatus.AWAITING_SUPPLEMENTS,
    }
    assert Application.objects.values("division__parent__parent").distinct().count() >= 2
    for step in Step.objects.all():
        assert calendar.is_working_day(timezone.localtime(step.due_at).date())
    assert all(a.submitted_at <= timezone.now() for a in Application.objects.all())
    reviewers = User.objects.filter(username__endswith="-reviewer")
    assert any(work_queue(reviewer) for reviewer in reviewers)
    assert set(Application.objects.values_list("channel", flat=True)) >= {"online", "hall"}


def test_demo_departments_publish_data_services_with_records_and_grants(seeded: str) -> None:
    from onewindow.applications.models import FetchedMaterial
    from onewindow.exchange import services as exchange
    from onewindow.exchange.models import AccessGrant, DataService
    from onewindow.identity.models import ID_NUMBER_CONTEXT

    assert DataService.objects.count() >= 4
    grant = AccessGrant.objects.get(
        purpose="330000-CA-HY-001",
        consumer__code="330106-CA",
        service__code="public_security.household_registration",
    )
    assert grant.status == "approved"
    assert grant.consumer is not None
    person = User.objects.get(username="resident-0001")
    answer = exchange.call(
        grant.consumer,
        "public_security.household_registration",
        subject=personal_data.decrypt(person.id_number_encrypted, context=ID_NUMBER_CONTEXT),
        purpose="330000-CA-HY-001",
    )
    assert answer["found"] is True
    assert set(answer["data"]) == {"name", "sex", "birth_date", "household_division"}
    # The demo's applications fetched their identity records instead of asking for them.
    assert FetchedMaterial.objects.filter(status="fetched").exists()


def test_demo_credit_profile_shows_a_penalty_and_a_licence_from_two_departments(
    seeded: str,
) -> None:
    from django.test import Client

    from onewindow.demo.credit import DEMO_CREDIT_CODE

    page = Client().get(f"/exchange/credit/{DEMO_CREDIT_CODE}/").content.decode()
    public = Client().get(f"/api/v1/credit/{DEMO_CREDIT_CODE}").json()
    assert "食品经营许可证" in page
    assert "杭应急罚" in page
    licence_from = {entry["reported_by"] for entry in public["licences"]}
    penalty_from = {entry["reported_by"] for entry in public["penalties"]}
    assert licence_from == {"330100-AMR"}
    assert "330100-EMERG" in penalty_from


def test_the_demo_clerk_has_paper_results_to_post_and_hand_over(seeded: str) -> None:
    from onewindow.applications import selectors
    from onewindow.applications.models import Delivery

    mine = Delivery.objects.filter(application__applicant__username="resident-0001")
    assert {(d.method, d.status) for d in mine} >= {
        ("post", "preparing"),
        ("post", "dispatched"),
        ("post", "delivered"),
        ("pickup", "ready_for_pickup"),
    }
    assert mine.exclude(tracking_number="").count() == 2
    clerk = User.objects.get(username="clerk")
    waiting = selectors.deliveries_for(clerk, view="to_dispatch")
    assert any(d.application.applicant.username == "resident-0001" for d in waiting)


def test_seeding_says_what_it_is_doing_on_stderr(seeded: str) -> None:
    out, err = StringIO(), StringIO()

    call_command("seed_demo", "--seed", "2026", "--applications", "80", stdout=out, stderr=err)

    phases = err.getvalue().splitlines()
    assert phases[0].startswith("Seeding the map")
    assert any(line.startswith("Seeding 80 applications in every state") for line in phases)
    assert all(line.startswith("Seeding ") and line.endswith(" s") for line in phases)
    assert "Seeding" not in out.getvalue()


def test_the_demo_has_a_typhoon_with_update_and_cancellation_and_a_water_notice(
    seeded: str,
) -> None:
    from lxml import etree

    from onewindow.alerts import cap, selectors
    from onewindow.alerts.models import Alert, AlertDelivery, MessageType

    typhoon = list(
        Alert.objects.filter(category="Met").order_by("sent_at").values_list("msg_type", flat=True)
    )
    assert typhoon == [MessageType.ALERT, MessageType.UPDATE, MessageType.CANCEL]
    [water] = Alert.objects.filter(category="Infra")
    assert water.is_current
    for alert in Alert.objects.all():
        cap.schema().assertValid(etree.fromstring(cap.to_xml(alert)))
        assert AlertDelivery.objects.filter(alert=alert).exists()
    agent = User.objects.get(username="village-agent")
    assert selectors.visits_for(agent).filter(alert=water).count() == 3
    assert "Public alerts:" in seeded


def test_the_demo_has_residents_with_green_yellow_and_red_health_codes(seeded: str) -> None:
    from onewindow.alerts import health_codes
    from onewindow.credentials import selectors, services
    from onewindow.credentials.models import Credential

    colours = {}
    for username in ("resident-0001", "resident-0004", "resident-0005"):
        code = health_codes.current_code(User.objects.get(username=username))
        assert code is not None
        assert selectors.check(services.qr_url(code)).verdict.is_valid
        colours[username] = services.subject_of(code)["colour"]
    assert colours == {"resident-0001": "green", "resident-0004": "yellow", "resident-0005": "red"}
    assert Credential.objects.filter(kind="health_code", status="revoked").count() == 2
    assert "Health codes: 3 residents" in seeded


def test_demo_city_publishes_open_data(seeded: str) -> None:
    from onewindow.transparency.models import BudgetLine, Dataset, Procurement, ProcurementStatus

    assert "Open data: 12 datasets" in seeded, seeded[-600:]
    assert "refused" not in seeded.split("Open data:")[1]
    assert Dataset.objects.filter(releases__isnull=False).distinct().count() == 12
    assert set(BudgetLine.objects.values_list("year", flat=True)) == {2025, 2026}
    assert Procurement.objects.count() == 30
    assert set(Procurement.objects.values_list("status", flat=True)) == set(
        ProcurementStatus.values
    )


def test_the_demo_has_a_published_field_study_and_one_in_the_field(seeded: str) -> None:
    from onewindow.insights.models import Response, Study, StudyStatus

    published = Study.objects.get(status=StudyStatus.PUBLISHED)
    fielding = Study.objects.get(status=StudyStatus.FIELDING)

    assert published.sample_size == 150
    assert (
        published.report["responses"]["total"] == Response.objects.filter(study=published).count()
    )
    assert published.report["responses"]["assisted"] > 0
    assert published.report["survey"]["reliability"]["ease"]["alpha"] is not None
    assert fielding.counties.count() == 1
    assert f"/insights/reports/{published.ref}/" in seeded


def test_the_demo_has_two_drawn_plans_with_results_and_a_penalty_on_a_credit_profile(
    seeded: str,
) -> None:
    from django.test import Client

    from onewindow.supervision.models import Penalty, Plan, PlanStatus

    plans = Plan.objects.filter(status=PlanStatus.DRAWN)
    penalty = Penalty.objects.get()
    profile = Client().get(f"/api/v1/credit/{penalty.business.credit_code}").json()
    food = plans.get(departments__code="330102-AMR", items__code="AMR-SP-CY-01", sample_size=6)
    page = Client().get(f"/supervision/plans/{food.ref}/").content.decode()

    assert plans.count() == 2
    assert penalty.decision_number in {entry["reference"] for entry in profile["penalties"]}
    assert food.inspections.filter(status="published").count() == 3
    assert penalty.inspection.ref in page
    assert "Random inspections: 2 plans drawn" in seeded


def test_the_demo_has_rural_producers_listings_and_a_season_of_partner_sales(seeded: str) -> None:
    from django.db.models import Sum

    from onewindow.insights import figures
    from onewindow.insights.indicators import INDICATORS
    from onewindow.rural.models import Listing, Partner, Producer, Sale, SaleChannel

    producers = Producer.objects.all()
    assert producers.count() == 40
    assert {p.village.code[:6] for p in producers.select_related("village")} == {"330127", "330182"}
    assert producers.filter(kind="cooperative", business__isnull=False).count() == 4
    assert Partner.objects.count() == 2
    sales = Sale.objects.all()
    assert set(sales.values_list("partner__name", flat=True)) == {"好农货", "村邮通", None}
    assert sales.filter(channel=SaleChannel.OFFLINE).exists()
    assert sales.filter(handed_over_at__isnull=False).exists()
    for listing in Listing.objects.exclude(category="handicraft"):
        assert listing.certificates.filter(kind="produce_compliance").exists()
    for listing in Listing.objects.all():  # stock is what was listed less what was sold
        sold = listing.sales.aggregate(total=Sum("quantity"))["total"] or 0
        assert listing.quantity_available == listing.quantity_listed - sold
    assert "/api/v1/rural/feed" in seeded
    assert "demo-haonong." in seeded
    computed = figures.compute(
        *(datetime_at(2026, 9), datetime_at(2026, 12)),
    )
    online = INDICATORS["rural-online-sales"]
    county = Division.objects.get(code="330127")
    assert (computed.value(online, computed.total(online, within=county)) or 0) > 0


def datetime_at(year: int, month: int) -> Any:
    from datetime import datetime

    from onewindow.core.calendar import SHANGHAI

    return datetime(year, month, 1, tzinfo=SHANGHAI)
