"""The one way a service queues background work: with its transaction (docs/adr/0011).

Kept apart from `core.task_queue` so that a process on the database backend (and every
test) does not import RQ for it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_transaction(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Queue `task` as part of the current transaction: it runs if and only if the
    transaction commits, and a process killed right after the commit does not lose it.

    The database backend's tasks are rows of the transaction, and `DurableRQBackend` writes
    an outbox row there; other backends (immediate in tests, plain RQ) are enqueued on
    commit, so a worker never looks for a row that is not committed.
    """
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend) or getattr(backend, "enqueues_in_transaction", False):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, *args, **kwargs))
