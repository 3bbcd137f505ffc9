"""Tasks on Redis that outlive Redis going away (core.task_queue, docs/adr/0010).

Redis "away" is a port nobody listens on; Redis "back" is the shared one on 127.0.0.1:6379,
database ONEWINDOW_TEST_REDIS_DB (13 by default), emptied before and after (skipped when
unreachable, unless ONEWINDOW_REQUIRE_REDIS=1). tests/web/test_faults.py does the same with
real outages.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django_tasks import task_backends

from onewindow.core.models import HeldTask
from onewindow.core.task_queue import (
    DONE_KEY,
    FAILPOINT,
    STRANDED_SECONDS,
    DurableRQBackend,
    relay_held_tasks,
    requeue_stranded,
)
from onewindow.identity import sms
from onewindow.notify import services
from onewindow.notify.models import DeliveryStatus, Message
from onewindow.notify.tasks import deliver_message
from tests.copied_database import Database
from tests.identity import factories

ROOT = Path(__file__).resolve().parents[2]

REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('ONEWINDOW_TEST_REDIS_DB', '13')}"
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


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_transaction_waits_in_its_outbox_until_the_commit(
    redis_back: Any,
) -> None:
    # While the transaction is open the task is a row of it, and Redis has nothing
    with transaction.atomic():
        pk = _message()
        held = HeldTask.objects.get()
        assert (held.task_path, held.args) == ("onewindow.notify.tasks.deliver_message", [pk])
        assert redis_back.count == 0

    # Once it commits, the task is on its queue under the row's job id, and the row is gone
    assert redis_back.job_ids == [held.job_id]
    assert HeldTask.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_transaction_that_rolls_back_is_never_queued(
    redis_back: Any,
) -> None:
    def use_case_failing_after_it_sent() -> None:
        with transaction.atomic():
            _message()
            raise RuntimeError("the use case fails after sending")

    with pytest.raises(RuntimeError):
        use_case_failing_after_it_sent()

    assert HeldTask.objects.count() == 0
    assert redis_back.count == 0


@pytest.mark.django_db(transaction=True)
def test_a_job_handed_over_again_after_it_ran_is_not_run_again(
    redis_back: Any, sms_outbox: list[tuple[str, str]]
) -> None:
    # Given a delivery that ran to its end
    pk = _message()
    [job_id] = redis_back.job_ids
    call_command("worker", "--once", "--no-tick")
    assert len(sms_outbox) == 1

    # When its outbox row comes back (a relay that pushed, then lost its delete) long after
    # RQ forgot the job, and a worker runs it again
    redis_back.connection.delete(f"rq:job:{job_id}")
    HeldTask.objects.create(
        job_id=job_id,
        task_path="onewindow.notify.tasks.deliver_message",
        queue_name="default",
        args=[pk],
    )
    call_command("worker", "--once", "--no-tick")

    # Then the relay drops the row and the message went out once
    assert HeldTask.objects.count() == 0
    assert redis_back.count == 0
    assert len(sms_outbox) == 1
    # And a copy that reached the queue anyway is not run either
    assert redis_back.connection.exists(DONE_KEY.format(job_id))
    task = deliver_message.using(queue_name="default")
    backend = task_backends["default"]
    assert isinstance(backend, DurableRQBackend)
    redis_back.connection.delete(f"rq:job:{job_id}")
    backend.hand_over(job_id, task, [pk], {})
    call_command("worker", "--once", "--no-tick")
    assert len(sms_outbox) == 1


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_a_process_killed_between_commit_and_enqueue_loses_no_task(
    redis_back: Any, tmp_path: Path
) -> None:
    # Given a resident, and a process that sends them a message and is killed (SIGKILL)
    # right after the message's transaction commits, before the task reaches Redis
    recipient = factories.citizen()
    database = Database(tmp_path)
    database.copy_test_database()
    sent = tmp_path / "sent.jsonl"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", FAILPOINT}},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": database.url,
        "ONEWINDOW_TASKS_URL": REDIS_URL,
        "ONEWINDOW_VAR_DIR": str(tmp_path),
        "ONEWINDOW_SMS_BACKEND": "tests.web.faults_probe.record_sms",
        "ONEWINDOW_FAULTS_LOG": str(sent),
        "ONEWINDOW_LOG_LEVEL": "WARNING",
    }

    def run(*command: str, **extra: str) -> subprocess.CompletedProcess[str]:
        # Our own interpreter and modules, fixed arguments: nothing untrusted reaches them.
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", *command],
            env=env | extra,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def sms_sent() -> int:
        lines = sent.read_text().splitlines() if sent.exists() else []
        return sum(json.loads(line)["kind"] == "sms" for line in lines)

    try:
        crashed = run(
            "tests.core.outbox_crash",
            str(recipient.pk),
            ONEWINDOW_FAILPOINT="task-queue:after-commit",
        )
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]

        # Then the message committed, its task waits in the outbox, and Redis has nothing
        [(message_pk, sms_status)] = database.rows("SELECT id, sms_status FROM notify_message")
        [(job_id, args)] = database.rows("SELECT job_id, args FROM core_heldtask")
        assert (json.loads(args) if isinstance(args, str) else args) == [message_pk]
        assert sms_status == DeliveryStatus.PENDING
        assert redis_back.count == 0

        # When a worker runs, the relay hands it over and it runs
        worker = run("onewindow.config.cli", "worker", "--once", "--no-tick")
        assert worker.returncode == 0, worker.stderr[-2000:]
        assert database.rows("SELECT sms_status FROM notify_message") == [(DeliveryStatus.SENT,)]
        assert database.rows("SELECT count(*) FROM core_heldtask") == [(0,)]
        assert sms_sent() == 1

        # And handed over again after RQ forgot it (a relay whose delete was lost), it does
        # not run twice
        redis_back.connection.delete(f"rq:job:{job_id}")
        database.rows(
            "INSERT INTO core_heldtask (job_id, task_path, queue_name, priority, args, kwargs,"  # noqa: S608
            f" held_at) VALUES ('{job_id}', 'onewindow.notify.tasks.deliver_message', 'default',"
            f" 0, '[{message_pk}]', '{{}}', CURRENT_TIMESTAMP) RETURNING id"
        )
        worker = run("onewindow.config.cli", "worker", "--once", "--no-tick")
        assert worker.returncode == 0, worker.stderr[-2000:]
        assert database.rows("SELECT count(*) FROM core_heldtask") == [(0,)]
        assert sms_sent() == 1
    finally:
        database.drop()


@pytest.mark.servers
# RQ's signal handling cannot depend on the engine (the database only has to be there): CI
# runs this once, in the postgresql lane.
@pytest.mark.db_agnostic
@pytest.mark.django_db(transaction=True)
def test_an_idle_redis_worker_stops_on_sigterm(redis_back: Any, tmp_path: Path) -> None:
    # Given a worker on Redis waiting for work (SIGINT takes the same path in RQ)
    database = Database(tmp_path)
    database.copy_test_database()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": database.url,
        "ONEWINDOW_VAR_DIR": str(tmp_path),
        "ONEWINDOW_TASKS_URL": REDIS_URL,
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        # Our own interpreter and CLI, fixed arguments: nothing untrusted reaches this call.
        worker = subprocess.Popen(
            [sys.executable, "-m", "onewindow.config.cli", "worker", "--no-tick"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            # RQ installs its signal handlers after "Listening on", before its first upkeep.
            while "cleaning registries" not in log_path.read_text(errors="replace"):
                assert worker.poll() is None, log_path.read_text(errors="replace")
                assert time.monotonic() < deadline, "the worker did not start within a minute"
                time.sleep(0.1)

            # When it is told to stop, it stops (RQ is not started again), and exits 0
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=15) == 0, log_path.read_text(errors="replace")
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            database.drop()
    assert log_path.read_text(errors="replace").count("Listening on") == 1
