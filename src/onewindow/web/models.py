"""The page shell keeps no data of its own; only the workers' heartbeats live here, beside
the `onewindow worker` command that writes them (web/workers.py)."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """A running `onewindow worker`: a task it claimed while its beat is fresh is its own;
    once the beat is stale, the worker is taken for dead and its running task is queued
    again."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
