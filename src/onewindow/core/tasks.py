"""Background work of the shared kernel."""

from __future__ import annotations

from django_tasks import task

from onewindow.core import ratelimit


@task()
def purge_rate_counters() -> dict[str, int]:
    """Delete rate-limit counters whose window has ended (only the database keeps them;
    Redis expires its own)."""
    return {"purged": ratelimit.purge_expired()}
