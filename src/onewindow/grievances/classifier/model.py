"""The router's model: features, training, prediction and the portable model file.

Features are TF-IDF weights of terms: Chinese words by rjieba and the character bigrams of
each run of Chinese characters (they survive a misheard character or a word rjieba splits
oddly), English words lower-cased and lightly stemmed with their word bigrams. Numbers are
dropped: amounts, bus lines and plate numbers say nothing about the department.

A multinomial logistic regression (scikit-learn) learns one weight per term and category.
The file keeps only arrays (vocabulary, idf, weights, intercepts) and JSON metadata in an
`.npz`, so predicting needs numpy and this module, not scikit-learn or pickle: a model file
loads in any version of either, and nothing in it can run code (see docs/adr/0007).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from onewindow.core import words

TOKENIZER_VERSION = 1
FORMAT = "onewindow-router/1"
MAX_TEXT_CHARS = 4000  # longer texts are cut: the first paragraphs say what the case is about
# Words that say nothing about a department.
_STOP_EN = frozenset(
    re.findall(
        r"\S+",
        "a an the and or of to in on at for is are was were be been it its this that i me my"
        " we our you your he she they them their has have had do does did not no so but with"
        " from by as there can could would will please",
    )
)
_STOP_ZH = frozenset(
    re.findall(r"\S+", "的 了 我 你 他 她 是 在 也 都 就 还 和 吧 吗 呢 啊 嗯 那个 就是 然后 一下")
)


class LabelledCase(NamedTuple):
    text: str
    department_kind: str
    category: str
    language: str  # "zh" or "en"


def terms(text: str) -> list[str]:
    """The terms of a case's text (repeats kept: they are counted)."""
    return words.tokenise(
        text,
        stop_words=_STOP_EN | _STOP_ZH,
        english=words.LETTERS,
        min_english=2,
        stem=words.light_stem,
        english_pairs=True,
        character_pairs="",
        normalise=True,
        max_chars=MAX_TEXT_CHARS,
    )


@dataclass
class TrainedModel:
    """Everything prediction needs, plus what the model file says about itself."""

    version: str
    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]
    # One row per term (and a last row of zeros that every text carries), one column per
    # category: the scores of a text are its TF-IDF weights times these rows.
    weights: npt.NDArray[np.float32]
    intercept: npt.NDArray[np.float32]
    categories: tuple[str, ...]
    department_kinds: tuple[str, ...]
    category_department: npt.NDArray[np.intp]  # category column → index in department_kinds
    metadata: dict[str, Any] = field(default_factory=dict)

    def features(self, text: str) -> tuple[list[int], list[float]]:
        """Term indices and their l2-normalised, sublinear TF-IDF weights."""
        counts = Counter(term for term in terms(text) if term in self.vocabulary)
        if not counts:
            return [], []
        indices = [self.vocabulary[term] for term in counts]
        values = [
            (1.0 + math.log(n)) * float(self.idf[i])
            for i, n in zip(indices, counts.values(), strict=True)
        ]
        norm = math.sqrt(sum(v * v for v in values))
        return indices, [v / norm for v in values]

    def category_probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Softmax over categories, one row per text."""
        zero_row = self.weights.shape[0] - 1
        all_indices: list[int] = []
        all_values: list[float] = []
        starts: list[int] = []
        for text in texts:
            starts.append(len(all_indices))
            indices, values = self.features(text)
            all_indices.append(zero_row)  # every row sums at least one (zero) term
            all_values.append(0.0)
            all_indices.extend(indices)
            all_values.extend(values)
        if not texts:
            return np.zeros((0, len(self.categories)))
        gathered = (
            self.weights[np.asarray(all_indices)]
            * np.asarray(all_values, dtype=np.float32)[:, None]
        )
        scores = np.add.reduceat(gathered, np.asarray(starts), axis=0).astype(np.float64)
        scores += self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def department_probabilities(
        self, category_probabilities: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        out = np.zeros((category_probabilities.shape[0], len(self.department_kinds)))
        np.add.at(out.T, self.category_department, category_probabilities.T)
        return out

    def save(self, directory: Path) -> Path:
        """Write `router-<version>.npz` into `directory` (atomically) and return its path."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"router-{self.version}.npz"
        ordered = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        metadata = {
            **self.metadata,
            "format": FORMAT,
            "version": self.version,
            "tokenizer": TOKENIZER_VERSION,
            "categories": list(self.categories),
            "department_kinds": list(self.department_kinds),
            "category_department": [int(i) for i in self.category_department],
        }
        partial = directory / f".router-{self.version}.partial.npz"
        np.savez_compressed(
            partial,
            vocabulary=np.array(ordered, dtype=np.str_),
            idf=self.idf.astype(np.float32),
            weights=self.weights[:-1].astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            metadata=np.array(json.dumps(metadata, ensure_ascii=False)),
        )
        partial.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> TrainedModel:
        with np.load(path, allow_pickle=False) as data:
            metadata = json.loads(str(data["metadata"]))
            if metadata.get("format") != FORMAT or metadata.get("tokenizer") != TOKENIZER_VERSION:
                raise ValueError(
                    f"{path.name}: not a {FORMAT} model of tokenizer {TOKENIZER_VERSION}"
                )
            vocabulary = {str(term): i for i, term in enumerate(data["vocabulary"])}
            weights = data["weights"].astype(np.float32)
            weights = np.vstack([weights, np.zeros((1, weights.shape[1]), dtype=np.float32)])
            return cls(
                version=str(metadata["version"]),
                vocabulary=vocabulary,
                idf=data["idf"].astype(np.float32),
                weights=weights,
                intercept=data["intercept"].astype(np.float32),
                categories=tuple(metadata["categories"]),
                department_kinds=tuple(metadata["department_kinds"]),
                category_department=np.asarray(metadata["category_department"], dtype=np.intp),
                metadata=metadata,
            )


