"""Delivery through the Redis backend (django-tasks-rq) against the Redis on 127.0.0.1:6379.

Skipped when Redis is not reachable, unless ONEWINDOW_REQUIRE_REDIS=1 (then it fails).
It uses database 15 (ONEWINDOW_TEST_REDIS_DB for another: CI runs two suites side by side) and
empties its queue before and after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.test import override_settings

from onewindow.notify import services
from onewindow.notify.models import DeliveryStatus
from tests.identity import factories

REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('ONEWINDOW_TEST_REDIS_DB', '15')}"
RQ_SETTINGS = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": REDIS_URL}},
    # In-process worker: a forked one would write to a copy of the in-memory test database.
    "RQ": {"WORKER_CLASS": "rq.worker.SimpleWorker"},
}


@pytest.fixture
def rq_backend() -> Iterator[None]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("ONEWINDOW_REQUIRE_REDIS") == "1":
            pytest.fail(
                f"ONEWINDOW_REQUIRE_REDIS=1 but Redis at {REDIS_URL} is unreachable: {error}"
            )
        pytest.skip(
            f"needs Redis on 127.0.0.1:6379 ({error}); ONEWINDOW_REQUIRE_REDIS=1 makes this fail"
        )
    import django_rq

    with override_settings(**RQ_SETTINGS):
        queue = django_rq.get_queue("default")
        queue.empty()
        yield
        queue.empty()


def test_message_is_enqueued_on_redis_and_delivered_by_a_burst_worker(
    rq_backend: None,
    # Committed for real: the worker closes its database connections after relaying held
    # tasks, as a long-running worker must, which a test transaction would not survive.
    transactional_db: None,
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    import django_rq

    with django_capture_on_commit_callbacks(execute=True):
        message = services.send(
            factories.citizen(),
            "application_received",
            context={"ref": "330106-20260105-0007", "service_name": "个体工商户登记"},
        )
    assert django_rq.get_queue("default").count == 1
    assert sms_outbox == []

    call_command("worker", "--once")

    message.refresh_from_db()
    assert (message.email_status, message.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert len(sms_outbox) == 1
    assert django_rq.get_queue("default").count == 0
