"""Segmenting catalogue text into search terms, in Chinese and English (core.words).

The same function segments what is indexed and what is asked, so a query matches an item
exactly when they share terms. Synonyms map what people type ("开公司", "start a business")
onto the words the catalogue uses.
"""

from __future__ import annotations

from collections.abc import Iterable

from onewindow.core import words

# What people say → what the catalogue says. Keys and values are segmented like any text.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "开公司": ("公司", "设立", "企业开办"),
    "办公司": ("公司", "设立", "企业开办"),
    "注册公司": ("公司", "设立", "企业开办"),
    "开店": ("个体工商户", "登记"),
    "开饭店": ("餐饮", "食品经营"),
    "开餐馆": ("餐饮", "食品经营"),
    "开餐厅": ("餐饮", "食品经营"),
    "生孩子": ("出生", "登记"),
    "上户口": ("户口", "出生", "登记"),
    "结婚": ("婚姻", "登记"),
    "领证": ("婚姻", "登记"),
    "社保卡": ("社会保障卡",),
    "居住证": ("居住", "证"),
    "start": ("establishment",),
    "startup": ("company", "establishment"),
    "incorporate": ("company", "establishment"),
    "baby": ("birth",),
    "newborn": ("birth",),
    "married": ("marriage",),
    "wedding": ("marriage",),
    "shop": ("individual", "business"),
    "restaurant": ("food", "catering"),
    "project": ("investment", "project"),
}
STOP_WORDS = frozenset(
    [
        "的",
        "和",
        "与",
        "及",
        "或",
        "我",
        "我要",
        "要",
        "想",
        "怎么",
        "如何",
        "办理",
        "办",
        "申请",
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "my",
        "i",
        "how",
        "do",
        "apply",
        "application",
        "want",
    ]
)
MAX_TERM_LENGTH = 64


def segment(text: str) -> list[str]:
    """Terms of `text`: Chinese words by rjieba's search mode, English words without plurals."""
    return words.tokenise(
        text,
        stop_words=STOP_WORDS,
        stop_after_stem=True,
        stem=words.plural_stem,
        search_mode=True,
        max_term=MAX_TERM_LENGTH,
    )


def query_terms(query: str) -> set[str]:
    """The terms to look up for a query, synonyms included."""
    found = segment(query)
    expanded = set(found)
    lowered = query.lower()
    for phrase, meanings in SYNONYMS.items():
        if phrase in lowered or phrase in found:
            for meaning in meanings:
                expanded.update(segment(meaning) or [meaning])
    return expanded


def weighted_terms(fields: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Term → weight for an item: each field's weight, summed over the fields it appears in."""
    weights: dict[str, int] = {}
    for text, weight in fields:
        for term in set(segment(text)):
            weights[term] = min(weights.get(term, 0) + weight, 32767)
    return weights
