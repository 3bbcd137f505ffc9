"""Rural sales reach the insights pages beside the urban–rural gap: online sales and income
per 10,000 residents of the product's origin village (and so its county), active producers,
the share through the village station; each sale counted once, by the month it was sold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.identity.models import Department, User
from onewindow.insights import figures
from onewindow.insights.indicators import INDICATORS
from onewindow.rural import services
from onewindow.rural.services import PartnerOrder
from tests.rural import factories

pytestmark = pytest.mark.django_db


def _figures() -> figures.Figures:
    now = timezone.now()
    return figures.compute(now - timedelta(days=60), now + timedelta(days=1))


def _value(key: str, within: Division) -> float | None:
    computed = _figures()
    indicator = INDICATORS[key]
    return computed.value(indicator, computed.total(indicator, within=within))


def test_partner_sales_raise_the_countys_rural_online_sales_and_income(
    agriculture: Department, agent: User, farmer: User, divisions: dict[str, Division]
) -> None:
    county = divisions["county"]
    listing = factories.listing(
        farmer, factories.producer(farmer, divisions["village"]), quantity=50
    )
    partner, _key = factories.partner()
    assert _value("rural-online-sales", county) in (None, 0.0)

    sale, _ = services.report_order(
        partner, PartnerOrder("HN-1", listing.ref, 2, listing.unit, listing.price_fen)
    )
    first = _value("rural-online-sales", county)
    services.report_order(
        partner, PartnerOrder("HN-1", listing.ref, 2, listing.unit, listing.price_fen)
    )
    assert _value("rural-online-sales", county) == first  # the replay counts nothing
    services.record_offline_sale(agent, listing, quantity=1)
    services.record_handover(agent, sale, carrier="中国邮政")

    # Residents: the county's registered citizens (the farmer; the agent is staff).
    residents = User.objects.filter(division__path__startswith=county.path, kind="citizen").count()
    assert first == pytest.approx(2 * 128.00 / residents * 10_000)
    assert _value("rural-online-sales", county) == pytest.approx(first)  # offline is not online
    assert _value("rural-sales-income", county) == pytest.approx(3 * 128.00 / residents * 10_000)
    assert _value("rural-station-share", county) == pytest.approx(1.0)  # handed over, offline
    assert _value("rural-producers-active", county) == pytest.approx(1 / residents * 10_000)
    assert _value("rural-online-sales", divisions["district"]) in (None, 0.0)  # urban: none


def test_the_dashboard_shows_rural_sales_beside_the_gap(
    agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    listing = factories.listing(
        farmer, factories.producer(farmer, divisions["village"]), quantity=50
    )
    partner, _key = factories.partner()
    services.report_order(
        partner, PartnerOrder("HN-7", listing.ref, 5, listing.unit, listing.price_fen)
    )

    page = Client().get(reverse("insights:dashboard") + "?division=330127")
    definition = Client().get(reverse("insights:indicator", args=["rural-online-sales"]))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-indicator="rural-online-sales"' in html
    assert "Rural online sales per 10,000 residents" in html
    assert definition.status_code == 200
    assert "partner platforms" in definition.content.decode()
