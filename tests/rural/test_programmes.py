"""Support programmes: the subsidy and the training are catalogue items filed through the
applications workflow; eligibility comes from the producer's records, shown on the producer
page rule by rule, and checked on filing (a producer short of a rule is refused, naming it)."""

from __future__ import annotations

import random

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from onewindow.applications import services as applications
from onewindow.applications.models import Application
from onewindow.catalog import selectors as catalog
from onewindow.catalog.form_schema import Filer
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.identity.models import Department, User
from onewindow.rural import programmes, services
from onewindow.rural.services import PartnerOrder
from tests.identity.factories import citizen, resident_id
from tests.rural import factories

pytestmark = pytest.mark.django_db


def _apply(farmer: User, code: str, producer_ref: str, key: str) -> Application:
    return applications.submit_application(
        farmer,
        catalog.current_version(code),
        {"producer": producer_ref, "plan": "冷库和直播设备"},
        idempotency_key=key,
        delivery="electronic",
    )


def test_eligibility_follows_the_producers_records_and_is_checked_on_filing(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    assert programmes.publish_programmes() == 2
    assert programmes.publish_programmes() == 0  # the same guides: nothing new
    producer = factories.producer(farmer, divisions["village"])
    listing = factories.listing(farmer, producer, quantity=100, price_fen=12_800)

    before = {
        str(rule.text): rule.is_met for rule in programmes.eligibility(producer, programmes.SUBSIDY)
    }
    with pytest.raises(DomainError) as refused:
        _apply(farmer, programmes.SUBSIDY, producer.ref, "s1")

    assert before["An open listing with a valid compliance certificate"] is True
    assert not all(before.values())
    assert "Online sales of at least 1,000 yuan" in str(refused.value.params["errors"]["producer"])
    assert not Application.objects.exists()
    training = _apply(farmer, programmes.TRAINING, producer.ref, "t1")
    assert training.item_version.item.code == programmes.TRAINING

    partner, _key = factories.partner()
    services.report_order(partner, PartnerOrder("HN-1", listing.ref, 8, "jin", 12_800))
    assert all(rule.is_met for rule in programmes.eligibility(producer, programmes.SUBSIDY))
    subsidy = _apply(farmer, programmes.SUBSIDY, producer.ref, "s2")
    assert subsidy.form_data["producer"] == producer.ref
    assert subsidy.steps.exists()  # in the workflow, at the agriculture bureau


def test_an_unknown_producer_reference_is_refused(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    programmes.publish_programmes()
    with pytest.raises(DomainError) as refused:
        _apply(farmer, programmes.TRAINING, "PNOSUCH", "t1")
    assert "Unknown producer" in str(refused.value.params["errors"]["producer"])


def test_the_producer_page_shows_each_rule_and_where_to_apply(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    programmes.publish_programmes()
    producer = factories.producer(farmer, divisions["village"])
    factories.listing(farmer, producer)
    own = Client()
    own.force_login(farmer)

    page = own.get(
        reverse("rural:producer", args=[producer.ref]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    public = Client().get(reverse("rural:producer", args=[producer.ref])).content.decode()

    assert "Rural e-commerce skills training" in page
    assert "Not met: Online sales of at least 1,000 yuan" in page
    assert reverse("applications:new", args=[programmes.TRAINING]) in page
    assert reverse("applications:new", args=[programmes.SUBSIDY]) not in page  # not yet
    assert producer.ref in page
    assert "data-programme" not in public  # sales figures are the producer's own


def test_only_whoever_may_act_for_the_producer_applies_for_it(
    agriculture: Department, farmer: User, agent: User, divisions: dict[str, Division]
) -> None:
    programmes.publish_programmes()
    producer = factories.producer(farmer, divisions["village"])
    neighbour = citizen(divisions["village"], id_number=resident_id(division_code="330127"))
    factories.consent(agent, neighbour)  # the agent may file for the neighbour, not the farmer
    version = catalog.current_version(programmes.TRAINING)
    form = {"producer": producer.ref, "plan": "直播带货"}

    with pytest.raises(DomainError) as own_name, translation.override("zh-hans"):
        _apply(neighbour, programmes.TRAINING, producer.ref, "n1")
    with pytest.raises(DomainError) as through_agent:
        applications.submit_application(
            neighbour, version, form, idempotency_key="n2", delivery="electronic", filed_by=agent
        )
    with pytest.raises(DomainError) as as_agent:
        _apply(agent, programmes.TRAINING, producer.ref, "a1")
    factories.consent(agent, farmer)
    for_the_farmer = applications.submit_application(
        farmer, version, form, idempotency_key="f1", delivery="electronic", filed_by=agent
    )
    as_consented_agent = programmes.may_apply_for(Filer(agent, agent), producer)

    assert "经营主体编号" in own_name.value.params["errors"]["producer"]
    for refused in (through_agent, as_agent):
        assert str(refused.value.params["errors"]["producer"]).startswith("Producer reference:")
    assert list(Application.objects.all()) == [for_the_farmer]  # nothing else written
    assert for_the_farmer.applicant == farmer
    assert as_consented_agent


def test_a_cooperatives_business_applies_for_it_and_no_other(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    programmes.publish_programmes()
    code = generate_credit_code(random.Random(3), division_code="330127")
    cooperative = factories.producer(
        farmer, divisions["village"], kind="cooperative", credit_code=code
    )
    household = factories.producer(farmer, divisions["village"], name="王家")
    assert cooperative.business is not None

    from_the_business = programmes.may_apply_for(
        Filer(farmer, farmer, cooperative.business), cooperative
    )
    for_another_producer = programmes.may_apply_for(
        Filer(farmer, farmer, cooperative.business), household
    )

    assert from_the_business
    assert not for_another_producer
