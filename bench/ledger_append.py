"""Ledger throughput: batch integration, inclusion and consistency proofs, against raw hashing.

    .venv/bin/python bench/ledger_append.py [--entries 20000] [--batch 5000] [--repeat 5]
    DATABASE_URL=postgresql://... .venv/bin/python bench/ledger_append.py

Each figure is the median of `--repeat` runs on a fresh database. The ceiling is the same work
done in memory by `merkle.MemoryTree` (SHA-256 of each body, then the tree's node hashes), with
no database and no signature; beside it, the bare SHA-256 rate over the same bodies.
`record()` is measured separately: it runs in the callers' own transactions (here 1,000 events
per transaction), not in integration.
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
    n = arguments.entries

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

    ceiling = statistics.median(results["ceiling: in-memory hashing entries/s"])
    print(
        f"database: {connection.vendor}; entries: {n}; batch: {arguments.batch}; "
        f"median of {arguments.repeat}"
    )
    print(f"| {'measure':52} | {'median':>10} | {'vs ceiling':>10} |")
    print(f"| {'-' * 52} | {'-' * 10}:| {'-' * 10}:|")
    for name, values in results.items():
        median = statistics.median(values)
        ratio = f"{median / ceiling:.3f}" if "entries/s" in name else ""
        print(f"| {name:52} | {median:10,.0f} | {ratio:>10} |")


if __name__ == "__main__":
    main()
