"""The labelled questions: a fixed sample measured on every run (figures printed), and every
answer sentence on the held-out set found word for word in the source it cites."""

from __future__ import annotations

import pytest

from onewindow.assistant import evaluation
from tests.assistant.catalogue import city_index, source

SAMPLE = 80


def test_a_sample_of_the_labelled_questions_prints_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    questions = evaluation.sample(evaluation.load("dev") + evaluation.load("held_out"), SAMPLE)
    figures, _ = evaluation.evaluate(questions, city_index(), source)
    with capsys.disabled():
        print("\n" + "\n".join(figures.lines(f"assistant sample ({SAMPLE})")))
    assert figures.unsupported == 0
    # Floors well below the measured figures (bench/README.md): a regression, not noise.
    assert figures.rate(figures.top1, figures.in_scope) >= 0.75
    assert figures.rate(figures.refused_rightly, figures.out_of_scope) >= 0.75


def test_every_answer_sentence_on_the_held_out_set_is_in_its_cited_source() -> None:
    questions = evaluation.load("held_out")
    figures, answers = evaluation.evaluate(questions, city_index(), source)
    quoted = [(a.document.code, p) for a in answers if a.document for p in a.passages]
    assert len(quoted) == figures.sentences > 500
    unsupported = [(code, p) for code, p in quoted if p.text not in source(code, p.field)]
    assert unsupported == []


def test_the_held_out_set_is_bilingual_and_has_out_of_scope_questions() -> None:
    questions = evaluation.load("held_out")
    languages = {q.language for q in questions}
    assert languages == {"zh", "en"}
    assert sum(1 for q in questions if not q.expected) >= 30
    assert not {q.question for q in questions} & {q.question for q in evaluation.load("dev")}
