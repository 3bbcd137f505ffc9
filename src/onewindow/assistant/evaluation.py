"""The assistant measured on its labelled questions (data/dev.tsv, data/held_out.tsv):
top-1 and top-3 accuracy, refusals, wrong answers, unsupported statements."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from onewindow.assistant.answering import Answer, Outcome, answer
from onewindow.assistant.index import Index, Passage

DATA = Path(__file__).parent / "data"
SPLITS = ("dev", "held_out")


@dataclass(frozen=True)
class LabelledQuestion:
    language: str
    expected: tuple[str, ...]  # code suffixes; empty: the assistant must refuse
    question: str
    split: str

    def is_right(self, code: str) -> bool:
        return any(code == e or code.endswith("-" + e) for e in self.expected)


def load(split: str) -> list[LabelledQuestion]:
    questions = []
    for line in (DATA / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        language, expected, question = line.split("\t")
        codes = () if expected == "-" else tuple(expected.split())
        questions.append(LabelledQuestion(language, codes, question, split))
    return questions


@dataclass
class Figures:
    questions: int = 0
    in_scope: int = 0
    top1: int = 0
    top3: int = 0
    out_of_scope: int = 0
    refused: int = 0
    refused_rightly: int = 0  # refusals of out-of-scope questions
    wrong: int = 0  # answered with a service not among the expected (incl. out-of-scope)
    sentences: int = 0
    unsupported: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    def lines(self, title: str) -> list[str]:
        return [
            f"{title}: {self.questions} questions ({self.in_scope} in scope, "
            f"{self.out_of_scope} out of scope)",
            f"  top-1 accuracy      {self.rate(self.top1, self.in_scope):.3f}",
            f"  top-3 accuracy      {self.rate(self.top3, self.in_scope):.3f}",
            f"  abstention rate     {self.rate(self.refused, self.questions):.3f}",
            f"  refusal precision   {self.rate(self.refused_rightly, self.refused):.3f}",
            f"  refusal recall      {self.rate(self.refused_rightly, self.out_of_scope):.3f}",
            f"  wrong-answer rate   {self.rate(self.wrong, self.questions):.3f}",
            f"  unsupported statements {self.unsupported} of {self.sentences} sentences",
            f"  answers/s           {self.rate(self.questions, 1) / (self.seconds or 1e-9):.0f}",
        ]


def is_supported(passage: Passage, source: Callable[[str, str], str], code: str) -> bool:
    """Whether the passage is, word for word, in the field it cites."""
    return bool(passage.text) and passage.text in source(code, passage.field)


def evaluate(
    questions: Sequence[LabelledQuestion],
    index: Index,
    source: Callable[[str, str], str],
) -> tuple[Figures, list[Answer]]:
    """Every question answered once; `source(code, field)` is the cited version's field."""
    figures = Figures(questions=len(questions))
    answers = []
    started = time.perf_counter()
    for labelled in questions:
        answers.append(answer(labelled.question, index, language=labelled.language))
    figures.seconds = time.perf_counter() - started
    for labelled, given in zip(questions, answers, strict=True):
        refused = given.outcome != Outcome.ANSWERED
        figures.refused += refused
        if not labelled.expected:
            figures.out_of_scope += 1
            figures.refused_rightly += refused
            if not refused:
                figures.wrong += 1
                figures.failures.append(f"answered {labelled.question!r}")
        else:
            figures.in_scope += 1
            top = given.document.code if given.document else ""
            figures.top1 += bool(top) and labelled.is_right(top)
            near = [top] if top else []
            near += [d.code for d in given.alternatives]
            near += [c for c in given.ranked if c not in near] if not refused else []
            figures.top3 += any(labelled.is_right(c) for c in near[:3] if c)
            if top and not labelled.is_right(top):
                figures.wrong += 1
            if not (top and labelled.is_right(top)):
                figures.failures.append(
                    f"{labelled.question!r}: expected {' '.join(labelled.expected)}, "
                    f"got {top or given.outcome.value} ({given.score:.1f})"
                )
        if given.document is not None:
            for passage in given.passages:
                figures.sentences += 1
                figures.unsupported += not is_supported(passage, source, given.document.code)
    return figures, answers


def sample(
    questions: Sequence[LabelledQuestion], size: int, seed: int = 24
) -> list[LabelledQuestion]:
    """A fixed sample of `size` questions (for CI), the same on every run."""
    chosen = list(questions)
    random.Random(seed).shuffle(chosen)  # noqa: S311  (a fixed sample, not a secret)
    return chosen[:size]
