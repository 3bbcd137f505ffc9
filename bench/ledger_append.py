"""Ledger throughput: batch integration, inclusion and consistency proofs, against raw hashing.

    .venv/bin/python bench/ledger_append.py [--entries 20000] [--batch 5000] [--repeat 5]
    DATABASE_URL=postgresql://... .venv/bin/python bench/ledger_append.py

Each figure is the median of `--repeat` runs on a fresh database. The ceiling is the same work
done in memory by `merkle.MemoryTree` (SHA-256 of each body, then the tree's node hashes), with
no database and no signature; beside it, the bare SHA-256 rate over the same bodies.
`record()` is measured separately: it runs in the callers' own transactions (here 1,000 events
per transaction), not in integration.

In the same run, on the same bodies, `pymerkle`'s `SqliteTree` appends, roots and proves
(see `bench/ledger_vs_pymerkle.py`; skipped with a hint if pymerkle is not installed). It has
no PostgreSQL backend: its column is always SQLite. Ratios are to the raw SHA-256 rate.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import ledger_vs_pymerkle

os.environ.setdefault("ONEWINDOW_SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("ONEWINDOW_DATA_KEY", "YmVuY2gtZGF0YS1rZXktMzItYnl0ZXMtbG9uZy1vayE=")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--proofs", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="onewindow-bench-")
    os.environ["ONEWINDOW_VAR_DIR"] = var_dir

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from onewindow.ledger import merkle, selectors, services
    from onewindow.ledger.models import (
        Checkpoint,
        LedgerEntry,
        LogSequence,
        TreeHead,
        TreeNode,
    )

    call_command("migrate", "ledger", verbosity=0)
    n: int = arguments.entries
    if not ledger_vs_pymerkle.available():
        print(ledger_vs_pymerkle.INSTALL_HINT)

    def reset() -> None:
        with transaction.atomic():
            for model in (Checkpoint, TreeNode, LedgerEntry, TreeHead, LogSequence):
                model.objects.all().delete()

    def fill() -> float:
        """Record n events in transactions of 1,000 (as a busy platform's commits would)."""
        started = time.perf_counter()
        for first in range(0, n, 1000):
            with transaction.atomic():
                for number in range(first, min(n, first + 1000)):
                    services.record(
                        "application.decided",
                        subject_ref=f"330106-20261123-{number:06d}",
                        actor_role="approver",
                        department="330106-market-regulation",
                        payload={"decision": "approved", "n": number},
                    )
        return n / (time.perf_counter() - started)

    results: dict[str, list[float]] = {
        "record() events/s": [],
        "integrate: entries/s (durable, checkpoint signed)": [],
        "ceiling: in-memory hashing entries/s": [],
        "raw SHA-256 of the bodies entries/s": [],
        "inclusion proofs/s": [],
        "consistency proofs/s": [],
    }
    # pymerkle SqliteTree doing the same work, keyed by the row it sits beside.
    theirs: dict[str, list[float]] = {
        "integrate: entries/s (durable, checkpoint signed)": [],
        "inclusion proofs/s": [],
        "consistency proofs/s": [],
    }
    for _ in range(arguments.repeat):
        reset()
        results["record() events/s"].append(fill())
        bodies = [
            body.encode()
            for body in LedgerEntry.objects.order_by("index").values_list("body", flat=True)
        ]

        started = time.perf_counter()
        while selectors.tree_size() < n:
            services.integrate_pending(max_batch=arguments.batch)
        results["integrate: entries/s (durable, checkpoint signed)"].append(
            n / (time.perf_counter() - started)
        )

        started = time.perf_counter()
        tree = merkle.MemoryTree()
        for first in range(0, n, arguments.batch):
            tree.append(
                [merkle.leaf_hash(body) for body in bodies[first : first + arguments.batch]]
            )
        results["ceiling: in-memory hashing entries/s"].append(n / (time.perf_counter() - started))

        started = time.perf_counter()
        for body in bodies:
            hashlib.sha256(body).digest()
        results["raw SHA-256 of the bodies entries/s"].append(n / (time.perf_counter() - started))

        rng = random.Random(7)
        started = time.perf_counter()
        for _ in range(arguments.proofs):
            selectors.inclusion_proof(rng.randrange(n), size=n)
        results["inclusion proofs/s"].append(arguments.proofs / (time.perf_counter() - started))

        started = time.perf_counter()
        for _ in range(arguments.proofs):
            selectors.consistency_proof(rng.randrange(1, n), n)
        results["consistency proofs/s"].append(arguments.proofs / (time.perf_counter() - started))

        if ledger_vs_pymerkle.available():
            rates, root = ledger_vs_pymerkle.measure(
                bodies, batch=arguments.batch, proofs=arguments.proofs
            )
            if root != selectors.root_hash(n):
                raise SystemExit("pymerkle's root differs from ours: not the same tree")
            theirs["integrate: entries/s (durable, checkpoint signed)"].append(rates["append"])
            theirs["inclusion proofs/s"].append(rates["inclusion"])
            theirs["consistency proofs/s"].append(rates["consistency"])

    sha256 = statistics.median(results["raw SHA-256 of the bodies entries/s"])
    print(
        f"database: {connection.vendor}; entries: {n}; batch: {arguments.batch}; "
        f"proofs: {arguments.proofs}; median of {arguments.repeat}; "
        f"pymerkle {ledger_vs_pymerkle.version()} (SqliteTree, SQLite)"
    )
    ours = f"ours ({connection.vendor})"
    print(
        f"| {'measure':52} | {ours:>17} | {'pymerkle':>10} | {'ours ÷ SHA':>10} "
        f"| {'pym ÷ SHA':>10} | {'ours ÷ pym':>10} |"
    )
    print(f"| {'-' * 52} | {'-' * 17}:| {'-' * 10}:| {'-' * 10}:| {'-' * 10}:| {'-' * 10}:|")
    for name, values in results.items():
        median = statistics.median(values)
        other = statistics.median(theirs[name]) if theirs.get(name) else None
        per_entry = "entries/s" in name
        cells = [
            f"{other:,.0f}" if other else "",
            f"{median / sha256:.3f}" if per_entry else "",
            f"{other / sha256:.3f}" if per_entry and other else "",
            f"{median / other:.2f}" if other else "",
        ]
        print(
            f"| {name:52} | {median:17,.0f} | {cells[0]:>10} | {cells[1]:>10} "
            f"| {cells[2]:>10} | {cells[3]:>10} |"
        )


if __name__ == "__main__":
    main()
