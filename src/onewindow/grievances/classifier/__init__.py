"""Routing: which department should answer a hotline case, proposed from its text.

    proposal = classify("小区门口流动摊贩占道经营")
    proposal.department_kind, proposal.category, proposal.confidence, proposal.needs_dispatcher

The model ships with the package (`models_data/router-<version>.npz`, trained on the corpus
in `corpus/`). `retrain(corrections)` trains a new one from the corpus's training split and a
dispatcher's corrections and writes it under `ONEWINDOW_ROUTER_MODEL_DIR` (default
`var/router/`), never into the package; every process then uses the newest file there
(checked at most every `RELOAD_SECONDS`), or the shipped one while there is none.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from django.conf import settings

from onewindow.grievances.classifier.categories import CATEGORIES, Category, department_kinds
from onewindow.grievances.classifier.model import LabelledCase, TrainedModel, fit

logger = logging.getLogger(__name__)

__all__ = [
    "CATEGORIES",
    "CONFIDENCE_THRESHOLD",
    "Category",
    "Evaluation",
    "LabelledCase",
    "RoutingProposal",
    "TrainedModel",
    "active_model",
    "classify",
    "classify_many",
    "corpus",
    "department_kinds",
    "evaluate",
    "language_of",
    "model_directory",
    "reload_model",
    "retrain",
    "train",
]

# Below this probability of the top department a dispatcher routes the case. The model's
# probabilities run low (54 categories, short texts): chosen on the dev split, where ~70 % of
# cases clear 0.35 and ~97 % of those are right (the test split's figures: bench/README.md).
CONFIDENCE_THRESHOLD = 0.35
ALTERNATIVES = 3
# A dispatcher's correction counts as this many corpus cases: one correction must be able
# to move a phrasing the corpus taught otherwise.
CORRECTION_WEIGHT = 8.0
RELOAD_SECONDS = 30.0

PACKAGE_MODELS = Path(__file__).resolve().parent / "models_data"
CORPUS_FILE = Path(__file__).resolve().parent / "corpus" / "cases.jsonl"
# The shipped model and retrain() learn from these splits; "test" is only ever measured.
TRAINING_SPLITS = ("train", "dev")


@dataclass(frozen=True)
class RoutingProposal:
    department_kind: str  # one of identity.models.DepartmentKind values
    category: str  # a category code from CATEGORIES
    confidence: float  # 0..1: the model's probability of the top department
    alternatives: tuple[tuple[str, float], ...]  # next department kinds, with probabilities
    # confidence < CONFIDENCE_THRESHOLD; a text with no known term gets the model's prior,
    # about 1 / the number of departments, so it always goes to a dispatcher
    needs_dispatcher: bool
    model_version: str


@dataclass(frozen=True)
class DepartmentScore:
    precision: float
    recall: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    cases: int
    department_accuracy: float  # top-1 department
    category_accuracy: float  # top-1 category
    per_department: dict[str, DepartmentScore]
    by_language: dict[str, float]  # department accuracy per language
    dispatcher_share: float  # share of cases below the confidence threshold
    confident_accuracy: float  # department accuracy of the cases above it


# --- the corpus ---------------------------------------------------------------------------


def corpus(*splits: str) -> list[LabelledCase]:
    """The shipped labelled cases of the given splits ("train", "dev", "test"; all if none).
    See corpus/generate.py for how they are split."""
    return [case for split, case in _corpus_rows() if not splits or split in splits]


@functools.cache
def _corpus_rows() -> tuple[tuple[str, LabelledCase], ...]:
    rows = []
    with CORPUS_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            case = LabelledCase(
                row["text"], row["department_kind"], row["category"], row["language"]
            )
            rows.append((row["split"], case))
    return tuple(rows)


# --- training -----------------------------------------------------------------------------


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def language_of(text: str) -> str:
    """The language of a text for `LabelledCase.language`: "zh" if it has any Chinese
    character, else "en"."""
    return "zh" if _CJK.search(text) else "en"


def _check_labels(cases: Sequence[LabelledCase]) -> None:
    for case in cases:
        category = CATEGORIES.get(case.category)
        if category is None:
            raise ValueError(f"category {case.category!r} is not one of the routing categories")
        if category.department_kind != case.department_kind:
            raise ValueError(
                f"category {case.category!r} belongs to {category.department_kind!r}, "
                f"not {case.department_kind!r}"
            )


def _new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def train(
    examples: Iterable[LabelledCase],
    *,
    version: str,
    weights: Sequence[float] | None = None,
) -> TrainedModel:
    """A model learnt from `examples` (each case's weight 1 unless `weights` says)."""
    cases = list(examples)
    _check_labels(cases)
    model = fit(
        cases,
        version=version,
        category_department={code: c.department_kind for code, c in CATEGORIES.items()},
        sample_weight=weights,
    )
    model.metadata["trained_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return model


def model_directory() -> Path:
    """Where retrained models go and are looked for first (outside the package)."""
    configured = getattr(settings, "ONEWINDOW_ROUTER_MODEL_DIR", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "router"


def reload_model() -> None:
    """Look for the newest model again at the next classification (e.g. after the model
    directory changed)."""
    _loader.forget()


def retrain(extra: Iterable[LabelledCase], *, output_dir: Path | None = None) -> Path:
    """Train on the corpus's training splits plus `extra` (dispatcher corrections, weighted
    CORRECTION_WEIGHT each), measure it on the test split, write a new versioned file and
    return its path. Processes pick it up within RELOAD_SECONDS."""
    corrections = list(extra)
    _check_labels(corrections)
    base = corpus(*TRAINING_SPLITS)
    weights = [1.0] * len(base) + [CORRECTION_WEIGHT] * len(corrections)
    model = train(base + corrections, version=_new_version(), weights=weights)
    held_out = evaluate(model, corpus("test"))
    model.metadata.update(
        corrections=len(corrections),
        held_out_department_accuracy=round(held_out.department_accuracy, 4),
        held_out_category_accuracy=round(held_out.category_accuracy, 4),
    )
    path = model.save(output_dir if output_dir is not None else model_directory())
    _loader.forget()
    return path


# --- prediction ---------------------------------------------------------------------------


def _candidates(directory: Path) -> list[Path]:
    """Model files in `directory`, newest first (versions sort by training time)."""
    try:
        found = [p for p in directory.glob("router-*.npz") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)


def _newest(directory: Path) -> Path | None:
    found = _candidates(directory)
    return found[0] if found else None


class _Loader:
    """Loads the active model once per process and notices a newer retrained file."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._model: TrainedModel | None = None
        self._path: Path | None = None
        self._checked = 0.0

    def forget(self) -> None:
        with self._lock:
            self._checked = 0.0

    def get(self) -> TrainedModel:
        model = self._model
        if model is not None and time.monotonic() - self._checked < RELOAD_SECONDS:
            return model
        with self._lock:
            if self._model is None or time.monotonic() - self._checked >= RELOAD_SECONDS:
                self._load_newest()
                self._checked = time.monotonic()
            assert self._model is not None
            return self._model

    def _load_newest(self) -> None:
        # Retrained files first, newest first; one that does not load (a file of an older
        # tokenizer, a half-copied file) is skipped with a warning, down to the shipped one.
        for path in _candidates(model_directory()) + _candidates(PACKAGE_MODELS):
            if path == self._path and self._model is not None:
                return
            try:
                self._model = TrainedModel.load(path)
            except (OSError, ValueError, KeyError) as error:
                logger.warning("router model %s skipped: %s", path, error)
                continue
            self._path = path
            return
        raise FileNotFoundError(f"no router model loads from {PACKAGE_MODELS}")


_loader = _Loader()


def active_model() -> TrainedModel:
    """The model `classify` uses now."""
    return _loader.get()


def _proposals(model: TrainedModel, texts: Sequence[str]) -> list[RoutingProposal]:
    category_p = model.category_probabilities(texts)
    department_p = model.department_probabilities(category_p)
    proposals = []
    for row in range(len(texts)):
        departments = department_p[row]
        order = np.argsort(-departments)
        top = int(order[0])
        # The category: the likeliest of the top department's own categories.
        own = np.flatnonzero(model.category_department == top)
        category = model.categories[int(own[np.argmax(category_p[row, own])])]
        confidence = float(departments[top])
        proposals.append(
            RoutingProposal(
                department_kind=model.department_kinds[top],
                category=category,
                confidence=min(max(confidence, 0.0), 1.0),
                alternatives=tuple(
                    (model.department_kinds[int(i)], float(departments[int(i)]))
                    for i in order[1 : 1 + ALTERNATIVES]
                ),
                needs_dispatcher=confidence < CONFIDENCE_THRESHOLD,
                model_version=model.version,
            )
        )
    return proposals


def classify(text: str) -> RoutingProposal:
    """Propose a department and category for one case's text."""
    return _proposals(_loader.get(), [text])[0]


def classify_many(texts: Sequence[str]) -> list[RoutingProposal]:
    """Propose for many texts at once (one matrix product for all)."""
    return _proposals(_loader.get(), list(texts))


# --- measuring ----------------------------------------------------------------------------


def evaluate(model: TrainedModel, cases: Iterable[LabelledCase]) -> Evaluation:
    """Top-1 department and category accuracy and per-department precision and recall."""
    labelled = list(cases)
    proposals = _proposals(model, [case.text for case in labelled])
    total = len(labelled)
    right_department = [
        p.department_kind == c.department_kind for p, c in zip(proposals, labelled, strict=True)
    ]
    right_category = [p.category == c.category for p, c in zip(proposals, labelled, strict=True)]
    per_department: dict[str, DepartmentScore] = {}
    for kind in sorted(
        {c.department_kind for c in labelled} | {p.department_kind for p in proposals}
    ):
        predicted = sum(1 for p in proposals if p.department_kind == kind)
        actual = sum(1 for c in labelled if c.department_kind == kind)
        hits = sum(
            1
            for p, c in zip(proposals, labelled, strict=True)
            if p.department_kind == kind and c.department_kind == kind
        )
        per_department[kind] = DepartmentScore(
            precision=hits / predicted if predicted else 0.0,
            recall=hits / actual if actual else 0.0,
            support=actual,
        )
    by_language: dict[str, float] = {}
    for language in sorted({c.language for c in labelled}):
        rows = [
            ok for ok, c in zip(right_department, labelled, strict=True) if c.language == language
        ]
        by_language[language] = sum(rows) / len(rows)
    confident = [
        ok for ok, p in zip(right_department, proposals, strict=True) if not p.needs_dispatcher
    ]
    return Evaluation(
        cases=total,
        department_accuracy=sum(right_department) / total if total else 0.0,
        category_accuracy=sum(right_category) / total if total else 0.0,
        per_department=per_department,
        by_language=by_language,
        dispatcher_share=1 - len(confident) / total if total else 0.0,
        confident_accuracy=sum(confident) / len(confident) if confident else 0.0,
    )
