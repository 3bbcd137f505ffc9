"""Producers register themselves online, or a village agent registers them with their
recorded consent; cooperatives by their credit code; products are listed with the
certificates their category needs, issued as credentials; every refusal names its rule."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from onewindow.core.errors import DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.credentials import services as credentials
from onewindow.credentials.selectors import wallet
from onewindow.identity.models import Business, Department, User
from onewindow.ledger.models import LedgerEntry
from onewindow.rural import services
from onewindow.rural.models import Listing, Producer, RegisteredVia
from tests.identity.factories import citizen, resident_id
from tests.rural import factories

pytestmark = pytest.mark.django_db
CREDIT_CODE = "91330127MA2H3XYZ4W"


def test_a_resident_registers_their_household_online(
    farmer: User, divisions: dict[str, Division]
) -> None:
    producer = factories.producer(farmer, divisions["village"])

    assert producer.registered_via == RegisteredVia.ONLINE
    assert producer.resident == farmer
    assert producer.consent is None
    assert producer.land_mu == Decimal("6.5")
    assert LedgerEntry.objects.filter(
        event_type="rural.producer_registered", subject_ref=producer.ref
    ).exists()


def test_a_village_agent_registers_a_producer_only_with_their_recorded_consent(
    agent: User, farmer: User, divisions: dict[str, Division]
) -> None:
    declaration = services.ProducerDeclaration(
        kind="family_farm",
        name="何家农场",
        village=divisions["village"],
        land_mu="30",
        main_products="高山蔬菜",
    )
    with pytest.raises(PermissionDenied) as refused:
        services.register_producer(agent, declaration, resident=farmer)
    assert refused.value.code == "consent_missing"
    assert not Producer.objects.exists()

    factories.consent(agent, farmer)
    producer = services.register_producer(agent, declaration, resident=farmer)

    assert producer.registered_via == RegisteredVia.VILLAGE_AGENT
    assert producer.consent is not None
    assert producer.consent.resident == farmer
    assert producer.registered_by == agent


def test_a_cooperative_registers_with_its_credit_code_and_becomes_a_business(
    farmer: User, divisions: dict[str, Division]
) -> None:
    code = generate_credit_code(random.Random(3), division_code="330127")
    producer = factories.producer(
        farmer,
        divisions["village"],
        kind="cooperative",
        name="王阜茶叶专业合作社",
        credit_code=code,
    )

    business = Business.objects.get(credit_code=code)
    assert producer.business == business
    assert business.legal_representative == farmer


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"kind": "cooperative"}, "credit_code", "credit_code_required"),
        ({"credit_code": CREDIT_CODE}, "credit_code", "credit_code_invalid"),
        ({"land_mu": "-1"}, "land_mu", "land_invalid"),
        ({"land_mu": "many"}, "land_mu", "land_invalid"),
        ({"name": "  "}, "name", "name_invalid"),
        ({"kind": "factory"}, "kind", "kind_invalid"),
        ({"workers": 0}, "workers", "workers_invalid"),
        ({"village": None}, "village", "village_required"),
    ],
)
def test_a_declaration_that_breaks_a_rule_names_it_and_registers_nothing(
    farmer: User, divisions: dict[str, Division], changes: dict[str, object], field: str, code: str
) -> None:
    village = changes.pop("village", divisions["village"])
    with pytest.raises(DomainError) as refused:
        factories.producer(farmer, village, **changes)  # type: ignore[arg-type]

    assert (refused.value.field, refused.value.code) == (field, code)
    assert not Producer.objects.exists()
    assert not Business.objects.exists()


def test_an_urban_community_is_not_a_rural_village(divisions: dict[str, Division]) -> None:
    townsman = citizen(divisions["community"], id_number=resident_id())
    with pytest.raises(DomainError) as refused:
        factories.producer(townsman, divisions["community"])
    assert refused.value.code == "village_not_rural"


def test_an_edible_product_is_listed_with_its_compliance_certificate_issued_as_a_credential(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    producer = factories.producer(farmer, divisions["village"])

    listing = factories.listing(
        farmer, producer, certificates=("produce_compliance", "organic_food")
    )

    certificates = {credential.kind: credential for credential in listing.certificates.all()}
    assert set(certificates) == {"produce_compliance", "organic_food"}
    compliance = certificates["produce_compliance"]
    assert compliance.issuer == agriculture
    assert compliance.holder == farmer
    subject = credentials.subject_of(compliance)
    assert subject["listingRef"] == listing.ref
    assert subject["productName"] == "千岛湖高山茶"
    assert listing.quantity_available == listing.quantity_listed == 100
    assert listing.feed_position > 0


def test_a_listing_without_the_certificate_its_category_requires_is_refused(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    producer = factories.producer(farmer, divisions["village"])

    with pytest.raises(DomainError) as refused:
        factories.listing(farmer, producer, certificates=())

    assert (refused.value.field, refused.value.code) == ("certificates", "certificate_required")
    assert "承诺达标合格证" in str(refused.value)
    assert not Listing.objects.exists()
    # Handicrafts are not edible: no certificate needed.
    craft = factories.listing(
        farmer, producer, product="竹编篮", category="handicraft", unit="piece", certificates=()
    )
    assert not craft.certificates.exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"price_fen": 12.5}, "price_fen", "price_not_in_fen"),
        ({"price_fen": "128.00"}, "price_fen", "price_not_in_fen"),
        ({"price_fen": 0}, "price_fen", "price_not_in_fen"),
        ({"unit": "catty"}, "unit", "unit_invalid"),
        ({"quantity": 0}, "quantity", "quantity_invalid"),
        ({"category": "jewellery"}, "category", "category_invalid"),
        (
            {"harvest_date": date.today() + timedelta(days=400)},
            "harvest_date",
            "harvest_date_invalid",
        ),
        (
            {"certificates": ("produce_compliance", "nobel_prize")},
            "certificates",
            "certificate_unknown",
        ),
    ],
)
def test_a_listing_that_breaks_a_rule_names_it_and_lists_nothing(
    agriculture: Department,
    farmer: User,
    divisions: dict[str, Division],
    changes: dict[str, object],
    field: str,
    code: str,
) -> None:
    producer = factories.producer(farmer, divisions["village"])

    with pytest.raises(DomainError) as refused:
        factories.listing(farmer, producer, **changes)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert not Listing.objects.exists()


def test_only_the_producer_or_a_consented_agent_lists_for_them(
    agriculture: Department, agent: User, farmer: User, divisions: dict[str, Division]
) -> None:
    producer = factories.producer(farmer, divisions["village"])
    neighbour = citizen(divisions["village"], id_number=resident_id(division_code="330127"))

    with pytest.raises(PermissionDenied):
        factories.listing(neighbour, producer)
    with pytest.raises(PermissionDenied):
        factories.listing(agent, producer)
    factories.consent(agent, farmer)
    assert factories.listing(agent, producer).listed_by == agent


def test_an_agent_without_a_resident_names_an_unknown_producer(
    agent: User, divisions: dict[str, Division]
) -> None:
    declaration = services.ProducerDeclaration(
        kind="household", name="某户", village=divisions["village"], land_mu="1", main_products="笋"
    )
    with pytest.raises(NotFound) as refused:
        services.register_producer(agent, declaration)
    assert refused.value.code == "unknown_producer"


def test_a_cooperatives_certificates_are_held_by_its_business(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    code = generate_credit_code(random.Random(5), division_code="330127")
    cooperative = factories.producer(
        farmer, divisions["village"], kind="cooperative", name="茶叶合作社", credit_code=code
    )

    listing = factories.listing(farmer, cooperative)
    with pytest.raises(DomainError) as both:
        credentials.issue_credential(
            kind="produce_compliance",
            issuer=agriculture,
            holder=farmer,
            business=cooperative.business,
            case_ref="rural-both",
            subject=credentials.subject_of(listing.certificates.get()),
        )

    certificate = listing.certificates.get()
    assert certificate.business == cooperative.business
    assert certificate.holder is None
    assert certificate in wallet(farmer)  # the legal representative's wallet, business part
    assert both.value.field == "holder"
