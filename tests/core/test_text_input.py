"""The rules for text from outside, over the whole of Unicode."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from onewindow.core import text_input

# Every code point, surrogates included (Hypothesis leaves them out unless asked).
ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40)
LINE_BREAKS = "\t\n\r"


def _breaks_a_rule(character: str, *, multiline: bool) -> bool:
    category = unicodedata.category(character)
    if multiline and character in LINE_BREAKS:
        return False
    return category in ("Cc", "Cs") or character in "\ufffe\uffff"


@given(ANY_TEXT, st.booleans())
def test_text_is_refused_exactly_when_it_holds_a_control_character_or_a_surrogate(
    text: str, multiline: bool
) -> None:
    expected = [c for c in text if _breaks_a_rule(c, multiline=multiline)]

    found = text_input.refusal(text, multiline=multiline)

    assert (found is None) == (not expected)
    if found is not None:
        assert found.character == expected[0]
        is_surrogate = unicodedata.category(found.character) == "Cs"
        assert found.code == ("lone_surrogate" if is_surrogate else "control_character")


def test_the_message_names_the_field_and_the_character() -> None:
    found = text_input.refusal("路灯\x0b坏了")

    assert found is not None
    assert found.message("description") == (
        "“description” holds a control character (U+000B), which is not accepted: remove it."
    )


def test_json_paths_name_nested_fields_and_keys() -> None:
    document = {"form": {"name": "a\ud800", "list": ["ok", "b\x00"]}, "bad\x1bkey": 1}

    found = {path: refusal.code for path, refusal in text_input.refusals_in_json(document)}

    assert found == {
        "form.name": "lone_surrogate",
        "form.list.1": "control_character",
        "bad\x1bkey": "control_character",
    }


@given(ANY_TEXT)
def test_any_text_made_safe_for_xml_parses_back_with_only_forbidden_characters_replaced(
    text: str,
) -> None:
    safe = text_input.xml_text(text)
    element = ET.Element("description")
    element.text = safe

    document = ET.tostring(element, encoding="unicode").encode("utf-8")
    parsed = ET.fromstring(document).text or ""  # noqa: S314  (our own output)

    assert len(safe) == len(text)
    assert all(a == b or b == "\ufffd" for a, b in zip(text, safe, strict=True))
    assert parsed == safe.replace("\r\n", "\n").replace("\r", "\n")  # XML's line ends


@given(st.text(max_size=25))
def test_only_ascii_digits_are_a_number(text: str) -> None:
    number = text_input.ascii_int(text)

    is_ascii_number = text.isascii() and text.isdigit() and len(text) <= 18
    assert (number is not None) == is_ascii_number
    if number is not None:
        assert str(number) == text.lstrip("0") or number == 0


def test_superscripts_and_other_scripts_digits_are_not_numbers() -> None:
    assert [text_input.ascii_int(t) for t in ("²", "٣", "１", "12", "-1", "")] == [
        None,
        None,
        None,
        12,
        None,
        None,
    ]
    assert text_input.ascii_int("30", maximum=20) is None
