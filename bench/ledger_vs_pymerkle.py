"""The ledger benchmark's work done by the `pymerkle` package's `SqliteTree`, for comparison.

Optional: `pymerkle` is not a project dependency. Install it with

    .venv/bin/pip install 'pymerkle>=7,<8'

Settings, so that it is the same work as ours:

- `SqliteTree(path, algorithm="sha256")` with pymerkle's default security mode
  (`disable_security=False`): leaves are SHA-256(0x00 || body), nodes SHA-256(0x01 || l || r),
  as RFC 9162 and our ledger; the roots are checked to be equal after every run.
- A file database in a fresh temp dir, with our pragmas (WAL, `synchronous=NORMAL`).
- Appends go in batches of `--batch` bodies, each one `append_entries` call (one committed
  transaction), followed by `get_root()`, the root a checkpoint would sign. pymerkle stores
  only the leaves; it does not store nodes or sign anything, and computes subtree roots on
  demand, keeping those of 128 leaves or more in its in-memory LRU cache (default 1 GiB).
- Proofs for the same random indices and sizes as ours; pymerkle counts leaves from 1.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

INSTALL_HINT = (
    "pymerkle is not installed: its column is skipped. "
    "For the comparison: .venv/bin/pip install 'pymerkle>=7,<8'"
)

try:
    import pymerkle
except ImportError:  # pragma: no cover - depends on the environment
    pymerkle = None


def available() -> bool:
    return pymerkle is not None


def version() -> str:
    return pymerkle.__version__ if pymerkle is not None else "not installed"


def measure(
    bodies: Sequence[bytes], *, batch: int, proofs: int, seed: int = 7
) -> tuple[dict[str, float], bytes]:
    """Append `bodies`, then prove; rates per second and the root of the full tree."""
    assert pymerkle is not None, INSTALL_HINT
    n = len(bodies)
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="onewindow-bench-pymerkle-") as directory:
        tree = pymerkle.SqliteTree(str(Path(directory) / "tree.sqlite3"), algorithm="sha256")
        try:
            tree.con.execute("PRAGMA journal_mode=WAL")
            tree.con.execute("PRAGMA synchronous=NORMAL")

            started = time.perf_counter()
            for first in range(0, n, batch):
                tree.append_entries(bodies[first : first + batch])
                root = tree.get_root()
            rates["append"] = n / (time.perf_counter() - started)

            # The same draws as ours: inclusion indices first, then the old sizes.
            rng = random.Random(seed)
            started = time.perf_counter()
            for _ in range(proofs):
                tree.prove_inclusion(rng.randrange(n) + 1, n)
            rates["inclusion"] = proofs / (time.perf_counter() - started)

            started = time.perf_counter()
            for _ in range(proofs):
                tree.prove_consistency(rng.randrange(1, n), n)
            rates["consistency"] = proofs / (time.perf_counter() - started)

            check_index = n // 3 + 1
            proof = tree.prove_inclusion(check_index, n)
            pymerkle.verify_inclusion(tree.get_leaf(check_index), root, proof)
        finally:
            tree.close()
    return rates, root
