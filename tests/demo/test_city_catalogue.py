"""The demo city's implementation list: big enough to search, complete, and findable with the
words people use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation

from onewindow.catalog import selectors
from onewindow.catalog.life_events import LIFE_EVENTS
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.seed import seed_catalog
from onewindow.demo.catalogue import definitions, seed_city_catalogue
from onewindow.web import portal

pytestmark = [pytest.mark.django_db, pytest.mark.db_agnostic]


@pytest.fixture(scope="module")
def city(django_db_setup: None, django_db_blocker: Any) -> Iterator[int]:
    """The core services and the city's list, published once for the module and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_catalog()
        yield seed_city_catalogue()
        transaction.set_rollback(True)


def test_the_demo_answers_services_with_more_than_150_items(city: int) -> None:
    assert city >= 150
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/services/")
    total = int(re.search(r"(\d+) services", page.content.decode()).group(1))  # type: ignore[union-attr]
    assert total >= 150
    api = Client().get("/api/v1/services?limit=200").json()
    assert api["total"] >= 150
    assert len(api["items"]) == api["total"]


def test_the_list_spans_departments_and_levels(city: int) -> None:
    items = ServiceItem.objects.filter(current_version__isnull=False)
    implementing_bodies = set(items.values_list("department_kind", "level"))
    assert len(implementing_bodies) >= 30
    assert {2, 3, 4, 5, 6} <= set(items.values_list("level", flat=True))
    assert len(set(items.values_list("department_kind", flat=True))) >= 18


def test_each_life_event_on_the_home_page_lists_at_least_three_items(city: int) -> None:
    for event in LIFE_EVENTS:
        assert selectors.search_services("", life_event=event.slug).total >= 3, event.slug


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_service_of_the_elder_home_finds_what_it_names(city: int, language: str) -> None:
    expected = {
        "pension": "TWP-007",  # the village agent's pension entitlement check
        "medical": "MED-001",
        "card": "HRSS-019",
        "senior_card": "CA-017",
        "agent": "TWP-007",
    }
    with translation.override(language):
        tiles = {tile.icon: tile for tile in portal.elder_tiles()}
        for icon, code in expected.items():
            query = parse_qs(urlsplit(tiles[icon].url).query)["q"][0]
            found = [item.code for item in selectors.search_services(query, limit=8).items]
            assert any(found_code.endswith(code) for found_code in found), (icon, query, found)


def test_a_second_seed_publishes_nothing(city: int) -> None:
    assert seed_city_catalogue() == 0


def test_every_guide_says_what_its_fields_say() -> None:
    for definition in definitions():
        guide = definition["guide"]
        assert f"承诺{guide.promised_days}个工作日" in guide.guide_zh
        assert f"statutory time limit is {guide.statutory_days} working days" in guide.guide_en
        for material in guide.materials:
            assert material["name_zh"] in guide.guide_zh
            assert material["name_en"].lower() in guide.guide_en
        if guide.fee_fen:
            assert f"{guide.fee_fen / 100:g}元" in guide.guide_zh
        else:
            assert "不收费" in guide.guide_zh
        assert guide.legal_basis_zh in guide.conditions_zh


def test_items_handled_at_the_hall_say_where_and_offer_no_online_form(city: int) -> None:
    at_hall = ServiceItem.objects.filter(current_version__online_depth="information").first()
    assert at_hall is not None
    with translation.override("zh-hans"):
        page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/services/{at_hall.code}/")
    text = page.content.decode()
    assert at_hall.current_version.hall_zh in text  # type: ignore[union-attr]
    assert f"/applications/new/{at_hall.code}/" not in text


# What people type → the item they mean (its basic code), in Chinese and English.
PHRASES = [
    ("身份证丢了怎么办", "PSB-003"),
    ("lost my id card", "PSB-003"),
    ("换身份证", "PSB-002"),
    ("办护照", "PSB-008"),
    ("passport", "PSB-008"),
    ("去香港要办什么", "PSB-009"),
    ("驾照到期换证", "PSB-011"),
    ("renew driving licence", "PSB-011"),
    ("二手车过户", "PSB-014"),
    ("开具户籍证明", "PSB-007"),
    ("离婚", "CA-001"),
    ("divorce", "CA-001"),
    ("单身证明", "CA-003"),
    ("低保怎么申请", "CA-005"),
    ("dibao minimum living allowance", "CA-005"),
    ("老人高龄津贴", "CA-008"),
    ("开饭店要什么证", "AMR-006"),
    ("restaurant food licence", "AMR-006"),
    ("开药店", "AMR-009"),
    ("注销公司", "AMR-002"),
    ("close my company", "AMR-002"),
    ("领失业金", "HRSS-003"),
    ("unemployment benefit", "HRSS-003"),
    ("办退休领养老金", "HRSS-006"),
    ("工伤认定", "HRSS-009"),
    ("拖欠工资劳动仲裁", "HRSS-015"),
    ("unpaid wages", "HRSS-015"),
    ("个税退税", "TAX-002"),
    ("income tax refund", "TAX-002"),
    ("买房交契税", "TAX-003"),
    ("生育登记 三孩", "HC-001"),
    ("宝宝打疫苗", "HC-009"),
    ("外地看病医保备案", "MED-003"),
    ("medical treatment in another city", "MED-003"),
    ("二手房过户", "NR-001"),
    ("second-hand home transfer", "NR-001"),
    ("公积金租房提取", "HOUS-001"),
    ("provident fund rent", "HOUS-001"),
    ("公租房申请", "HOUS-006"),
    ("老小区加装电梯", "HOUS-012"),
    ("孩子上小学报名", "EDU-001"),
    ("primary school enrolment", "EDU-001"),
    ("教师资格证", "EDU-006"),
    ("开网约车", "TRANS-001"),
    ("环评", "ECO-001"),
    ("卖烟花", "EM-002"),
    ("农村建房审批", "NR-009"),
    ("查征信", "PBC-001"),
    ("credit report", "PBC-001"),
    ("装修垃圾清运", "CM-006"),
]


@pytest.mark.parametrize(("phrase", "basic_code"), PHRASES)
def test_what_people_type_finds_the_item_they_mean_in_the_top_three(
    city: int, phrase: str, basic_code: str
) -> None:
    found = selectors.search_services(phrase, limit=3).items
    codes = [item.current_version.basic_code for item in found]  # type: ignore[union-attr]
    assert basic_code in codes, (phrase, [item.current_version.name_zh for item in found])  # type: ignore[union-attr]


def test_a_department_page_lists_its_items_and_facets_narrow_by_type_and_depth(city: int) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get("/services/departments/civil_affairs/")
    assert page.status_code == 200
    assert {item.department_kind for item in page.context["items"]} == {"civil_affairs"}
    assert page.context["total"] >= 15
    assert browser.get("/services/departments/ministry_of_magic/").status_code == 404

    everything = selectors.search_services("", limit=500)
    assert {"licence", "payment", "public_service"} <= set(everything.facets["service_type"])
    assert {"information", "fully_online"} <= set(everything.facets["online_depth"])
    at_hall = selectors.search_services("", online_depth="information", limit=500)
    assert at_hall.total == everything.facets["online_depth"]["information"]
    second_page = browser.get("/services/?page=2")
    assert second_page.status_code == 200
    assert len(second_page.context["items"]) == 50
