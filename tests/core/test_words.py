"""The one tokeniser: each argument does what its callers rely on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.core import words


def test_english_is_lower_cased_split_stemmed_and_stop_words_go() -> None:
    found = words.tokenise("How do I renew Licences", stop_words={"how", "do", "i"})
    assert found == ["renew", "licences"]
    assert words.tokenise("Licences", stem=words.plural_stem) == ["licence"]


def test_stop_words_are_looked_up_before_or_after_the_stem() -> None:
    stop = {"application"}
    assert words.tokenise("applications", stop_words=stop, stem=words.plural_stem) == [
        "application"
    ]
    assert (
        words.tokenise(
            "applications", stop_words=stop, stem=words.plural_stem, stop_after_stem=True
        )
        == []
    )


def test_chinese_search_mode_also_yields_the_shorter_words() -> None:
    assert "养老" not in words.tokenise("养老金")
    assert {"养老", "养老金"} <= set(words.tokenise("养老金", search_mode=True))


def test_minimum_lengths_pairs_and_cut_terms() -> None:
    assert words.tokenise("路灯坏了 a big dog", min_chinese=2, min_english=3) == [
        "big",
        "dog",
        "路灯",
    ]
    assert words.tokenise("water leak", english_pairs=True) == ["water", "leak", "water_leak"]
    assert words.tokenise("water and leak", stop_words={"and"}, english_pairs=True) == [
        "water",
        "leak",
    ]
    assert "~路灯" in words.tokenise("路灯坏了", character_pairs="~")
    assert words.tokenise("abcdef", max_term=3) == ["abc"]


def test_hyphenated_words_are_whole_and_codes_are_no_words() -> None:
    found = words.tokenise(
        "ride-hailing v1.2 abc123 legal_basis right.", english=words.HYPHENATED_WORDS
    )
    assert found == ["ride-hailing", "right"]


def test_full_width_text_is_folded_when_asked() -> None:
    assert words.tokenise("ｗａｔｅｒ", normalise=True) == ["water"]
    assert words.tokenise("ｗａｔｅｒ") == []


@settings(max_examples=50)
@given(st.text(max_size=30))
def test_any_text_gives_lower_case_terms_without_blanks(text: str) -> None:
    for term in words.tokenise(text, search_mode=True, character_pairs="~", english_pairs=True):
        assert term
        assert term.strip() == term
        assert term == term.lower()
