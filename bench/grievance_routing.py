"""Hotline routing: accuracy on the test split and classifications per second on one core,
against rjieba segmentation of the same texts as the ceiling.

    .venv/bin/python bench/grievance_routing.py [--repeat 5] [--no-train] [--all-cores] [--cpu N]
    (or `make bench-routing`)

The shipped model (src/onewindow/grievances/classifier/models_data) is measured, never a
retrained one: ONEWINDOW_ROUTER_MODEL_DIR points at an empty temp dir for the run.

- accuracy: top-1 department and category on the corpus's test split (phrasings written
  apart from training and tuning; see classifier/corpus/generate.py), per language, the share
  of cases below the confidence threshold (to a dispatcher) and the accuracy of the rest,
  and per-department precision and recall;
- ceiling: `rjieba.cut` of each test text, one call per text (what any Chinese router pays);
  also the router's own terms (words, character bigrams, English words and bigrams);
- `classify(text)` one text per call, with p50/p99 latency;
- `classify_many(texts)` in batches of 1,000 (the test texts repeated) and of 64;
- training: one `train()` on the training splits (skipped with --no-train).

The process is pinned to one CPU (unless --all-cores). Every rate is the median of
`--repeat` rounds over all test texts. Results go to stdout and bench/routing_results.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def rate(function: Callable[[], object], items: int, repeat: int) -> float:
    rounds = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        rounds.append(items / (time.perf_counter() - started))
    return statistics.median(rounds)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-train", action="store_true", help="skip timing a training run")
    parser.add_argument("--all-cores", action="store_true", help="do not pin to one CPU")
    parser.add_argument("--cpu", type=int, default=None, help="the CPU to pin to (default: first)")
    arguments = parser.parse_args()

    if not arguments.all_cores and hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {arguments.cpu if arguments.cpu is not None else allowed[0]})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings")
    os.environ.setdefault("ONEWINDOW_VAR_DIR", tempfile.mkdtemp(prefix="onewindow-bench-"))
    os.environ["ONEWINDOW_ROUTER_MODEL_DIR"] = tempfile.mkdtemp(prefix="onewindow-router-")
    import django

    django.setup()
    import rjieba

    from onewindow.grievances import classifier
    from onewindow.grievances.classifier.model import terms

    model = classifier.active_model()
    test = classifier.corpus("test")
    texts = [case.text for case in test]
    repeat = arguments.repeat
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    say(
        f"At {head}, {time.strftime('%Y-%m-%d')}, model {model.version}"
        f" ({model.metadata.get('training_cases')} training cases, {len(model.vocabulary):,} terms,"
        f" {len(model.categories)} categories, {len(model.department_kinds)} departments);"
        f" pinned to {cores} of {os.cpu_count()} cores; load average"
        f" {os.getloadavg()[0]:.2f}; medians of {repeat}."
    )
    say()

    # Accuracy.
    result = classifier.evaluate(model, test)
    zh = sum(1 for case in test if case.language == "zh")
    say(f"Test split: {result.cases} cases ({zh} Chinese, {result.cases - zh} English).")
    say()
    say("| measure | value |")
    say("| --- | ---: |")
    say(f"| top-1 department accuracy | {result.department_accuracy:.3f} |")
    say(
        f"| top-1 category accuracy ({len(model.categories)} categories)"
        f" | {result.category_accuracy:.3f} |"
    )
    for language, accuracy in result.by_language.items():
        say(f"| department accuracy, {language} | {accuracy:.3f} |")
    say(
        f"| below the threshold ({classifier.CONFIDENCE_THRESHOLD}): to a dispatcher"
        f" | {result.dispatcher_share:.3f} |"
    )
    say(f"| department accuracy of the cases routed alone | {result.confident_accuracy:.3f} |")
    say()
    say("| department | precision | recall | test cases |")
    say("| --- | ---: | ---: | ---: |")
    for kind, score in sorted(result.per_department.items(), key=lambda item: item[1].recall):
        say(f"| {kind} | {score.precision:.2f} | {score.recall:.2f} | {score.support} |")
    say()

    # Speed.
    n = len(texts)
    for text in texts[:50]:  # warm up
        classifier.classify(text)
    ceiling = rate(lambda: [rjieba.cut(text) for text in texts], n, repeat)
    tokenizer = rate(lambda: [terms(text) for text in texts], n, repeat)
    single = rate(lambda: [classifier.classify(text) for text in texts], n, repeat)
    big_batch = (texts * (1000 // n + 1))[:1000]
    batch = rate(lambda: classifier.classify_many(big_batch), len(big_batch), repeat)
    small = [texts[i : i + 64] for i in range(0, n, 64)]
    batch64 = rate(lambda: [classifier.classify_many(chunk) for chunk in small], n, repeat)
    latencies = []
    for text in texts:
        started = time.perf_counter()
        classifier.classify(text)
        latencies.append((time.perf_counter() - started) * 1000)
    say("| per second, one core | cases/s | ÷ rjieba |")
    say("| --- | ---: | ---: |")
    say(f"| ceiling: `rjieba.cut`, one text per call | {ceiling:,.0f} | 1.00 |")
    say(
        "| the router's terms (words + bigrams), one text per call"
        f" | {tokenizer:,.0f} | {tokenizer / ceiling:.2f} |"
    )
    say(
        f"| `classify(text)` (p50 {percentile(latencies, 0.5):.3f} ms,"
        f" p99 {percentile(latencies, 0.99):.3f} ms) | {single:,.0f} | {single / ceiling:.2f} |"
    )
    say(f"| `classify_many`, batches of 1,000 | {batch:,.0f} | {batch / ceiling:.2f} |")
    say(f"| `classify_many`, batches of 64 | {batch64:,.0f} | {batch64 / ceiling:.2f} |")
    say()

    if not arguments.no_train:
        training = classifier.corpus(*classifier.TRAINING_SPLITS)
        started = time.perf_counter()
        classifier.train(training, version="bench")
        say(f"Training on {len(training):,} cases: {time.perf_counter() - started:.1f} s.")
        say()

    (ROOT / "bench" / "routing_results.md").write_text(
        "# Hotline routing: last run\n\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
