"""The "double random" draw, as published: anyone recomputes it with `onewindow-redraw`.

Standard library only, on purpose: this module is the published algorithm. The platform's
draw (`supervision.services.draw_plan`) calls `compute_draw` below, and a citizen runs the same
code with nothing but Python installed:

    onewindow-redraw --plan plan.json --population population.json \\
        --checkpoint checkpoint.txt --draw draw.json

Algorithm `onewindow-draw-v1` (docs/supervision-draw.md says the same in words):

1. Digests: SHA-256 over canonical JSON (keys sorted, no spaces, UTF-8) of the plan document;
   SHA-256 over the population rows sorted by credit code, one UTF-8 line each:
   credit code, TAB, division code, TAB, risk grade, newline.
2. Seed: SHA-256 of "onewindow-draw-v1\\n" + plan digest + "\\n" + population digest + "\\n" +
   the checkpoint's signed note, exactly as the ledger published it. The checkpoint is the
   first one covering the ledger entry that fixed the plan, so it was signed after the plan
   was frozen and nobody could choose it.
3. Uniform numbers from a SHA-256 counter-mode stream: u = (first 8 bytes of
   SHA-256(seed + label + counter) >> 11) + 1, divided by 2^53: exactly representable, in (0, 1].
4. Targets: weighted sampling without replacement (Efraimidis and Spirakis, 2006): business i
   of the sorted population gets the key u_i^(1/w_i), where w_i is the published weight of its
   risk grade; the `sample_size` largest keys are drawn, in descending key order (the visit
   order). Weights are powers of two so that u^(1/w) is w's log2 square roots, and IEEE 754
   rounds a square root exactly: the keys are the same bits on every machine.
5. Inspectors, per visit and per department of the plan (a joint inspection is one visit):
   among that department's inspectors without a conflict with the target (a declared relation,
   the target lies in their division of residence, or they inspected it last time), the
   `inspectors_per_department` with the largest u from label "I" + visit number are drawn.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ALGORITHM = "onewindow-draw-v1"
# Risk grade → weight (published). A is the best credit; D the worst, drawn eight times as often.
WEIGHTS: dict[str, int] = {"A": 1, "B": 2, "C": 4, "D": 8}
TARGET_LABEL = b"T"
INSPECTOR_LABEL = b"I"
TWO_53 = float(2**53)


class DrawError(ValueError):
    """The inputs do not make a draw (too few businesses or inspectors) or do not match.
    `details` holds the numbers of the refusal, for a caller that words it in its language."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def sorted_population(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        (
            {
                "credit_code": str(r["credit_code"]),
                "division": str(r["division"]),
                "grade": r["grade"],
            }
            for r in rows
        ),
        key=lambda row: row["credit_code"],
    )


def population_digest(rows: Iterable[dict[str, Any]]) -> str:
    """SHA-256 of the sorted rows as UTF-8 lines "credit code TAB division TAB grade" (a
    plain format, quick over a million rows, that any tool can rebuild)."""
    return _lines_digest(sorted_population(rows))


