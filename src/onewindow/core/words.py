"""Splitting text into words, in Chinese (rjieba) and English: the one tokeniser.

Catalogue search, the hotline (duplicates, trends, the router's features) and the assistant
all split text here; what they do differently is said by the arguments, not by copies:

- English words are what `english` finds in the lower-cased text; words shorter than
  `min_english` or in `stop_words` are dropped, the others pass through `stem`. Stop words are
  looked up before stemming, or after it with `stop_after_stem` (then "applications" is
  dropped when "application" is a stop word).
- Chinese: each run of Chinese characters is cut by rjieba, in search mode (`search_mode`:
  养老金 also yields 养老) or exact mode; words shorter than `min_chinese` or in `stop_words`
  are dropped.
- Extras: `english_pairs` adds "first_second" for neighbouring English words (a dropped word
  breaks the chain); `character_pairs` (a prefix, "" included) adds each run's character
  pairs, which survive a typo or a word rjieba splits oddly; `max_term` cuts long terms.

The English words come first, then the Chinese words, then the character pairs; callers that
count or compare terms (all of them) do not depend on the order across languages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection

import rjieba

WORDS_AND_NUMBERS = re.compile(r"[a-z0-9]+")
LETTERS = re.compile(r"[a-z]+")
# Words of letters, hyphenated ones whole ("ride-hailing"), as rjieba's exact mode tells them:
# not part of a code, number, file name or identifier ("abc123", "v1.2", "legal_basis").
HYPHENATED_WORDS = re.compile(
    r"(?<![a-z0-9])(?<![a-z0-9][._-])[a-z]+(?:-[a-z]+)*(?![a-z0-9])(?![._-][a-z0-9])"
)
# The CJK unified ideographs and extension A.
CHINESE_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def unchanged(word: str) -> str:
    return word


def plural_stem(word: str) -> str:
    """Plurals only, for catalogue words: registrations → registration, facilities → facility."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def light_stem(word: str) -> str:
    """Plurals, -ing and -ed, for the hotline router: flooding → flood, blocked → block."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    return plural_stem(word)


_SUFFIXES = (
    ("ration", ""),
    ("ation", ""),
    ("ies", "y"),
    ("ing", ""),
    ("ed", ""),
    ("er", ""),
    ("es", ""),
    ("s", ""),
    ("e", ""),
)


def suffix_stem(word: str) -> str:
    """Up to three suffixes off, for the assistant's guide words, so that registered,
    registers and registration meet at "regist", licence and licences at "licenc"."""
    for _round in range(3):
        for suffix, replacement in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
                word = word[: -len(suffix)] + replacement
                break
        else:
            return word
    return word


def is_chinese(text: str) -> bool:
    return bool(CHINESE_RUN.search(text))


def tokenise(
    text: str,
    *,
    stop_words: Collection[str] = frozenset(),
    stop_after_stem: bool = False,
    stem: Callable[[str], str] = unchanged,
    english: re.Pattern[str] = WORDS_AND_NUMBERS,
    min_english: int = 1,
    min_chinese: int = 1,
    search_mode: bool = False,
    english_pairs: bool = False,
    character_pairs: str | None = None,
    normalise: bool = False,
    max_chars: int | None = None,
    max_term: int | None = None,
) -> list[str]:
    """The terms of `text` (repeats kept), as the module docstring says.

    `normalise` folds full-width letters and digits (NFKC) first; `max_chars` reads only the
    start of a long text."""
    if max_chars is not None:
        text = text[:max_chars]
    if normalise:
        text = unicodedata.normalize("NFKC", text)
    lowered = text.lower()
    found: list[str] = []
    previous = ""
    for word in english.findall(lowered):
        if len(word) < min_english or (not stop_after_stem and word in stop_words):
            previous = ""
            continue
        stemmed = stem(word)
        if stop_after_stem and stemmed in stop_words:
            previous = ""
            continue
        found.append(stemmed)
        if english_pairs and previous:
            found.append(previous + "_" + stemmed)
        previous = stemmed
    runs = CHINESE_RUN.findall(lowered)
    cut = rjieba.cut_for_search if search_mode else rjieba.cut
    for run in runs:
        found.extend(
            word
            for word in cut(run)
            if len(word) >= min_chinese and word.strip() and word not in stop_words
        )
    if character_pairs is not None:
        for run in runs:
            found.extend(character_pairs + run[i : i + 2] for i in range(len(run) - 1))
    if max_term is not None:
        found = [term[:max_term] for term in found]
    return found
