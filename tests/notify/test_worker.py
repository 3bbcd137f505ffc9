"""`onewindow worker`: the periodic tick and the database worker, once and until a signal."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from onewindow.notify import services
from onewindow.notify.models import DeliveryStatus
from tests.identity import factories
from tests.instances import copy_migrated_sqlite
from tests.notify import periodic

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TICK = ["tests.notify.periodic.note_tick"]


@pytest.fixture(autouse=True)
def no_runs_yet() -> Iterator[None]:
    periodic.runs.clear()
    yield
    periodic.runs.clear()


@pytest.mark.django_db(transaction=True)
def test_once_ticks_and_drains_the_database_queue(sms_outbox: list[tuple[str, str]]) -> None:
    with override_settings(TASKS=DATABASE_TASKS, ONEWINDOW_PERIODIC_TASKS=TICK):
        message = services.send(
            factories.citizen(),
            "application_received",
            context={"ref": "330106-20260105-0007", "service_name": "个体工商户登记"},
        )
        assert sms_outbox == []  # enqueued in the database, not run yet

        call_command("worker", "--once")

    message.refresh_from_db()
    assert (message.email_status, message.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert periodic.runs == ["tick"]
    assert sorted(DBTaskResult.objects.values_list("task_path", "status")) == [
        ("onewindow.notify.tasks.deliver_message", "SUCCESSFUL"),
        ("tests.notify.periodic.note_tick", "SUCCESSFUL"),
    ]


def test_once_with_the_immediate_backend_runs_the_periodic_task() -> None:
    with override_settings(ONEWINDOW_PERIODIC_TASKS=TICK):
        call_command("worker", "--once")

    assert periodic.runs == ["tick"]


def test_no_tick_leaves_the_periodic_tasks_alone() -> None:
    with override_settings(ONEWINDOW_PERIODIC_TASKS=TICK):
        call_command("worker", "--once", "--no-tick")

    assert periodic.runs == []


@pytest.mark.parametrize(
    "path", ["tests.notify.periodic.not_a_task", "tests.notify.periodic.missing"]
)
def test_a_periodic_task_that_is_not_a_task_is_refused_at_start(path: str) -> None:
    with override_settings(ONEWINDOW_PERIODIC_TASKS=[path]), pytest.raises(CommandError):
        call_command("worker", "--once")


def _wait_until_ticking(database: Path, worker: subprocess.Popen[str]) -> None:
    """Until the worker's first tick has enqueued a task (its signal handlers are in place
    by then): a fixed sleep was too short when the machine is busy starting Django."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and worker.poll() is None:
        with sqlite3.connect(database) as connection:
            (count,) = connection.execute(
                "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult"
            ).fetchone()
        if count:
            time.sleep(0.5)  # and a few more ticks
            return
        time.sleep(0.1)


@pytest.mark.servers
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_worker_stops_cleanly_on_a_signal(
    tmp_path: Path, migrated_sqlite: Path, signum: signal.Signals
) -> None:
    src = Path(__file__).resolve().parents[2] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "ONEWINDOW_VAR_DIR": str(tmp_path),
        "ONEWINDOW_TICK_SECONDS": "0.2",
    }
    # SQLite under tmp_path and the database backend, whatever this run's environment says.
    env.pop("ONEWINDOW_TASKS_URL", None)
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "onewindow.config.cli"]
    copy_migrated_sqlite(migrated_sqlite, tmp_path)
    # Our own interpreter and CLI, fixed arguments: nothing untrusted reaches this call.
    worker = subprocess.Popen(  # noqa: S603
        [*cli, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    _wait_until_ticking(tmp_path / "onewindow.sqlite3", worker)

    worker.send_signal(signum)

    output, _ = worker.communicate(timeout=15)
    assert worker.returncode == 0, output
    assert "stopping after the running task" in output
