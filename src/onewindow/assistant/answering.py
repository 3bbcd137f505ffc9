"""Answering a question from the catalogue's passages only (no Django, no database).

The question is segmented and widened by the lexicon, the services are ranked by BM25 and
by who is asking, and the answer is made of passages of the best service's version, chosen
by what the question asks about (the fee, the materials, where to go...). When nothing
scores well enough, or the question is one for a person, there is no answer: the resident is
handed to the hotline with the question.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from onewindow.assistant.index import Index, Passage, ServiceDocument
from onewindow.assistant.text import terms, words
from onewindow.core.words import is_chinese

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.json"
MAX_QUESTION = 500  # characters; longer questions are refused with a message, not cut
# A service is an answer only when its score passes this and the question's words are found
# in it (tuned on data/dev.tsv; `onewindow assistant evaluate --split dev`). The score is
# counted in units of the rarest word's weight, so it means the same for 8 services or 800.
MIN_SCORE = 1.23
MIN_COVERAGE = 0.34
PAIR_WEIGHT = 0.5  # a Chinese character pair counts half a word
EXPANSION_WEIGHT = 0.6  # a word the lexicon adds counts less than one the resident typed
ALTERNATIVES = 3
BRIEF_PASSAGES = 3


class Outcome(StrEnum):
    ANSWERED = "answered"
    NO_MATCH = "no_match"  # nothing scored well enough
    OUT_OF_SCOPE = "out_of_scope"  # a question for a person, or not about services


@dataclass(frozen=True)
class Lexicon:
    synonyms: dict[str, tuple[str, ...]]
    aspect_questions: dict[str, tuple[str, ...]]
    aspect_guides: dict[str, tuple[str, ...]]
    aspect_fields: dict[str, tuple[str, ...]]
    out_of_scope: tuple[str, ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Lexicon:
        aspects: dict[str, dict[str, list[str]]] = data["aspects"]
        return cls(
            synonyms={k.lower(): tuple(v) for k, v in data["synonyms"].items()},
            aspect_questions={k: tuple(v.get("question", ())) for k, v in aspects.items()},
            aspect_guides={k: tuple(v.get("guide", ())) for k, v in aspects.items()},
            aspect_fields={k: tuple(v.get("fields", ())) for k, v in aspects.items()},
            out_of_scope=tuple(p.lower() for p in data["out_of_scope"]),
        )


@cache
def lexicon() -> Lexicon:
    return Lexicon.from_data(json.loads(LEXICON_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Situation:
    """Who is asking, as far as it helps ranking: the level of their division (5 township,
    6 village), their age, whether they act for a business, the services of their open
    applications."""

    division_level: int | None = None
    age: int | None = None
    is_business: bool | None = None  # unknown for someone not signed in
    open_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Answer:
    question: str
    language: str
    outcome: Outcome
    document: ServiceDocument | None = None
    aspect: str = ""
    passages: tuple[Passage, ...] = ()
    alternatives: tuple[ServiceDocument, ...] = ()
    ranked: tuple[str, ...] = ()  # every code that scored, best first (for the evaluation)
    score: float = 0.0
    is_follow_up: bool = False
    more: bool = False  # a brief answer left passages out


@dataclass
class _Query:
    weights: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    # What the question is about: each typed content word, or a lexicon phrase with the
    # catalogue words it means; the best service should mention most of them.
    concepts: list[frozenset[str]] = field(default_factory=list)


def language_of(question: str) -> str:
    return "zh" if is_chinese(question) else "en"


def _contains(text: str, phrase: str) -> bool:
    """`phrase` in `text`; an English phrase only as whole words."""
    if is_chinese(phrase):
        return phrase in text
    return f" {phrase} " in f" {text} "


def _normalised(question: str) -> str:
    lowered = question.lower()
    return "".join(c if c.isalnum() or c in "-'" else " " for c in lowered).strip()


def build_query(question: str, lex: Lexicon) -> _Query:
    query = _Query()
    for term in terms(question):
        query.weights[term] += PAIR_WEIGHT if term.startswith("~") else 1.0
    text = _normalised(question)
    explained: set[str] = set()
    for phrase, meanings in lex.synonyms.items():
        if _contains(text, phrase):
            concept = set(words(phrase))
            explained |= concept
            for meaning in meanings:
                for term in terms(meaning):
                    weight = PAIR_WEIGHT if term.startswith("~") else 1.0
                    query.weights[term] += weight * EXPANSION_WEIGHT
                concept |= set(words(meaning))
            query.concepts.append(frozenset(concept))
    for word in dict.fromkeys(words(question)):
        if word not in explained and (len(word) > 1 or not is_chinese(word)):
            query.concepts.append(frozenset([word]))
    return query


def aspect_of(question: str, lex: Lexicon) -> str:
    text = _normalised(question)
    for aspect, phrases in lex.aspect_questions.items():
        if any(_contains(text, phrase) for phrase in phrases):
            return aspect
    return ""


def is_out_of_scope(question: str, lex: Lexicon) -> bool:
    text = " " + _normalised(question) + " "
    return any(phrase in text for phrase in lex.out_of_scope)


def _preference(document: ServiceDocument, situation: Situation) -> float:
    """A small factor for who asks: it orders close candidates, it never makes a weak match
    an answer (the threshold is checked on the plain score)."""
    factor = 1.0
    if situation.division_level is not None and situation.division_level >= 5:
        factor *= 1.08 if document.level >= 5 else 1.0
    elif situation.division_level is not None and document.level == 6:
        factor *= 0.95
    if situation.age is not None and "elderly" in document.life_events:
        factor *= 1.08 if situation.age >= 60 else 0.97
    if document.audience == "business" and situation.is_business is not None:
        factor *= 1.05 if situation.is_business else 0.97
    if document.code in situation.open_codes:
        factor *= 1.1
    return factor


def rank(
    question: str, index: Index, situation: Situation, lex: Lexicon
) -> tuple[list[tuple[ServiceDocument, float, float]], _Query]:
    """(document, plain score, coverage) best first, by score times the situation's factor."""
    query = build_query(question, lex)
    scores = index.scores(query.weights)
    concepts = [c for c in query.concepts if any(w in index.idf for w in c)]
    ranked = []
    for number, score in scores.items():
        document = index.documents[number]
        covered = sum(1 for c in concepts if any(index.contains(w, number) for w in c))
        coverage = covered / len(concepts) if concepts else 1.0
        ranked.append((document, score, coverage))
    ranked.sort(key=lambda row: (-row[1] * _preference(row[0], situation), row[0].code))
    return ranked, query


