from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.core.validators import (
    generate_credit_code,
    generate_resident_id,
    resident_id_check_character,
    validate_credit_code,
    validate_mobile,
    validate_postal_code,
    validate_resident_id,
)

TODAY = date(2026, 11, 23)
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
COUNTY_CODES = ["110105", "330106", "330127", "440305", "510104", "650102", "820000", "130102"]

resident_ids = st.builds(
    lambda seed, county, birth: generate_resident_id(
        random.Random(seed), division_code=county, birth=birth
    ),
    st.integers(0, 2**32),
    st.sampled_from(COUNTY_CODES),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
)
credit_codes = st.builds(
    lambda seed, county: generate_credit_code(random.Random(seed), division_code=county),
    st.integers(0, 2**32),
    st.sampled_from(COUNTY_CODES),
)


def rule_of(value: str, validate: Callable[[str], object]) -> str:
    with pytest.raises(ValidationError) as refused:
        validate(value)
    return str(refused.value.code)


@given(resident_ids)
def test_every_generated_resident_id_validates(value: str) -> None:
    validate_resident_id(value, today=TODAY)


@settings(max_examples=60)
@given(resident_ids, st.data())
def test_every_single_character_change_to_a_resident_id_is_rejected(
    value: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, 17))
    replacement = data.draw(
        st.sampled_from("0123456789Xx-A ").filter(lambda c: c != value[position])
    )
    changed = value[:position] + replacement + value[position + 1 :]

    with pytest.raises(ValidationError):
        validate_resident_id(changed, today=TODAY)


@given(credit_codes)
def test_every_generated_credit_code_validates(value: str) -> None:
    validate_credit_code(value)


@settings(max_examples=60)
@given(credit_codes, st.data())
def test_every_single_character_change_to_a_credit_code_is_rejected(
    value: str, data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, 17))
    replacement = data.draw(
        st.sampled_from(CREDIT_ALPHABET + "IOZSV-a").filter(lambda c: c != value[position])
    )
    changed = value[:position] + replacement + value[position + 1 :]

    with pytest.raises(ValidationError):
        validate_credit_code(changed)


def test_standard_examples() -> None:
    validate_resident_id("11010519491231002X", today=TODAY)
    validate_credit_code("91350100M000100Y43")


def test_resident_id_rules_are_named() -> None:
    good = generate_resident_id(random.Random(1), division_code="330106", birth=date(1990, 2, 28))

    def fix(body: str) -> str:
        return body + resident_id_check_character(body)

    future = fix("330106" + "20301231" + "123")
    bad_date = fix("330106" + "19900230" + "123")
    bad_province = fix("990106" + "19900101" + "123")
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")

    codes = {
        rule_of(v, lambda x: validate_resident_id(x, today=TODAY))
        for v in (future, bad_date, bad_province, wrong_check, "12345")
    }

    assert len(codes) == 5


def test_retired_county_codes_are_accepted() -> None:
    # 330103 (Hangzhou's former Xiacheng District) was merged away in 2021;
    # its people keep their numbers.
    validate_resident_id(
        generate_resident_id(random.Random(3), division_code="330103", birth=date(1970, 5, 1)),
        today=TODAY,
    )


@pytest.mark.parametrize("value", ["13812345678", "19912345678"])
def test_mobile_numbers(value: str) -> None:
    validate_mobile(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "abcdefghijk"])
def test_bad_mobile_numbers(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_mobile(value)


def test_postal_codes() -> None:
    validate_postal_code("310012")
    for bad in ("31001", "3100123", "000000", "31a012"):
        with pytest.raises(ValidationError):
            validate_postal_code(bad)
