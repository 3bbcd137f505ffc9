"""Background work of the hotline: the worker's tick runs `tick` every minute."""

from __future__ import annotations

from django_tasks import task

from onewindow.grievances import services


@task()
def tick() -> dict[str, int]:
    """Escalate cases past a deadline and close answered cases nobody rated. Each part finds
    its work from the database, so a late, missed or doubled tick does no harm."""
    return {"escalated": services.escalate_overdue(), "closed": services.close_unrated()}
