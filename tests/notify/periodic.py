"""A periodic task for the worker tests: it notes each run."""

from __future__ import annotations

from django_tasks import task

runs: list[str] = []


@task()
def note_tick() -> None:
    runs.append("tick")


not_a_task = "note_tick"
