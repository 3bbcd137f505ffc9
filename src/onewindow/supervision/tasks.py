"""Background work of supervision: the worker's tick runs `tick` every minute."""

from __future__ import annotations

from django_tasks import task

from onewindow.supervision import inspections


@task()
def tick() -> dict[str, int]:
    """Warn supervisors of inspection results due for publication soon or overdue. The work
    is found from the database, so a late, missed or doubled tick does no harm."""
    return {"results_warned": inspections.warn_of_results_due()}
