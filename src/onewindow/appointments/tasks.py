"""Background work of appointments (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def tick() -> None:
    """Bookings whose slot ended without a check-in count as missed."""
    from onewindow.appointments import services

    services.mark_no_shows()