def _lines_digest(rows: Sequence[dict[str, Any]]) -> str:
    text = "".join(f"{r['credit_code']}\t{r['division']}\t{r['grade']}\n" for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def checkpoint_size(note: str) -> int:
    """The tree size a C2SP checkpoint note states (its second line)."""
    lines = note.split("\n")
    if len(lines) < 4 or not lines[1].isdigit() or "" not in lines:
        raise DrawError("The checkpoint is not a signed checkpoint note (origin, size, root).")
    return int(lines[1])


def seed_of(plan_sha256: str, population_sha256: str, checkpoint_note: str) -> bytes:
    text = f"{ALGORITHM}\n{plan_sha256}\n{population_sha256}\n{checkpoint_note}"
    return hashlib.sha256(text.encode()).digest()


def _stream(seed: bytes, label: bytes) -> Any:
    return hashlib.sha256(seed + label)


def uniform(prefix: Any, counter: int) -> float:
    """u in (0, 1] from the counter-mode stream whose hash state `prefix` holds seed + label."""
    block = prefix.copy()
    block.update(counter.to_bytes(8, "big"))
    return ((int.from_bytes(block.digest()[:8], "big") >> 11) + 1) / TWO_53


def weighted_key(u: float, weight: int) -> float:
    """u ** (1 / weight) for a power-of-two weight, by exact square roots."""
    for _ in range(weight.bit_length() - 1):
        u = math.sqrt(u)
    return u


def check_weights(weights: dict[str, int]) -> None:
    for grade, weight in weights.items():
        if not isinstance(weight, int) or weight < 1 or weight & (weight - 1):
            raise DrawError(f"The weight of grade {grade} must be a power of two, not {weight!r}.")


def draw_targets(
    seed: bytes, population: Sequence[dict[str, Any]], weights: dict[str, int], sample_size: int
) -> list[int]:
    """Indexes into the sorted population of the drawn businesses, in visit order."""
    if sample_size < 1:
        raise DrawError("The sample size must be at least 1.")
    if len(population) < sample_size:
        raise DrawError(
            f"The population has {len(population)} businesses, fewer than the sample of "
            f"{sample_size}."
        )
    check_weights(weights)
    prefix = _stream(seed, TARGET_LABEL)
    # The number of square roots per grade, looked up once (the loop runs a million times).
    roots = {grade: weight.bit_length() - 1 for grade, weight in weights.items()}
    sqrt = math.sqrt
    copy = prefix.copy

    def keys() -> Iterable[tuple[float, int]]:
        for index, row in enumerate(population):
            block = copy()
            block.update(index.to_bytes(8, "big"))
            u = ((int.from_bytes(block.digest()[:8], "big") >> 11) + 1) / TWO_53
            for _ in range(roots[row["grade"]]):
                u = sqrt(u)
            yield u, -index  # ties (never seen) go to the lower index

    return [-negative for _key, negative in heapq.nlargest(sample_size, keys())]


def residence_area(division: str) -> str:
    """The area an inspector counts as their own: the township of their registered division
    (its first nine digits). A county or wider code names no residence (it is the seat of the
    department an officer was filed under), so it excludes nothing."""
    return division[:9] if len(division) >= 9 else ""


def conflicts(inspector: dict[str, Any], target: dict[str, Any]) -> bool:
    area = residence_area(str(inspector.get("residence", "")))
    return (
        target["credit_code"] in inspector.get("related", [])
        or (bool(area) and target["division"].startswith(area))
        or inspector.get("last_target") == target["credit_code"]
    )


def draw_inspectors(
    seed: bytes, visit: int, target: dict[str, Any], plan: dict[str, Any]
) -> list[str]:
    chosen: list[str] = []
    prefix = _stream(seed, INSPECTOR_LABEL + visit.to_bytes(4, "big"))
    per_department = int(plan["inspectors_per_department"])
    pool = plan["inspectors"]
    for department in sorted(plan["departments"]):
        eligible = [
            (uniform(prefix, index), inspector["ref"])
            for index, inspector in enumerate(pool)
            if inspector["department"] == department and not conflicts(inspector, target)
        ]
        if len(eligible) < per_department:
            raise DrawError(
                f"Visit {visit} ({target['credit_code']}): department {department} has "
                f"{len(eligible)} inspectors without a conflict, fewer than {per_department}.",
                visit=visit,
                department=department,
                eligible=len(eligible),
                needed=per_department,
            )
        chosen += [ref for _u, ref in sorted(eligible, reverse=True)[:per_department]]
    return chosen


def compute_draw(
    plan: dict[str, Any], population: Iterable[dict[str, Any]], checkpoint_note: str
) -> dict[str, Any]:
    """The draw document for a fixed plan, its population and the checkpoint's note."""
    rows = sorted_population(population)
    population_sha256 = _lines_digest(rows)
    if population_sha256 != plan.get("population_sha256"):
        raise DrawError(
            "The population does not match the plan: the plan names digest "
            f"{plan.get('population_sha256')}, the list given has {population_sha256}."
        )
    unknown = {row["grade"] for row in rows} - set(plan["weights"])
    if unknown:
        raise DrawError(f"The population has grades without a published weight: {sorted(unknown)}.")
    plan_sha256 = digest(plan)
    seed = seed_of(plan_sha256, population_sha256, checkpoint_note)
    visits = []
    for position, index in enumerate(
        draw_targets(seed, rows, plan["weights"], int(plan["sample_size"])), start=1
    ):
        target = rows[index]
        visits.append(
            {
                "position": position,
                "credit_code": target["credit_code"],
                "division": target["division"],
                "grade": target["grade"],
                "inspectors": draw_inspectors(seed, position, target, plan),
            }
        )
    return {
        "algorithm": ALGORITHM,
        "plan_sha256": plan_sha256,
        "population_sha256": population_sha256,
        "checkpoint": {
            "size": checkpoint_size(checkpoint_note),
            "sha256": hashlib.sha256(checkpoint_note.encode()).hexdigest(),
        },
        "seed": seed.hex(),
        "visits": visits,
    }


def verify(
    published: dict[str, Any],
    plan: dict[str, Any],
    population: Iterable[dict[str, Any]],
    checkpoint_note: str,
) -> dict[str, Any]:
    """Recompute the draw and compare it with the published one; raise DrawError naming the
    first input that does not match."""
    if published.get("algorithm") != ALGORITHM:
        raise DrawError(f"The draw uses algorithm {published.get('algorithm')!r}, not {ALGORITHM}.")
    if digest(plan) != published.get("plan_sha256"):
        raise DrawError(
            "The plan was changed: its digest is not the one the published draw names "
            f"({published.get('plan_sha256')})."
        )
    note_sha256 = hashlib.sha256(checkpoint_note.encode()).hexdigest()
    if note_sha256 != published.get("checkpoint", {}).get("sha256"):
        raise DrawError("The checkpoint is not the one the published draw names (digest differs).")
    fixed_at = int(published.get("plan_ledger_index", -1))
    if checkpoint_size(checkpoint_note) <= fixed_at:
        raise DrawError(
            f"The checkpoint (tree size {checkpoint_size(checkpoint_note)}) does not cover the "
            f"ledger entry {fixed_at} that fixed the plan: it was signed before the plan."
        )
    computed = compute_draw(plan, population, checkpoint_note)
    if computed["visits"] != published.get("visits"):
        raise DrawError("The recomputed draw differs from the published one.")
    return computed


def _load_json(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="onewindow-redraw",
        description="Recompute a OneWindow random inspection draw from its public inputs.",
    )
    parser.add_argument("--plan", required=True, help="the fixed plan's JSON document")
    parser.add_argument(
        "--population", required=True, help="the population list (JSON: a list of rows)"
    )
    parser.add_argument("--checkpoint", required=True, help="the ledger checkpoint's signed note")
    parser.add_argument("--draw", help="the published draw to check (JSON); exit 1 if it differs")
    args = parser.parse_args(argv)
    try:
        plan = _load_json(args.plan)
        population = _load_json(args.population)
        note = Path(args.checkpoint).read_text(encoding="utf-8")
        if args.draw:
            computed = verify(_load_json(args.draw), plan, population, note)
            print(f"Reproduced: {len(computed['visits'])} visits match the published draw.")
        else:
            computed = compute_draw(plan, population, note)
            print(json.dumps(computed, ensure_ascii=False, indent=2))
    except (DrawError, OSError, ValueError, KeyError, TypeError) as error:
        print(f"onewindow-redraw: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
