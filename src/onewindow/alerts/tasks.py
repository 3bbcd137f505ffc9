"""Background work of the alerts app (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def fan_out(alert_pk: int) -> None:
    """Deliver a published alert to every resident of its area (alerts.delivery.fan_out).
    Written to be run again: a worker killed mid-way leaves the task to be queued again
    (core.workers), and the second run skips whoever already has the alert."""
    from onewindow.alerts import delivery

    delivery.fan_out(alert_pk)
