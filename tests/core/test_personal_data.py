from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core import personal_data


@given(st.text(max_size=200))
def test_encryption_round_trips_any_text(value: str) -> None:
    token = personal_data.encrypt(value, context="test.column")

    assert personal_data.decrypt(token, context="test.column") == value


def test_same_value_encrypts_differently_each_time() -> None:
    first = personal_data.encrypt("330106199001011234", context="c")
    second = personal_data.encrypt("330106199001011234", context="c")

    assert first != second
    assert "330106199001011234" not in first


def test_ciphertext_moved_to_another_column_does_not_decrypt() -> None:
    token = personal_data.encrypt("13812345678", context="identity.user.mobile")

    with pytest.raises(InvalidTag):
        personal_data.decrypt(token, context="identity.user.id_number")


def test_lookup_hash_is_stable_and_keyed_per_column() -> None:
    a = personal_data.lookup_hash("13812345678", context="mobile")

    assert a == personal_data.lookup_hash("13812345678", context="mobile")
    assert a != personal_data.lookup_hash("13812345678", context="other")
    assert "13812345678" not in a


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_masked_resident_id_keeps_only_region_and_last_four(value: str) -> None:
    masked = personal_data.mask_resident_id(value)

    assert masked == value[:6] + "*" * 8 + value[-4:]


def test_short_values_are_masked_entirely() -> None:
    assert personal_data.mask("1234", keep_start=3, keep_end=4) == "****"
