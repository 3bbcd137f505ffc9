"""Background work of open data (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh() -> int:
    """Publish a new release of every dataset whose refresh period has passed and whose
    table changed (transparency.services.refresh_due); returns how many were published."""
    from onewindow.transparency import services

    return len(services.refresh_due())