@dataclass(frozen=True)
class TrainingOptions:
    min_df: int = 2
    c: float = 30.0
    max_iter: int = 2000


def fit(
    cases: Sequence[LabelledCase],
    *,
    version: str,
    category_department: dict[str, str],
    sample_weight: Sequence[float] | None = None,
    options: TrainingOptions = TrainingOptions(),
) -> TrainedModel:
    """Learn a model from labelled cases (scikit-learn is needed here only)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    if not cases:
        raise ValueError("training needs at least one labelled case")
    documents = [Counter(terms(case.text)) for case in cases]
    document_frequency: Counter[str] = Counter()
    for counts in documents:
        document_frequency.update(counts.keys())
    kept = sorted(term for term, df in document_frequency.items() if df >= options.min_df)
    vocabulary = {term: i for i, term in enumerate(kept)}
    n = len(documents)
    idf = np.array(
        [math.log((1 + n) / (1 + document_frequency[term])) + 1.0 for term in kept],
        dtype=np.float32,
    )
    model = TrainedModel(
        version=version,
        vocabulary=vocabulary,
        idf=idf,
        weights=np.zeros((len(kept) + 1, 1), dtype=np.float32),
        intercept=np.zeros(1, dtype=np.float32),
        categories=(),
        department_kinds=(),
        category_department=np.zeros(0, dtype=np.intp),
    )
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for row, case in enumerate(cases):
        indices, weights = model.features(case.text)
        rows.extend([row] * len(indices))
        cols.extend(indices)
        values.extend(weights)
    matrix = csr_matrix((values, (rows, cols)), shape=(n, max(len(kept), 1)), dtype=np.float64)
    labels = [case.category for case in cases]
    classifier = LogisticRegression(C=options.c, max_iter=options.max_iter)
    classifier.fit(matrix, labels, sample_weight=sample_weight)
    categories = tuple(str(label) for label in classifier.classes_)
    coef = classifier.coef_
    intercept = classifier.intercept_
    if len(categories) == 2:  # binary: scikit-learn keeps one row; softmax needs both
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    kinds = tuple(sorted({category_department[c] for c in categories}))
    model.weights = np.vstack(
        [coef.T.astype(np.float16).astype(np.float32), np.zeros((1, len(categories)), np.float32)]
    )
    model.intercept = intercept.astype(np.float32)
    model.categories = categories
    model.department_kinds = kinds
    model.category_department = np.array(
        [kinds.index(category_department[c]) for c in categories], dtype=np.intp
    )
    model.metadata = {
        "training_cases": n,
        "terms": len(kept),
        "min_df": options.min_df,
        "C": options.c,
        "corpus_sha256": corpus_digest(cases),
    }
    return model


def corpus_digest(cases: Iterable[LabelledCase]) -> str:
    digest = hashlib.sha256()
    for case in cases:
        digest.update(json.dumps(list(case), ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()
