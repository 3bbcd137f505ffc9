"""Workers that die leave no task behind (django-tasks-db).

The database worker claims a task by setting it RUNNING and runs it; killed then (`kill -9`,
a lost machine), the row would stay RUNNING for ever and the task never run. So every
`onewindow worker` beats (`WorkerBeat`, every `ONEWINDOW_WORKER_BEAT_SECONDS`), and on each
beat puts back to READY the running tasks whose worker has not beaten for
`STALE_AFTER_BEATS` beats. The task then runs again from its start: OneWindow's tasks are
written to be repeated (each works out from the database what is left to do).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onewindow.core.models import WorkerBeat

logger = logging.getLogger("onewindow.worker")
STALE_AFTER_BEATS = 3
FORGET_AFTER = timedelta(days=1)


def beat_seconds() -> float:
    return float(settings.ONEWINDOW_WORKER_BEAT_SECONDS)


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """Say that this worker is alive."""
    now = now or timezone.now()
    updated = WorkerBeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerBeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            beat_at=now,
        )


def requeue_orphans(backend_name: str, *, now: datetime | None = None) -> list[str]:
    """Put back to READY the running tasks of workers that stopped beating; returns their
    ids. A conditional update per task, so two workers doing this at once requeue each
    task once, and a task claimed again meanwhile is left alone."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=beat_seconds() * STALE_AFTER_BEATS)
    alive = set(
        WorkerBeat.objects.filter(beat_at__gte=stale_before).values_list("worker_id", flat=True)
    )
    requeued: list[str] = []
    running = DBTaskResult.objects.running().filter(backend_name=backend_name)
    for pk, worker_ids, started_at in running.values_list("pk", "worker_ids", "started_at"):
        if worker_ids and worker_ids[-1] in alive:
            continue
        with transaction.atomic():
            put_back = DBTaskResult.objects.filter(
                pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
            ).update(status=TaskResultStatus.READY)
        if put_back:
            logger.warning("task %s: its worker stopped beating; queued again", pk)
            requeued.append(str(pk))
    WorkerBeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return requeued
