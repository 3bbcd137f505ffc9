"""The assistant's sources and its lexical ranker (BM25 over rjieba and English terms).

A `ServiceDocument` is what the assistant may say about one published service: the passages
of its guide, each exactly as a field of the version holds it (a sentence of the guide, or a
whole field such as where to go). Nothing else is ever shown as an answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from onewindow.assistant.text import sentences, terms

# The ranker's parameters (Robertson's defaults) and how much each part of an item counts.
K1 = 1.2
B = 0.75
NAME_WEIGHT = 3
KEYWORD_WEIGHT = 3


class GuideFields(Protocol):
    """What a published version says (catalog's ServiceItemVersion and ServiceGuide both do)."""

    name_zh: str
    name_en: str
    guide_zh: str
    guide_en: str
    keywords_zh: str
    keywords_en: str
    legal_basis_zh: str
    legal_basis_en: str
    conditions_zh: str
    conditions_en: str
    hall_zh: str
    hall_en: str
    hours_zh: str
    hours_en: str
    result_name_zh: str
    result_name_en: str
    audience: str
    contact_phone: str


# The whole-field passages, by aspect; the guide's sentences are classified in answering.py.
FIELD_PASSAGES = ("hall", "hours", "conditions", "legal_basis")


@dataclass(frozen=True)
class Passage:
    """One sentence of a source: `text` is exactly a part of the field `field` (`guide_zh`,
    `hall_en`, ...) of the cited version."""

    field: str
    text: str

    @property
    def language(self) -> str:
        return self.field.rsplit("_", 1)[1]

    @property
    def kind(self) -> str:
        return self.field.rsplit("_", 1)[0]


@dataclass(frozen=True)
class ServiceDocument:
    code: str
    department_kind: str
    level: int
    life_events: tuple[str, ...]
    audience: str
    version: int
    name_zh: str
    name_en: str
    contact_phone: str
    passages: tuple[Passage, ...]
    is_filed_online: bool = True

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en

    def passages_in(self, language: str) -> list[Passage]:
        return [p for p in self.passages if p.language == language]


def document_of(
    code: str,
    guide: GuideFields,
    *,
    department_kind: str,
    level: int,
    life_events: Iterable[str] = (),
    version: int = 0,
    is_filed_online: bool = True,
) -> ServiceDocument:
    """The passages a version offers: its guide sentence by sentence, and the whole fields
    that say where, when, for whom and under which law."""
    passages: list[Passage] = []
    for language in ("zh", "en"):
        for sentence in sentences(getattr(guide, f"guide_{language}")):
            passages.append(Passage(f"guide_{language}", sentence))
        for name in FIELD_PASSAGES:
            value = getattr(guide, f"{name}_{language}").strip()
            if value:
                passages.append(Passage(f"{name}_{language}", value))
    return ServiceDocument(
        code=code,
        department_kind=department_kind,
        level=level,
        life_events=tuple(life_events),
        audience=guide.audience,
        version=version,
        name_zh=guide.name_zh,
        name_en=guide.name_en,
        contact_phone=guide.contact_phone,
        passages=tuple(passages),
        is_filed_online=is_filed_online,
    )


def _document_terms(document: ServiceDocument, guide_keywords: str) -> list[str]:
    found: list[str] = []
    for _repeat in range(NAME_WEIGHT):
        found += terms(document.name_zh) + terms(document.name_en)
    for _repeat in range(KEYWORD_WEIGHT):
        found += terms(guide_keywords)
    for passage in document.passages:
        if passage.kind in ("guide", "conditions"):
            found += terms(passage.text)
    return found


@dataclass
class Index:
    """BM25 over the documents' terms: names and keywords count several times."""

    documents: list[ServiceDocument]
    postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    average_length: float = 1.0
    by_code: dict[str, int] = field(default_factory=dict)
    term_sets: list[frozenset[str]] = field(default_factory=list)

    @classmethod
    def build(cls, sources: Sequence[tuple[ServiceDocument, str]]) -> Index:
        """An index of (document, its keywords in both languages) pairs."""
        index = cls(documents=[document for document, _ in sources])
        for number, (document, keywords) in enumerate(sources):
            counts = Counter(_document_terms(document, keywords))
            index.lengths.append(sum(counts.values()))
            index.term_sets.append(frozenset(counts))
            for term, count in counts.items():
                index.postings.setdefault(term, []).append((number, count))
            index.by_code[document.code] = number
        total = max(len(index.documents), 1)
        index.average_length = sum(index.lengths) / total if index.lengths else 1.0
        for term, posting in index.postings.items():
            frequency = len(posting)
            index.idf[term] = math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
        return index

    def scores(self, query: Mapping[str, float]) -> dict[int, float]:
        """Document number → BM25 score of the weighted query terms."""
        found: dict[int, float] = {}
        for term, weight in query.items():
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = self.idf[term]
            for number, count in posting:
                norm = K1 * (1 - B + B * self.lengths[number] / self.average_length)
                found[number] = found.get(number, 0.0) + weight * idf * count * (K1 + 1) / (
                    count + norm
                )
        return found

    @property
    def max_idf(self) -> float:
        """The weight of a word found in one service only."""
        total = len(self.documents)
        return math.log(1 + (total - 0.5) / 1.5) if total else 1.0

    def document(self, code: str) -> ServiceDocument | None:
        number = self.by_code.get(code)
        return None if number is None else self.documents[number]

    def contains(self, term: str, number: int) -> bool:
        return term in self.term_sets[number]


def index_of_definitions(definitions: Iterable[dict[str, object]]) -> Index:
    """An index of `publish_service` arguments (code, department_kind, level, life_events,
    guide): the catalogue before it is published (the evaluation without a database)."""
    sources = []
    for definition in definitions:
        guide = definition["guide"]
        document = document_of(
            str(definition["code"]),
            guide,  # type: ignore[arg-type]
            department_kind=str(definition["department_kind"]),
            level=int(definition["level"]),  # type: ignore[call-overload]
            life_events=definition.get("life_events") or (),  # type: ignore[arg-type]
        )
        sources.append((document, f"{guide.keywords_zh} {guide.keywords_en}"))  # type: ignore[attr-defined]
    return Index.build(sources)
