"""`onewindow worker`: run background tasks, and the periodic tick beside them.

It runs the worker of the configured task backend (django-tasks-db's database worker, or an
RQ worker for django-tasks-rq) and, in a thread, enqueues every task named in
`ONEWINDOW_PERIODIC_TASKS` every `ONEWINDOW_TICK_SECONDS`. Run the tick in exactly one worker
(`--no-tick` on the others), or each tick is enqueued once per worker.
SIGINT and SIGTERM finish the running task, stop the tick and exit.

With the database backend each worker also beats (core/workers.py) and queues again the
running tasks of workers that stopped beating, so `kill -9` of a worker loses no task.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from argparse import ArgumentParser
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task
from django_tasks_rq.backend import RQBackend

from onewindow.core import workers
from onewindow.core.outages import is_outage
from onewindow.core.task_queue import DurableRQBackend, relay_held_tasks, requeue_stranded

logger = logging.getLogger("onewindow.worker")
# How often every worker looks for tasks held in the database while Redis was away.
RELAY_SECONDS = 1.0
# The longest wait between attempts to reach Redis again.
REDIS_RETRY_SECONDS = 2.0


def _path(backend: BaseTaskBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def periodic_tasks() -> list[Task[Any, Any]]:
    """The tasks named in ONEWINDOW_PERIODIC_TASKS; raises CommandError for anything else."""
    found: list[Task[Any, Any]] = []
    for path in settings.ONEWINDOW_PERIODIC_TASKS:
        try:
            candidate = import_string(path)
        except ImportError as error:
            raise CommandError(f"ONEWINDOW_PERIODIC_TASKS: cannot import {path}: {error}") from None
        if not isinstance(candidate, Task):
            raise CommandError(f"ONEWINDOW_PERIODIC_TASKS: {path} is not a django-tasks task")
        found.append(candidate)
    return found


def tick(tasks: list[Task[Any, Any]]) -> None:
    for periodic in tasks:
        try:
            periodic.enqueue()
        except Exception:  # one broken task or a queue hiccup must not stop the clock
            logger.exception("tick: could not enqueue %s", periodic.module_path)


def beat_until(stop: threading.Event, worker_id: str, backend_name: str, seconds: float) -> None:
    """Beat now and every `seconds`, requeueing dead workers' tasks, until `stop` is set."""
    try:
        while True:
            try:
                workers.beat(worker_id)
                workers.requeue_orphans(backend_name)
            except Exception:  # a locked or lost database: beat again next time
                logger.exception("beat: could not reach the database")
            close_old_connections()
            if stop.wait(seconds):
                return
    finally:
        close_old_connections()


def relay_once(backend: DurableRQBackend) -> int:
    """Hand tasks held during a Redis outage to Redis, and put back jobs a worker lost with
    Redis before starting them; how many held tasks went (0 while Redis is away)."""
    relayed = 0
    try:
        for queue_name in sorted(backend.queues):
            requeue_stranded(queue_name)
        while moved := relay_held_tasks(backend):
            relayed += moved
    except Exception as error:  # the database may be away too: the next round tries again
        if is_outage(error):
            logger.warning("relay: held tasks wait (%s)", error)
        else:
            logger.exception("relay: could not hand held tasks to Redis")
    finally:
        close_old_connections()
    return relayed


def _stop_was_requested(worker: Any) -> bool:
    """Whether RQ's worker returned because of SIGINT or SIGTERM. Idle, RQ stops by raising
    StopRequested from its signal handler and leaves `_stop_requested` unset: only the date
    of the request says so (rq 3.0), and without it an idle worker started RQ again."""
    return bool(worker._stop_requested or worker._shutdown_requested_date is not None)


def relay_until(stop: threading.Event, backend: DurableRQBackend, seconds: float) -> None:
    """Relay held tasks every `seconds` until `stop` is set (runs in its own thread)."""
    while not stop.wait(seconds):
        relay_once(backend)