def _guide_passages(document: ServiceDocument, language: str) -> list[Passage]:
    return [p for p in document.passages_in(language) if p.kind == "guide"]


def passages_for(
    document: ServiceDocument, aspect: str, language: str, lex: Lexicon
) -> list[Passage]:
    """The passages that answer `aspect` (all of the guide when there is none)."""
    guide = _guide_passages(document, language)
    if not aspect:
        return guide
    chosen: list[Passage] = []
    for name in lex.aspect_fields.get(aspect, ()):
        chosen += [p for p in document.passages_in(language) if p.kind == name]
    if not chosen:
        markers = lex.aspect_guides.get(aspect, ())
        chosen = [p for p in guide if any(m in p.text.lower() for m in markers)]
        if aspect == "where":
            chosen = chosen[:1]
    return chosen or guide


def answer(
    question: str,
    index: Index,
    *,
    language: str = "",
    situation: Situation | None = None,
    context_code: str = "",
    brief: bool = False,
) -> Answer:
    """The answer to `question` from `index`'s passages, or none (no match, out of scope).

    With `context_code` (the service of the previous answer) a follow-up that asks about an
    aspect ("what does it cost?") or names no other service is answered from that service.
    """
    lex = lexicon()
    question = question.strip()
    language = language or language_of(question)
    situation = situation or Situation()
    if is_out_of_scope(question, lex):
        return Answer(question, language, Outcome.OUT_OF_SCOPE)
    ranked, _query = rank(question, index, situation, lex)
    aspect = aspect_of(question, lex)
    codes = tuple(document.code for document, _, _ in ranked)
    context = index.document(context_code) if context_code else None
    chosen: tuple[ServiceDocument, float] | None = None
    is_follow_up = False
    threshold = MIN_SCORE * index.max_idf
    if ranked:
        best, score, coverage = ranked[0]
        if score >= threshold and coverage >= MIN_COVERAGE:
            chosen = (best, score)
    if context is not None:
        names_another = (
            chosen is not None
            and chosen[0].code != context.code
            and (not aspect or chosen[1] >= 2 * threshold)
        )
        if not names_another:
            chosen = (context, next((s for d, s, _ in ranked if d.code == context.code), 0.0))
            is_follow_up = True
    if chosen is None:
        return Answer(question, language, Outcome.NO_MATCH, ranked=codes)
    document, score = chosen
    passages = passages_for(document, aspect, language, lex)
    more = brief and len(passages) > BRIEF_PASSAGES
    if more:
        passages = passages[:BRIEF_PASSAGES]
    alternatives = tuple(d for d, s, c in ranked[1 : ALTERNATIVES + 1] if s >= threshold)
    return Answer(
        question,
        language,
        Outcome.ANSWERED,
        document=document,
        aspect=aspect,
        passages=tuple(passages),
        alternatives=tuple(d for d in alternatives if d.code != document.code),
        ranked=codes,
        score=score,
        is_follow_up=is_follow_up,
        more=more,
    )
