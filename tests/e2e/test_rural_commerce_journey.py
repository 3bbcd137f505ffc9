"""Rural e-commerce in a real browser: a village agent, with the farmer at the station, records
the farmer's consent (the code read back from the phone), registers the farm and lists its tea
with the compliance certificate; the listing page shows the certificate's QR, which a buyer's
phone opens as "valid"; a partner platform reports two sales through the signed order API
(a real HTTP client against the live server); the county's rural online sales figure rises on
the insights page, beside the urban–rural gap. Every page on the way passes axe-core, and the
agent's pages in elder mode too."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
import requests
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.identity import sms
from onewindow.rural import signing
from onewindow.rural.models import Listing, Producer, Sale
from tests.e2e.test_application_journeys import _officer_page
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen, last_sms_code, resident_id
from tests.rural import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _county_online_sales(page: Any, base: str) -> float:
    """The 'All' cell of the rural online sales row on the county's insights page."""
    page.goto(f"{base}/insights/?division=330127")
    cell = page.locator('tr[data-indicator="rural-online-sales"] td').first.inner_text()
    found = re.match(r"\s*([0-9.]+)", cell)
    return float(found[1]) if found else 0.0


def test_an_agent_lists_a_farms_tea_a_partner_sells_it_and_the_county_figure_rises(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    factories.agriculture(divisions["city"])
    agent = factories.station_agent(divisions["village"])
    number = resident_id(division_code="330127")
    farmer = citizen(divisions["village"], username="tea-farmer", id_number=number)
    _partner, key = factories.partner("好农货")
    base = live_server.url
    sms.outbox.clear()

    public = browser.new_context(locale="en-US").new_page()
    before = _county_online_sales(public, base)
    assert public.locator('tr[data-indicator="rural-online-sales"]').count() == 1
    assert serious_violations(public) == []

    station = _officer_page(browser, base, agent)
    station.goto(f"{base}/rural/mine/")
    assert serious_violations(station) == []
    station.get_by_role("link", name="Record consent").click()
    station.get_by_label("Resident's ID number").fill(number)
    station.get_by_role("button", name="Ask for consent").click()
    station.get_by_label("Code the resident received by SMS").fill(last_sms_code())
    station.get_by_role("button", name="Record consent").click()
    station.get_by_test_id("acting-for").wait_for()

    station.get_by_test_id("elder-toggle").click()  # the agent reads better in elder mode
    station.goto(f"{base}/rural/register/")
    assert "elder-mode" in (station.locator("html").get_attribute("class") or "")
    assert serious_violations(station) == []
    station.get_by_label("Kind of producer").select_option("family_farm")
    station.get_by_label("Name the producer trades under").fill("王阜高山茶园")
    station.get_by_label("Village").select_option(divisions["village"].code)
    station.get_by_label("Land farmed (mu)").fill("12.5")
    station.get_by_label("Main products").fill("高山绿茶")
    station.get_by_label("People working").fill("3")
    station.get_by_role("button", name="Register", exact=True).click()
    station.get_by_text("The producer is registered.").wait_for()
    producer = Producer.objects.get()
    assert (producer.resident, producer.registered_by) == (farmer, agent)
    assert producer.consent is not None
    assert serious_violations(station) == []

    station.get_by_role("link", name="List a product").click()
    station.locator("#id_product").fill("千岛湖高山绿茶")
    station.get_by_label("Category").select_option("tea")
    station.get_by_label("Quantity for sale").fill("60")
    station.locator("#id_unit").select_option("jin")
    station.get_by_label("Price per unit (yuan)").fill("128.00")
    station.get_by_label("Harvest date").fill(timezone.localdate().isoformat())
    station.get_by_role("button", name="List it").click()
    station.get_by_text("compliance certificate").first.wait_for()  # refused without it
    assert not Listing.objects.exists()
    assert serious_violations(station) == []
    station.get_by_text("Compliance certificate (承诺达标合格证)", exact=True).click()
    station.get_by_role("button", name="List it").click()
    station.get_by_text("The product is listed with its certificates.").wait_for()
    listing = Listing.objects.get()
    assert listing.price_fen == 12_800
    assert station.locator("section.certificate svg").count() == 1
    assert serious_violations(station) == []

    # A buyer's phone opens the label's QR.
    qr = station.locator("a.certificate-verify").get_attribute("href")
    assert qr is not None
    scanned = browser.new_context(locale="en-US").new_page()
    scanned.goto(f"{base}/v/{qr.split('/v/', 1)[1]}")
    assert scanned.locator('[data-reason="valid"]').count() >= 1
    assert "千岛湖高山绿茶" in scanned.content()
    assert serious_violations(scanned) == []
    scanned.context.close()

    # The partner platform reports two sales, one sent twice: counted once each.
    secret = key.split(".", 1)[1]
    for order_id, quantity, idempotency_key in (
        ("HN-1", 5, "a"),
        ("HN-1", 5, "b"),
        ("HN-2", 3, "c"),
    ):
        body = json.dumps(
            {
                "order_id": order_id,
                "listing": listing.ref,
                "quantity": quantity,
                "unit": "jin",
                "unit_price_fen": 12_800,
            }
        ).encode()
        answer = requests.post(
            f"{base}/api/v1/rural/orders",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Api-Key": key,
                "Idempotency-Key": idempotency_key,
                signing.SIGNATURE_HEADER: signing.sign(
                    secret, body, at=datetime.now().astimezone()
                ),
            },
            timeout=10,
        )
        assert answer.status_code in (200, 201), answer.text
    assert Sale.objects.count() == 2

    after = _county_online_sales(public, base)
    residents = 1  # the farmer: the agent is staff, not a resident
    assert after == pytest.approx(before + 8 * 128 / residents * 10_000, abs=0.01)
    assert after > before
    assert serious_violations(public) == []
    station.goto(f"{base}/rural/station/")
    assert "好农货" in station.locator("#sales").inner_text()
    assert serious_violations(station) == []
    public.context.close()
    station.context.close()
