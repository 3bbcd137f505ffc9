"""Background work of the shared kernel: the worker's tick runs these every minute."""

from __future__ import annotations

from django_tasks import task

from onewindow.core import idempotency, ratelimit


@task()
def purge_idempotent_requests() -> int:
    """Delete the stored answers of idempotent requests past their time (a day)."""
    return idempotency.purge_expired()


@task()
def purge_rate_counters() -> dict[str, int]:
    """Delete rate-limit counters whose window has ended (only the database keeps them;
    Redis expires its own)."""
    return {"purged": ratelimit.purge_expired()}
