"""The rural pages as people use them: a village agent registers a resident's farm under the
resident's consent and lists a product with its certificate; the public finds it in the
catalogue by village and season and scans its QR; the agent records an offline sale and a
handover at the station; who may open which page; both languages and elder mode."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.identity import sms
from onewindow.identity.models import Department, User
from onewindow.rural.models import Listing, Producer, RegisteredVia, Sale
from onewindow.web.middleware import ELDER_COOKIE
from tests.identity.factories import citizen, last_sms_code, resident_id
from tests.identity.test_assisted_filing import verified_client
from tests.rural import factories

pytestmark = pytest.mark.django_db


def _acting_for(agent: User, resident_id_number: str, capture: Any) -> Client:
    page = verified_client(agent)
    sms.outbox.clear()
    with capture(execute=True):
        page.post(reverse("identity:assist-start"), {"id_number": resident_id_number})
    page.post(reverse("identity:assist-confirm"), {"code": last_sms_code()})
    return page


def test_an_agent_registers_a_farm_with_consent_and_lists_its_tea_with_a_certificate(
    agriculture: Department,
    agent: User,
    divisions: dict[str, Division],
    django_capture_on_commit_callbacks: Any,
) -> None:
    number = resident_id(division_code="330127")
    resident = citizen(divisions["village"], id_number=number)
    without_consent = verified_client(agent).get(reverse("rural:register"))
    assert without_consent.status_code == 302
    assert without_consent["Location"] == reverse("identity:assist-start")
    page = _acting_for(agent, number, django_capture_on_commit_callbacks)

    refused = page.post(
        reverse("rural:register"),
        {
            "kind": "cooperative",
            "name": "王阜茶叶合作社",
            "village": divisions["village"].code,
            "land_mu": "80",
            "main_products": "茶叶",
            "workers": "12",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "unified social credit code" in refused.content.decode()
    registered = page.post(
        reverse("rural:register"),
        {
            "kind": "family_farm",
            "name": "何家茶园",
            "village": divisions["village"].code,
            "land_mu": "12.5",
            "main_products": "茶叶",
            "workers": "3",
        },
    )
    producer = Producer.objects.get()
    assert registered["Location"] == reverse("rural:producer", args=[producer.ref])
    assert producer.resident == resident
    assert producer.registered_via == RegisteredVia.VILLAGE_AGENT

    form = {
        "product": "千岛湖龙井",
        "category": "tea",
        "quantity": "40",
        "unit": "jin",
        "price_yuan": "168.00",
        "harvest_date": timezone.localdate().isoformat(),
    }
    missing = page.post(
        reverse("rural:new-listing", args=[producer.ref]), form, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "compliance certificate" in missing.content.decode()
    assert not Listing.objects.exists()
    listed = page.post(
        reverse("rural:new-listing", args=[producer.ref]),
        {**form, "certificates": ["produce_compliance"]},
    )
    listing = Listing.objects.get()
    assert listed["Location"] == reverse("rural:listing", args=[listing.ref])
    assert listing.price_fen == 16_800

    shown = Client().get(listed["Location"], HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "<svg" in shown
    assert "/v/" in shown
    assert listing.certificates.get().number in shown
    assert "食用农产品" in shown  # the certificate's name, in Chinese

    sold = page.post(
        reverse("rural:station"),
        {"listing": listing.ref, "quantity": "41"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "above the 40 in stock" in sold.content.decode()
    assert not Sale.objects.exists()
    page.post(reverse("rural:station"), {"listing": listing.ref, "quantity": "5"})
    sale = Sale.objects.get()
    page.post(
        reverse("rural:handover", args=[sale.ref]),
        {"carrier": "中国邮政", "tracking_number": "9812"},
    )
    sale.refresh_from_db()
    assert sale.handed_over_by == agent
    assert sale.carrier == "中国邮政"


def test_the_public_finds_listings_by_village_season_and_word(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    producer = factories.producer(farmer, divisions["village"], name="王家果园")
    listing = factories.listing(farmer, producer, product="淳安鸠坑茶")
    visitor = Client()

    by_village = visitor.get(reverse("rural:catalogue"), {"village": "330127"}).content.decode()
    elsewhere = visitor.get(reverse("rural:catalogue"), {"village": "330182"}).content.decode()
    by_word = visitor.get(reverse("rural:catalogue"), {"q": "鸠坑"}).content.decode()
    producer_page = visitor.get(
        reverse("rural:producer", args=[producer.ref]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert listing.ref in by_village
    assert listing.ref in by_word
    assert listing.ref not in elsewhere
    assert "Family farm" not in producer_page.content.decode()
    assert "Farming household" in producer_page.content.decode()
    assert visitor.get(reverse("rural:listing", args=["LNOSUCH"])).status_code == 404
    assert visitor.get(reverse("rural:producer", args=["PNOSUCH"])).status_code == 404


def test_the_catalogue_in_elder_mode_and_english(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    factories.listing(farmer, factories.producer(farmer, divisions["village"]))
    visitor = Client()
    visitor.cookies[ELDER_COOKIE] = "1"

    chinese = visitor.get(reverse("rural:catalogue"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    english = Client().get(reverse("rural:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "ow-elder" in chinese or "elder" in chinese
    assert "农产品" in chinese
    assert "Rural products" in english


def test_who_may_open_the_producers_and_stations_pages(
    agriculture: Department, agent: User, farmer: User, divisions: dict[str, Division]
) -> None:
    producer = factories.producer(farmer, divisions["village"])
    stranger = Client()
    stranger.force_login(
        citizen(divisions["village"], id_number=resident_id(division_code="330127"))
    )
    own = Client()
    own.force_login(farmer)

    assert Client().get(reverse("rural:mine")).status_code == 302  # sign in first
    assert Client().get(reverse("rural:station")).status_code == 302
    assert stranger.get(reverse("rural:new-listing", args=[producer.ref])).status_code == 404
    assert stranger.get(reverse("rural:station")).status_code == 403
    assert (
        verified_client(agent).get(reverse("rural:new-listing", args=[producer.ref])).status_code
        == 404
    )
    assert own.get(reverse("rural:new-listing", args=[producer.ref])).status_code == 200
    assert verified_client(agent).get(reverse("rural:station")).status_code == 200
    assert own.get(reverse("rural:mine")).status_code == 200