def tick_until(stop: threading.Event, tasks: list[Task[Any, Any]], seconds: float) -> None:
    """Tick now and every `seconds` until `stop` is set (runs in its own thread)."""
    try:
        while True:
            tick(tasks)
            close_old_connections()
            if stop.wait(seconds):
                return
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = "Run background tasks and the periodic tick until SIGINT or SIGTERM."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Tick once, run every task that is ready, then exit.",
        )
        parser.add_argument(
            "--no-tick",
            action="store_true",
            help="Run tasks only: for every worker but one when several run.",
        )

    def handle(self, *args: Any, once: bool, no_tick: bool, **options: Any) -> None:
        tasks = [] if no_tick else periodic_tasks()
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        worker_id = get_random_string(32)
        is_database = _path(backend).startswith("django_tasks_db.")
        if is_database:
            # Alive before the first claim, and what dead workers left is queued again.
            workers.beat(worker_id)
            workers.requeue_orphans(backend.alias)
        if once:
            tick(tasks)
            self.run_tasks(backend, burst=True, stop=None, worker_id=worker_id)
            return
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=tick_until,
                args=(stop, tasks, settings.ONEWINDOW_TICK_SECONDS),
                name="onewindow-tick",
                daemon=True,
            )
        ]
        if is_database:
            threads.append(
                threading.Thread(
                    target=beat_until,
                    args=(stop, worker_id, backend.alias, workers.beat_seconds()),
                    name="onewindow-beat",
                    daemon=True,
                )
            )
        for thread in threads:
            thread.start()
        try:
            self.run_tasks(backend, burst=False, stop=stop, worker_id=worker_id)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)

    def run_tasks(
        self,
        backend: BaseTaskBackend,
        *,
        burst: bool,
        stop: threading.Event | None,
        worker_id: str,
    ) -> None:
        """Run the backend's worker; with `burst`, until no task is ready."""
        backend_path = _path(backend)
        if backend_path.startswith("django_tasks_db."):
            self.run_database_worker(backend, burst=burst, worker_id=worker_id)
        elif isinstance(backend, RQBackend):
            self.run_rq_worker(backend, burst=burst)
        elif stop is not None:
            # Backends that run tasks as they are enqueued (immediate, dummy): only tick.
            self.on_stop_signal(lambda: stop.set())
            stop.wait()

    def run_database_worker(self, backend: BaseTaskBackend, *, burst: bool, worker_id: str) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=sorted(backend.queues) or ["default"],
            interval=1,
            batch=burst,
            backend_name=backend.alias,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )

        def finish() -> None:
            # The loop ends after the running task, or within `interval` when idle.
            worker.running = False

        if not burst:
            self.on_stop_signal(finish)
        worker.run()

    def run_rq_worker(self, backend: BaseTaskBackend, *, burst: bool) -> None:
        import django_rq
        import redis.exceptions
        from rq.exceptions import StopRequested

        from onewindow.core.task_queue import OutageRetryJob

        relay_stop = threading.Event()
        if isinstance(backend, DurableRQBackend):
            if burst:
                relay_once(backend)
            else:
                threading.Thread(
                    target=relay_until,
                    args=(relay_stop, backend, RELAY_SECONDS),
                    name="onewindow-relay",
                    daemon=True,
                ).start()
        try:
            while True:
                # RQ installs its own SIGINT/SIGTERM handlers: a warm stop after the running
                # job. It quits on some Redis errors, and cannot even start without Redis;
                # then wait and start again, so a Redis restart never needs a worker restart.
                # Maintenance every 30 s, not 10 min: it restarts the scheduler (deferred and
                # retried jobs) that died with Redis.
                worker = None
                try:
                    worker = django_rq.get_worker(
                        *sorted(backend.queues), job_class=OutageRetryJob, maintenance_interval=30
                    )
                    worker.max_connection_wait_time = REDIS_RETRY_SECONDS  # reconnect promptly
                    worker.work(burst=burst, with_scheduler=True)
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
                    logger.warning("Redis unreachable (%s); starting again", error)
                if burst or (worker is not None and _stop_was_requested(worker)):
                    return
                time.sleep(REDIS_RETRY_SECONDS)
        except StopRequested:  # a stop signal while waiting for Redis: nothing is running
            return
        finally:
            relay_stop.set()

    def on_stop_signal(self, finish: Callable[[], None]) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            logger.info("%s: stopping after the running task", signal.strsignal(signum))
            finish()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
