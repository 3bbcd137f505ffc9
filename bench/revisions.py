"""A git revision's files unpacked beside this tree, for before/after runs in one process tree."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def unpack(revision: str, *paths: str) -> Path:
    """`git archive` the revision's `paths` (default `src`) into a temp dir; returns the dir,
    laid out as the repository is (`dir/src`, `dir/tests`, ...)."""
    target = Path(tempfile.mkdtemp(prefix="onewindow-bench-src-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, *(paths or ("src",))],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target
