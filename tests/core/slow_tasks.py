"""Tasks for the worker recovery tests: one that hangs on its first run (the worker is
killed then) and finishes on the next, leaving a file behind each time."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task


@task()
def hang_the_first_time(folder: str) -> str:
    started = Path(folder) / "started"
    if not started.exists():
        started.write_text("1")
        time.sleep(120)  # killed long before this ends
    (Path(folder) / "finished").write_text("1")
    return "finished"
