"""The service assistant: the labelled questions' figures per split and language, and answers
per second in-process against a bare BM25 query of the same questions (the ceiling).

    .venv/bin/python bench/assistant_answers.py [--repeat 5] [--cpu N]

The catalogue is the demo city's (the 8 core services and the 187-item list), built from
their definitions as `publish_service` would publish them, so no database is needed; the
same passages the pages quote. Figures (top-1/top-3 accuracy among the questions a service
answers, the abstention rate, refusal precision and recall, the wrong-answer rate, the
sentences not found word for word in their cited field) are those of
`onewindow assistant evaluate`, which measures the published catalogue in a database.

Speed: `answering.answer` for every question (lexicon, out-of-scope check, BM25, the
situation, passages), one call per question, p50/p99 per call; the ceiling is
`Index.scores` of the same questions' plain terms (a bare BM25 query, no lexicon, no
answer). The process is pinned to one CPU; every rate is the median of `--repeat` rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=0)
    options = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {options.cpu})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings_test")
    import django

    django.setup()
    from tests.assistant.catalogue import city_index, source

    from onewindow.assistant import evaluation
    from onewindow.assistant.answering import answer
    from onewindow.assistant.text import terms

    index = city_index()
    print(f"catalogue: {len(index.documents)} services")
    questions = {split: evaluation.load(split) for split in evaluation.SPLITS}
    for split, chosen in questions.items():
        for language in ("zh", "en", ""):
            subset = [q for q in chosen if not language or q.language == language]
            figures, _ = evaluation.evaluate(subset, index, source)
            print("\n".join(figures.lines(f"{split} {language or 'both'}")[:-1]))

    texts = [q.question for split in evaluation.SPLITS for q in questions[split]]
    plain = [Counter(terms(text)) for text in texts]
    answer_rates, bare_rates, latencies = [], [], []
    for _round in range(options.repeat):
        started = time.perf_counter()
        for text in texts:
            begun = time.perf_counter()
            answer(text, index)
            latencies.append(time.perf_counter() - begun)
        answer_rates.append(len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        for query in plain:
            index.scores(query)
        bare_rates.append(len(texts) / (time.perf_counter() - started))
    latencies.sort()
    answers, bare = statistics.median(answer_rates), statistics.median(bare_rates)
    print(
        f"answers: {answers:,.0f}/s, p50 {latencies[len(latencies) // 2] * 1000:.2f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms ({len(texts)} questions, "
        f"median of {options.repeat})"
    )
    print(f"bare BM25 query: {bare:,.0f}/s; answers ÷ bare = {answers / bare:.2f}")


if __name__ == "__main__":
    main()
