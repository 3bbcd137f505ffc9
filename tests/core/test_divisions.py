from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from onewindow.core import selectors
from onewindow.core.divisions import Level, UrbanRural
from onewindow.core.models import Division
from onewindow.core.services import define_division

pytestmark = pytest.mark.django_db


def test_ancestors_run_from_the_nation_down(divisions: dict[str, Division]) -> None:
    codes = [d.code for d in selectors.ancestors(divisions["community"])]

    assert codes == ["000000", "330000", "330100", "330106", "330106001"]


def test_descendants_of_a_city_cover_every_level_below(divisions: dict[str, Division]) -> None:
    below = selectors.descendants(divisions["city"])

    assert {d.level for d in below} == {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}
    assert divisions["city"] not in below
    assert list(selectors.descendants(divisions["city"], level=Level.VILLAGE)) == [
        divisions["community"],
        divisions["village"],
    ]


def test_is_within(divisions: dict[str, Division]) -> None:
    assert divisions["village"].is_within(divisions["city"])
    assert divisions["village"].is_within(divisions["village"])
    assert not divisions["village"].is_within(divisions["district"])
    assert not divisions["city"].is_within(divisions["village"])


def test_urban_rural_class_decides_urban(divisions: dict[str, Division]) -> None:
    assert divisions["community"].is_urban is True
    assert divisions["village"].is_urban is False
    assert divisions["city"].is_urban is None


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("330100", Level.COUNTY),  # a city code at county level
        ("33010600", Level.TOWNSHIP),  # 8 digits
        ("330106000", Level.TOWNSHIP),  # township number 000
        ("3301060010", Level.VILLAGE),
    ],
)
def test_codes_must_fit_their_level(divisions: dict[str, Division], code: str, level: int) -> None:
    with pytest.raises(ValidationError) as refused:
        define_division(
            code=code,
            level=level,
            name_zh="测试",
            name_en="Test",
            parent=divisions["district"],
            urban_rural=UrbanRural.VILLAGE,
        )

    assert "code" in refused.value.message_dict


def test_township_needs_an_urban_rural_class(divisions: dict[str, Division]) -> None:
    with pytest.raises(ValidationError) as refused:
        define_division(
            code="330106002",
            level=Level.TOWNSHIP,
            name_zh="西溪街道",
            name_en="Xixi",
            parent=divisions["district"],
        )

    assert "urban_rural" in refused.value.message_dict


def test_province_needs_an_economic_region(divisions: dict[str, Division]) -> None:
    with pytest.raises(ValidationError) as refused:
        define_division(
            code="320000",
            level=Level.PROVINCE,
            name_zh="江苏省",
            name_en="Jiangsu",
            parent=divisions["nation"],
        )

    assert "economic_region" in refused.value.message_dict


def test_api_lists_children_and_ancestors(client: Client, divisions: dict[str, Division]) -> None:
    children = client.get("/api/v1/divisions/330100/children").json()
    ancestors = client.get("/api/v1/divisions/330127201202/ancestors").json()

    assert [c["code"] for c in children] == ["330106", "330127"]
    assert [a["code"] for a in ancestors][-1] == "330127201"
    assert ancestors[0]["economic_region"] == ""
    assert ancestors[1]["economic_region"] == "east"
