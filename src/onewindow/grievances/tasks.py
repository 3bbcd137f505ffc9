"""Background work of the hotline: the worker's tick runs `tick` every minute."""

from __future__ import annotations

from django_tasks import task

from onewindow.grievances import reviews, services


@task()
def tick() -> dict[str, int]:
    """Escalate cases and rectification tasks past a deadline and close answered cases
    nobody rated. Each part finds its work from the database, so a late, missed or doubled
    tick does no harm."""
    return {
        "escalated": services.escalate_overdue(),
        "rectifications_escalated": reviews.escalate_overdue_rectifications(),
        "closed": services.close_unrated(),
    }
