"""A worker killed while it runs a task loses nothing: another worker queues the task again
once the dead one has stopped beating, and runs it (django-tasks-db)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onewindow.core import workers
from onewindow.core.models import WorkerBeat
from tests.copied_database import Database
from tests.core.slow_tasks import hang_the_first_time

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ROOT = Path(__file__).resolve().parents[2]


def _claimed_by(worker_id: str, folder: Path) -> DBTaskResult[[str], str]:
    hang = hang_the_first_time.enqueue(str(folder))
    claimed = DBTaskResult.objects.get(pk=hang.id)
    claimed.claim(worker_id)
    return claimed


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_stopped_beating_runs_again(tmp_path: Path) -> None:
    (tmp_path / "started").write_text("1")  # its first run began in the dead worker
    with override_settings(TASKS=DATABASE_TASKS, ONEWINDOW_PERIODIC_TASKS=[]):
        long_ago = timezone.now() - timedelta(minutes=5)
        workers.beat("dead-worker", now=long_ago)
        orphan = _claimed_by("dead-worker", tmp_path)

        call_command("worker", "--once")

    orphan.refresh_from_db()
    assert orphan.status == TaskResultStatus.SUCCESSFUL
    assert (tmp_path / "finished").exists()
    assert orphan.worker_ids[0] == "dead-worker"
    assert len(orphan.worker_ids) == 2


@pytest.mark.django_db(transaction=True)
def test_the_running_task_of_a_live_worker_is_left_alone(tmp_path: Path) -> None:
    with override_settings(TASKS=DATABASE_TASKS, ONEWINDOW_PERIODIC_TASKS=[]):
        workers.beat("busy-worker")
        running = _claimed_by("busy-worker", tmp_path)

        assert workers.requeue_orphans("default") == []

    running.refresh_from_db()
    assert running.status == TaskResultStatus.RUNNING
    assert WorkerBeat.objects.filter(worker_id="busy-worker").exists()


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_kill_9_of_the_worker_mid_task_loses_no_task(tmp_path: Path) -> None:
    with override_settings(TASKS=DATABASE_TASKS):
        hang_the_first_time.enqueue(str(tmp_path))
    database = Database(tmp_path)
    database.copy_test_database()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ONEWINDOW_TASKS_URL"}},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": database.url,
        "ONEWINDOW_VAR_DIR": str(tmp_path),
        "ONEWINDOW_WORKER_BEAT_SECONDS": "0.3",
        "ONEWINDOW_LOG_LEVEL": "WARNING",
    }
    cli = [sys.executable, "-m", "onewindow.config.cli", "worker", "--no-tick"]
    log = (tmp_path / "worker.log").open("wb")
    workers_started: list[subprocess.Popen[bytes]] = []
    try:
        # Our own interpreter and CLI, fixed arguments: nothing untrusted reaches them.
        first = subprocess.Popen(cli, env=env, stdout=log, stderr=log)  # noqa: S603
        workers_started.append(first)
        _wait_for(tmp_path / "started", first, tmp_path)

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = subprocess.Popen(cli, env=env, stdout=log, stderr=log)  # noqa: S603
        workers_started.append(second)
        _wait_for(tmp_path / "finished", second, tmp_path)
        # The task writes "finished" before its worker records the result: wait for that too.
        deadline = time.monotonic() + 60
        while True:
            [(status, worker_ids)] = database.rows(  # the one task queued above
                "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
            )
            if status != "RUNNING" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        for worker in workers_started:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        log.close()
        database.drop()
    assert status == "SUCCESSFUL"
    ids = worker_ids if isinstance(worker_ids, list) else json.loads(worker_ids)
    assert len(ids) == 2  # the dead worker, then the live one


def _wait_for(path: Path, worker: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, f"no {path.name} within a minute"
        assert worker.poll() is None, (folder / "worker.log").read_text()
        time.sleep(0.1)
