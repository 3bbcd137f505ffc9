"""The random inspection draw over a large population, against bare SHA-256 in the same run.

    .venv/bin/python bench/supervision_draw.py [--businesses 1000000] [--sample 500] [--repeat 3]

No database: the draw is `supervision/redraw.py`, the same stdlib-only code the platform runs
and `onewindow-redraw` publishes. Three figures, each the median of `--repeat` runs:

- keys and top-k: `draw_targets` (one SHA-256 per business from the counter stream, the
  Efraimidis–Spirakis key by exact square roots, the `--sample` largest kept);
- the whole draw: `compute_draw` (sorting and digesting the population list, the seed, the
  targets, two inspectors per visit among 200), what a citizen's recomputation costs;
- the ceiling: one bare `hashlib.sha256(seed + counter).digest()` per business, in a loop of
  the same shape (the least any per-business hash draw can cost in Python).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from onewindow.supervision import redraw

NOTE = (
    "onewindow.example/ledger\n123457\nq1ZKs0bl8c3mR0P7Z0tqgk0s0HLJ0rLCxw9B3L0mWHc=\n\n"
    "— onewindow.example/ledger abcd\n"
)


def population(count: int) -> list[dict[str, Any]]:
    rng = random.Random(23)
    grades = "AAAAAABBBCD"  # most businesses have good credit
    return [
        {
            "credit_code": f"91330{n:013d}",
            "division": f"330106{rng.randrange(1, 15):03d}",
            "grade": rng.choice(grades),
        }
        for n in range(count)
    ]


def plan_of(rows: list[dict[str, Any]], sample: int) -> dict[str, Any]:
    inspectors = [
        {
            "ref": f"ZF{n:06d}",
            "department": "330100-market_supervision",
            "residence": f"330127{n % 9:03d}",
            "related": [],
            "last_target": "",
        }
        for n in range(200)
    ]
    return {
        "algorithm": redraw.ALGORITHM,
        "departments": ["330100-market_supervision"],
        "inspectors_per_department": 2,
        "sample_size": sample,
        "weights": dict(redraw.WEIGHTS),
        "population_sha256": redraw.population_digest(rows),
        "inspectors": inspectors,
    }


def bare_sha256(count: int, seed: bytes) -> None:
    prefix = hashlib.sha256(seed + redraw.TARGET_LABEL)
    copy = prefix.copy
    for index in range(count):
        block = copy()
        block.update(index.to_bytes(8, "big"))
        block.digest()


def timed(run: Any) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--businesses", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    rows = redraw.sorted_population(population(arguments.businesses))
    plan = plan_of(rows, arguments.sample)
    seed = redraw.seed_of(redraw.digest(plan), plan["population_sha256"], NOTE)
    figures: dict[str, list[float]] = {"bare": [], "targets": [], "draw": []}
    for _ in range(arguments.repeat):  # interleaved, so load changes hit all three alike
        figures["bare"].append(timed(lambda: bare_sha256(arguments.businesses, seed)))
        figures["targets"].append(
            timed(lambda: redraw.draw_targets(seed, rows, plan["weights"], arguments.sample))
        )
        figures["draw"].append(timed(lambda: redraw.compute_draw(plan, rows, NOTE)))
    bare = statistics.median(figures["bare"])
    print(
        f"{arguments.businesses:,} businesses, sample {arguments.sample}, "
        f"median of {arguments.repeat}"
    )
    for name, label in (
        ("bare", "bare SHA-256 per business (ceiling)"),
        ("targets", "draw_targets: keys and top-k"),
        ("draw", "compute_draw: digest, seed, targets, inspectors"),
    ):
        median = statistics.median(figures[name])
        print(f"  {label:<50} {median:7.3f} s   × {median / bare:4.2f} of bare")


if __name__ == "__main__":
    main()
