"""A worker killed while it runs a task loses nothing: another worker queues the task again
once the dead one has stopped beating, and runs it (django-tasks-db)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
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

from onewindow.web import workers
from onewindow.web.models import WorkerBeat
from tests.web.slow_tasks import hang_the_first_time

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ROOT = Path(__file__).resolve().parents[2]


def _claimed_by(worker_id: str, folder: Path) -> DBTaskResult:
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
def test_kill_9_of_the_worker_mid_task_loses_no_task(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ONEWINDOW_TASKS_URL"}},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "ONEWINDOW_VAR_DIR": str(tmp_path),
        "ONEWINDOW_WORKER_BEAT_SECONDS": "0.3",
        "ONEWINDOW_LOG_LEVEL": "WARNING",
    }
    cli = [sys.executable, "-m", "onewindow.config.cli"]
    # Our own interpreter and CLI, fixed arguments: nothing untrusted reaches these calls.
    subprocess.run([*cli, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    enqueue = (
        f"from tests.web.slow_tasks import hang_the_first_time as t; t.enqueue({str(tmp_path)!r})"
    )
    subprocess.run([*cli, "shell", "-c", enqueue], env=env, check=True, timeout=60)  # noqa: S603
    log = (tmp_path / "worker.log").open("wb")
    first = subprocess.Popen([*cli, "worker", "--no-tick"], env=env, stdout=log, stderr=log)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert time.monotonic() < deadline, "the task never started"
            assert first.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.1)

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = subprocess.Popen([*cli, "worker", "--no-tick"], env=env, stdout=log, stderr=log)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while not (tmp_path / "finished").exists():
                assert time.monotonic() < deadline, "the task was not run again"
                assert second.poll() is None, (tmp_path / "worker.log").read_text()
                time.sleep(0.1)
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
        log.close()
    with sqlite3.connect(tmp_path / "onewindow.sqlite3") as database:
        rows = database.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
        ).fetchall()
    [(status, worker_ids)] = rows
    assert status == "SUCCESSFUL"
    assert len(json.loads(worker_ids)) == 2  # the dead worker, then the live one
