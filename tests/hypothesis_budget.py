"""How many examples the costliest Hypothesis tests run (docs/TESTING.md): the CI count in
`make test` and CI, the full count in `make test-full` (ONEWINDOW_HYPOTHESIS_FULL=1, the
nightly run). Every property is checked in both; the full count explores more of its space."""

from __future__ import annotations

import os

FULL = os.environ.get("ONEWINDOW_HYPOTHESIS_FULL") == "1"


def examples(*, full: int, ci: int) -> int:
    """`full` examples in the full run, `ci` otherwise."""
    return full if FULL else ci
