"""Background tasks on Redis that are as durable as the database (docs/adr/0010, 0011).

`DurableRQBackend` is django-tasks-rq's backend with three changes. A task enqueued inside a
transaction is an outbox row (`HeldTask`) written in that transaction, handed to Redis once
it commits; a task enqueued outside one that cannot reach Redis is held the same way instead
of failing the request. `relay_held_tasks` (run by every `onewindow worker`) hands every
committed row left behind (a process killed after its commit, a commit whose outcome never
reached it, Redis away) to Redis. Every hand-over is unique per job id, and a job whose id
already ran is not run again (`OutageRetryJob.perform`), so a row handed over twice runs its
task once. Jobs that failed because the database or Redis was unreachable are tried again
later instead of being marked failed.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ParamSpec, TypeVar

import django_rq
import redis.exceptions
from django.db import DatabaseError, close_old_connections, transaction
from django.utils.module_loading import import_string
from django_tasks.base import TASK_MAX_PRIORITY, Task, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, RQBackend, failed_callback, success_callback
from rq.callbacks import Callback
from rq.exceptions import DuplicateJobError
from rq.job import Job as RQJob
from rq.job import JobStatus, Retry

from onewindow.core.models import HeldTask
from onewindow.core.outages import is_outage

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# After Redis failed, this process holds tasks without trying it for this long: an
# unreachable Redis must not add a connect timeout to every request that enqueues work.
SKIP_REDIS_SECONDS = 5.0
# A job that failed on an outage is tried again after these many seconds (then given up).
OUTAGE_RETRY_SECONDS = [5, 15, 30, 60, 120, 300, 600]
# A job taken off its queue but not started after this long was stranded by a worker that
# lost Redis in between (a live worker starts it within milliseconds).
STRANDED_SECONDS = 10
# A job that ran to its end leaves its id in Redis this long: a copy of it handed over again
# within that time (an outbox row relayed after its hand-over was not deleted) is not run.
DONE_SECONDS = 7 * 24 * 3600
DONE_KEY = "onewindow:task-done:{}"
# Tests only: `ONEWINDOW_FAILPOINT=task-queue:after-commit` kills the process (SIGKILL)
# right after a transaction that enqueued a task commits, before the task reaches Redis.
FAILPOINT = "ONEWINDOW_FAILPOINT"
# Atomically: only the sweeper whose LREM took the job id puts it back on the queue.
_REQUEUE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


class OutageRetryJob(Job):
    """A job that is tried again when it failed because the database or Redis was away, and
    not run a second time under a job id that already ran to its end."""

    failed_on_outage = False

    def perform(self) -> Any:
        done = DONE_KEY.format(self.id)
        if self.connection.exists(done):
            logger.info("job %s ran before; not run again", self.id)
            return None
        result = super().perform()
        try:
            self.connection.set(done, 1, ex=DONE_SECONDS)
        except REDIS_DOWN as error:  # RQ cannot record the success either: logged there
            logger.warning("job %s: could not mark it done (%s)", self.id, error)
        return result

    def _execute(self) -> Any:
        # As Django does around a request: a connection the database dropped since the last
        # job is replaced, not reused, and none is held between jobs.
        close_old_connections()
        try:
            return super()._execute()
        except Exception as error:
            self.failed_on_outage = is_outage(error)
            raise
        finally:
            close_old_connections()

    @property
    def should_retry(self) -> bool:
        # Other failures are the task's own business (deliver_message re-enqueues itself).
        return self.failed_on_outage and bool(super().should_retry)


class DurableRQBackend(RQBackend):
    """django-tasks-rq, with an outbox in the database (see the module's docstring)."""

    # core.enqueue.enqueue_with_transaction: enqueue inside the transaction, not on commit.
    enqueues_in_transaction = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self._skip_redis_until = 0.0

    def enqueue(
        self,
        task: Task[P, T],
        args: P.args,  # type: ignore[valid-type]
        kwargs: P.kwargs,  # type: ignore[valid-type]
    ) -> TaskResult[T]:
        """Queue the task: inside a transaction, as an outbox row of that transaction handed
        to Redis once it commits (a worker's relay hands it over if this process cannot);
        outside one, straight to Redis, or held in the database while Redis is away."""
        self.validate_task(task)
        job_id = get_random_id()
        enqueued_at = None
        if transaction.get_connection().in_atomic_block:
            enqueued_at = self._hold(job_id, task, args, kwargs).held_at
            transaction.on_commit(partial(self._hand_over_committed, job_id, task, args, kwargs))
        elif time.monotonic() >= self._skip_redis_until:
            try:
                enqueued_at = self.hand_over(job_id, task, list(args), dict(kwargs)).enqueued_at
            except REDIS_DOWN as error:
                self._redis_is_down(error)
        if enqueued_at is None:
            enqueued_at = self._hold(job_id, task, args, kwargs).held_at
        task_result: TaskResult[T] = TaskResult(
            task=task,
            id=job_id,
            status=TaskResultStatus.READY,
            enqueued_at=enqueued_at,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=task_result)
        return task_result

    def _hold(self, job_id: str, task: Task[Any, Any], args: Any, kwargs: Any) -> HeldTask:
        return HeldTask.objects.create(
            job_id=job_id,
            task_path=task.module_path,
            queue_name=task.queue_name,
            priority=task.priority,
            args=list(args),
            kwargs=dict(kwargs),
            run_after=task.run_after,
        )

    def _redis_is_down(self, error: Exception) -> None:
        self._skip_redis_until = time.monotonic() + SKIP_REDIS_SECONDS
        logger.warning("Redis unreachable (%s): holding tasks in the database", error)

    def _hand_over_committed(
        self, job_id: str, task: Task[Any, Any], args: Any, kwargs: Any
    ) -> None:
        """On commit: hand the outbox row's task to Redis and delete the row. Never raises
        (the caller's write has committed): what fails here is left to the relay."""
        if os.environ.get(FAILPOINT) == "task-queue:after-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        if time.monotonic() < self._skip_redis_until:
            return
        try:
            self.hand_over(job_id, task, list(args), dict(kwargs))
        except REDIS_DOWN as error:
            self._redis_is_down(error)
            return
        except redis.exceptions.RedisError:
            logger.exception("job %s: Redis refused it; the relay tries again", job_id)
            return
        try:
            HeldTask.objects.filter(job_id=job_id).delete()
        except DatabaseError as error:  # the relay finds the job handed over and deletes it
            logger.warning("job %s handed over, its outbox row kept (%s)", job_id, error)

    def has_run(self, queue_name: str, job_id: str) -> bool:
        """Whether the job with this id ran to its end (within DONE_SECONDS)."""
        connection = django_rq.get_connection(queue_name)
        return bool(connection.exists(DONE_KEY.format(job_id)))

    def hand_over(
        self, job_id: str, task: Task[Any, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> RQJob:
        """Put the job on its Redis queue (or schedule it), unless a job with this id is there.

        Raises redis.exceptions.ConnectionError or TimeoutError when Redis is unreachable.
        """
        queue = django_rq.get_queue(task.queue_name, job_class=OutageRetryJob)
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=job_id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
            retry=Retry(max=len(OUTAGE_RETRY_SECONDS), interval=OUTAGE_RETRY_SECONDS),
        )
        try:
            if task.run_after is None:
                queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY, unique=True)
            else:
                queue.schedule_job(job, task.run_after, unique=True)
        except DuplicateJobError:
            logger.info("job %s was handed to Redis before; not queued again", job_id)
        return job


def relay_held_tasks(backend: DurableRQBackend, *, limit: int = 100) -> int:
    """Hand up to `limit` committed outbox rows to Redis, oldest first; returns how many went.

    Workers relay side by side: each claims rows with SKIP LOCKED (PostgreSQL), and a row
    whose job is already in Redis, or already ran, is only deleted. Stops at the first Redis
    failure.
    """
    relayed: list[int] = []
    with transaction.atomic():
        for held in HeldTask.objects.select_for_update(skip_locked=True)[:limit]:
            try:
                task = import_string(held.task_path).using(
                    queue_name=held.queue_name, priority=held.priority, run_after=held.run_after
                )
            except (ImportError, AttributeError):
                logger.exception("held task %s names no task; left in place", held.job_id)
                continue
            try:
                if not backend.has_run(held.queue_name, held.job_id):
                    backend.hand_over(held.job_id, task, held.args, held.kwargs)
            except REDIS_DOWN:
                break
            relayed.append(held.pk)
        HeldTask.objects.filter(pk__in=relayed).delete()
    if relayed:
        logger.info("relayed %s held tasks to Redis", len(relayed))
    return len(relayed)


def requeue_stranded(queue_name: str) -> int:
    """Put back each job a worker took off `queue_name` but never started; how many.

    RQ moves a job to an intermediate list when a worker takes it, and to the started
    registry when the worker starts it. A worker that loses Redis in between forgets the
    job, and RQ would mark it failed a minute later: the task would never run. Seen there
    for STRANDED_SECONDS without starting, it goes back to the front of its queue instead.
    """
    queue = django_rq.get_queue(queue_name, job_class=OutageRetryJob)
    intermediate = queue.intermediate_queue
    requeued = 0
    for job_id in intermediate.get_job_ids():
        if job_id in queue.started_job_registry or intermediate.set_first_seen(job_id):
            continue
        first_seen = intermediate.get_first_seen(job_id)
        if first_seen is None or (
            datetime.now(UTC) - first_seen < timedelta(seconds=STRANDED_SECONDS)
        ):
            continue
        if queue.connection.eval(_REQUEUE, 2, intermediate.key, queue.key, job_id):
            queue.connection.delete(intermediate.get_first_seen_key(job_id))
            logger.warning("job %s was taken but never started; queued again", job_id)
            requeued += 1
    return requeued
