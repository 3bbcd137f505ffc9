"""Tasks on Redis that outlive Redis going away (core.task_queue, docs/adr/0010).

Redis "away" is a port nobody listens on; Redis "back" is the shared one on 127.0.0.1:6379,
database 13, emptied before and after (skipped when unreachable, unless
ONEWINDOW_REQUIRE_REDIS=1). tests/web/test_faults.py does the same with real outages.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.test import override_settings
from django_tasks import task_backends

from onewindow.core.models import HeldTask
from onewindow.core.task_queue import (
    STRANDED_SECONDS,
    DurableRQBackend,
    relay_held_tasks,
    requeue_stranded,
)
from onewindow.identity import sms
from onewindow.notify import services
from onewindow.notify.models import DeliveryStatus, Message
from onewindow.notify.tasks import deliver_message
from tests.identity import factories

REDIS_URL = "redis://127.0.0.1:6379/13"
DURABLE = {
    "default": {"BACKEND": "onewindow.core.task_queue.DurableRQBackend", "QUEUES": ["default"]}
}
IN_PROCESS = {"WORKER_CLASS": "rq.worker.SimpleWorker"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again when the socket is: nothing listens there


def redis_at(url: str) -> Any:
    queues = {"default": {"URL": f"{url}?socket_connect_timeout=1&socket_timeout=2"}}
    return override_settings(TASKS=DURABLE, RQ_QUEUES=queues, RQ=IN_PROCESS)


@pytest.fixture
def sms_outbox() -> Iterator[list[tuple[str, str]]]:
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def redis_away() -> Iterator[None]:
    with redis_at(f"redis://127.0.0.1:{_closed_port()}/0"):
        yield


@pytest.fixture
def redis_back() -> Iterator[Any]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("ONEWINDOW_REQUIRE_REDIS") == "1":
            pytest.fail(f"ONEWINDOW_REQUIRE_REDIS=1 but Redis at {REDIS_URL} is unreachable")
        pytest.skip(f"needs Redis on 127.0.0.1:6379 ({error})")
    client.flushdb()
    with redis_at(REDIS_URL):
        import django_rq

        yield django_rq.get_queue("default")
    client.flushdb()


def _message() -> int:
    message = services.send(
        factories.citizen(),
        "application_received",
        context={"ref": "330106-20260105-0007", "service_name": "个体工商户登记"},
    )
    return message.pk


@pytest.mark.django_db(transaction=True)
def test_work_enqueued_while_redis_is_away_is_held_in_the_database(redis_away: None) -> None:
    # The request's on-commit enqueue meets no Redis: it must not fail, and not lose the task
    pk = _message()

    held = HeldTask.objects.get()
    assert held.task_path == "onewindow.notify.tasks.deliver_message"
    assert (held.args, held.kwargs, held.queue_name) == ([pk], {}, "default")


@pytest.mark.django_db(transaction=True)
def test_held_work_runs_once_when_redis_returns(
    redis_back: Any, sms_outbox: list[tuple[str, str]]
) -> None:
    # Given a message whose delivery was held while Redis was away
    with redis_at(f"redis://127.0.0.1:{_closed_port()}/0"):
        pk = _message()
    assert HeldTask.objects.count() == 1

    # When a worker runs with Redis back
    call_command("worker", "--once")

    # Then the held task was relayed, run once, and is held no more
    message = Message.objects.get(pk=pk)
    assert message.sms_status == DeliveryStatus.SENT
    assert len(sms_outbox) == 1
    assert HeldTask.objects.count() == 0
    assert redis_back.count == 0


@pytest.mark.django_db(transaction=True)
def test_a_relay_repeated_after_a_crash_queues_the_job_once(redis_back: Any) -> None:
    # Given a held task
    with redis_at(f"redis://127.0.0.1:{_closed_port()}/0"):
        deliver_message.enqueue(1)
    held = HeldTask.objects.get()
    copy = {field: getattr(held, field) for field in ("job_id", "task_path", "queue_name", "args")}
    backend = task_backends["default"]
    assert isinstance(backend, DurableRQBackend)

    # When it is relayed, and the relay's row comes back as if its delete had been lost
    assert relay_held_tasks(backend) == 1
    HeldTask.objects.create(**copy)
    assert relay_held_tasks(backend) == 1

    # Then Redis holds the job once, and the database holds nothing
    assert redis_back.job_ids == [copy["job_id"]]
    assert HeldTask.objects.count() == 0


def test_a_job_taken_but_never_started_goes_back_on_its_queue(redis_back: Any) -> None:
    # Given a job a worker took off the queue (into RQ's intermediate list) and then lost
    job = deliver_message.enqueue(1)
    connection = redis_back.connection
    assert connection.lmove(redis_back.key, redis_back.intermediate_queue_key) is not None
    intermediate = redis_back.intermediate_queue

    # When the sweep first sees it, nothing moves: a live worker may be about to start it
    assert requeue_stranded("default") == 0
    assert redis_back.job_ids == []

    # Then, seen there STRANDED_SECONDS without starting, it is queued again, once
    key = intermediate.get_first_seen_key(job.id)
    connection.set(key, float(connection.get(key)) - STRANDED_SECONDS - 1)
    assert requeue_stranded("default") == 1
    assert requeue_stranded("default") == 0
    assert redis_back.job_ids == [job.id]
    assert intermediate.get_job_ids() == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_while_redis_is_away_keeps_what_is_held(redis_away: None) -> None:
    _message()

    call_command("worker", "--once")  # neither raises nor drops the held task

    delivery = HeldTask.objects.filter(task_path="onewindow.notify.tasks.deliver_message")
    assert delivery.count() == 1
