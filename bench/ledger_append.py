"""Ledger throughput: batch integration, inclusion and consistency proofs, against raw hashing.

    .venv/bin/python bench/ledger_append.py [--entries 20000] [--batch 5000] [--repeat 5]
        [--before REV]
    DATABASE_URL=postgresql://... .venv/bin/python bench/ledger_append.py

Each figure is the median of `--repeat` runs on a fresh database. The ceiling is the same work
done in memory by `merkle.MemoryTree` (SHA-256 of each body, then the tree's node hashes), with
no database and no signature; beside it, the bare SHA-256 rate over the same bodies.
`record()` is measured separately: it runs in the callers' own transactions (here 1,000 events
per transaction), not in integration.

In the same run, on the same bodies, `pymerkle`'s `SqliteTree` appends, roots and proves
(see `bench/ledger_vs_pymerkle.py`; skipped with a hint if pymerkle is not installed). It has
no PostgreSQL backend: its column is always SQLite. Ratios are to the raw SHA-256 rate.

`--before REV` measures the `src/` of a git revision (unpacked with `git archive`) and this
tree in the same run, each in its own process on its own fresh database (on PostgreSQL, a
database created beside the one `DATABASE_URL` names and dropped afterwards), and prints
both side by side.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# A `--before` child measures another revision's src/: it comes first on the path.
sys.path.insert(0, os.environ.get("ONEWINDOW_BENCH_SRC", str(ROOT / "src")))
sys.path.insert(0, str(ROOT / "bench"))
import ledger_vs_pymerkle  # noqa: E402 - after the path is set
from revisions import unpack  # noqa: E402

os.environ.setdefault("ONEWINDOW_SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("ONEWINDOW_DATA_KEY", "YmVuY2gtZGF0YS1rZXktMzItYnl0ZXMtbG9uZy1vayE=")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings")


def measure(arguments: argparse.Namespace) -> dict[str, Any]:
    """Every figure of one source tree on one fresh database: medians, ours and pymerkle's."""
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

    return {
        "vendor": connection.vendor,
        "ours": {name: statistics.median(values) for name, values in results.items()},
        "theirs": {name: statistics.median(values) for name, values in theirs.items() if values},
    }


def print_one(figures: dict[str, Any], arguments: argparse.Namespace) -> None:
    results, theirs = figures["ours"], figures["theirs"]
    sha256 = results["raw SHA-256 of the bodies entries/s"]
    print(
        f"database: {figures['vendor']}; entries: {arguments.entries}; batch: {arguments.batch}; "
        f"proofs: {arguments.proofs}; median of {arguments.repeat}; "
        f"pymerkle {ledger_vs_pymerkle.version()} (SqliteTree, SQLite)"
    )
    ours = f"ours ({figures['vendor']})"
    print(
        f"| {'measure':52} | {ours:>17} | {'pymerkle':>10} | {'ours ÷ SHA':>10} "
        f"| {'pym ÷ SHA':>10} | {'ours ÷ pym':>10} |"
    )
    print(f"| {'-' * 52} | {'-' * 17}:| {'-' * 10}:| {'-' * 10}:| {'-' * 10}:| {'-' * 10}:|")
    for name, median in results.items():
        other = theirs.get(name)
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


def fresh_database_url() -> tuple[str, str]:
    """A new PostgreSQL database beside the one DATABASE_URL names (its URL and name), or
    ("", "") when DATABASE_URL is not PostgreSQL (each child then gets its own SQLite file)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return "", ""
    import psycopg

    server, _slash, _database = url.rpartition("/")
    name = f"onewindow_bench_ledger_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}", name


def drop_database(name: str) -> None:
    import psycopg

    server = os.environ["DATABASE_URL"].rpartition("/")[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(source: Path) -> dict[str, Any]:
    """measure() in a process importing `source`, on a fresh database."""
    url, name = fresh_database_url()
    env = {**os.environ, "ONEWINDOW_BENCH_SRC": str(source)}
    if url:
        env["DATABASE_URL"] = url
    else:
        env.pop("DATABASE_URL", None)
    try:
        done = subprocess.run(
            [sys.executable, __file__, "_child", *sys.argv[1:]],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        if name:
            drop_database(name)
    if done.returncode:
        raise RuntimeError(f"child for {source} failed:\n{done.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def print_before_after(
    before: dict[str, Any], after: dict[str, Any], arguments: argparse.Namespace
) -> None:
    print(
        f"database: {after['vendor']}; entries: {arguments.entries}; batch: {arguments.batch}; "
        f"proofs: {arguments.proofs}; median of {arguments.repeat}; each on a fresh database"
    )
    label = f"before ({arguments.before})"
    print(f"| {'measure':52} | {label:>20} | {'this tree':>12} | {'after ÷ before':>14} |")
    print(f"| {'-' * 52} | {'-' * 20}:| {'-' * 12}:| {'-' * 14}:|")
    for name, now in after["ours"].items():
        then = before["ours"].get(name, 0.0)
        ratio = f"{now / then:.2f}" if then else ""
        print(f"| {name:52} | {then:20,.0f} | {now:12,.0f} | {ratio:>14} |")
    for name, rate in after["theirs"].items():
        print(f"| {'pymerkle: ' + name:52} | {'':>20} | {rate:12,.0f} | {'':>14} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--proofs", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", default="", help="also measure this git revision's src/")
    arguments = parser.parse_args([a for a in sys.argv[1:] if a != "_child"])
    if sys.argv[1:2] == ["_child"]:
        print(json.dumps(measure(arguments)))
        return
    if not arguments.before:
        print_one(measure(arguments), arguments)
        return
    before = run_child(unpack(arguments.before))
    after = run_child(ROOT / "src")
    print_before_after(before, after, arguments)


if __name__ == "__main__":
    main()
