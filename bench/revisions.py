"""A git revision's files unpacked beside this tree, for before/after runs in one process tree."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def unpack(revision: str, *paths: str) -> Path:
    """`git archive` the revision's `src/` and any other `paths` into a temp dir laid out as
    the repository is; returns the unpacked `src/` (its parent holds the other paths)."""
    target = Path(tempfile.mkdtemp(prefix="onewindow-bench-src-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src", *paths],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"
