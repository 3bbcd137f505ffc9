"""Background work of city operations (django-tasks), on the worker's clock."""

from __future__ import annotations

from django_tasks import task

from onewindow.cityops import services, sources


@task()
def tick() -> dict[str, int]:
    """Read new hotline cases and alerts into events, and escalate events past their due
    time. Both find their work from the database: a late or doubled tick does no harm."""
    return {"recorded": sources.collect(), "escalated": len(services.escalate_overdue())}
