"""`kill -9` of the worker in the middle of an alert's fan-out, then a new worker: every
resident in the area has exactly one delivery and one inbox message, nobody outside has any.

A real `onewindow worker` (django-tasks-db) on this test's own copy of the database (SQLite
file or PostgreSQL database, tests/copied_database.py). The fan-out writes small batches with
a pause between them so the kill lands mid-way; the killed worker's task is queued again once
it has stopped beating (core/workers.py) and the second run skips whoever has theirs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from onewindow.alerts import services
from onewindow.alerts.models import Alert
from onewindow.core.models import Division
from onewindow.identity.models import User, UserKind
from tests.alerts import factories
from tests.copied_database import Database

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IN_AREA = 60
OUTSIDE = 6
BATCH = 3

pytestmark = pytest.mark.servers


def _residents(division: Division, count: int, prefix: str, *, mobiles: str) -> list[User]:
    """Residents without passwords (hashing hundreds would be the test's slowest part)."""
    people = []
    for number in range(count):
        person = User(
            username=f"{prefix}{number}",
            kind=UserKind.CITIZEN,
            division=division,
            email=f"{prefix}{number}@example.org",
            preferred_language="en" if number % 3 == 0 else "zh-hans",
        )
        person.set_unusable_password()
        if number % 10:  # every tenth has no phone: their village agent tells them
            person.set_mobile(f"{mobiles}{number:08d}")
        people.append(person)
    return User.objects.bulk_create(people)


def _count(database: Database, sql: str) -> int:
    [(value,)] = database.rows(sql)
    return int(value)


@pytest.mark.django_db(transaction=True)
def test_kill_9_of_the_worker_mid_fan_out_delivers_once_to_each_resident(
    tmp_path: Path, divisions: dict[str, Division]
) -> None:
    bureau = factories.bureau(divisions)
    inside = _residents(divisions["village"], IN_AREA, "in", mobiles="139")
    outside = _residents(divisions["community"], OUTSIDE, "out", mobiles="138")
    with override_settings(TASKS=DATABASE_TASKS):
        alert = services.compose_alert(factories.author(bureau), factories.typhoon())
        services.approve_alert(factories.approver(bureau), alert)  # queues the fan-out
    database = Database(tmp_path)
    database.copy_test_database()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ONEWINDOW_TASKS_URL"}},
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
        "DATABASE_URL": database.url,
        "ONEWINDOW_VAR_DIR": str(tmp_path),
        "ONEWINDOW_WORKER_BEAT_SECONDS": "0.3",
        "ONEWINDOW_ALERT_BATCH_SIZE": str(BATCH),
        "ONEWINDOW_ALERT_BATCH_PAUSE": "0.05",
        "ONEWINDOW_LOG_LEVEL": "WARNING",
        "ONEWINDOW_SMS_BACKEND": "onewindow.identity.sms.console_backend",
    }
    cli = [sys.executable, "-m", "onewindow.config.cli", "worker", "--no-tick"]
    # The SQL below carries only our own integer key and reference (database.rows takes no
    # parameters): nothing untrusted reaches it.
    deliveries = f"SELECT COUNT(*) FROM alerts_alertdelivery WHERE alert_id = {alert.pk}"  # noqa: S608
    log = (tmp_path / "worker.log").open("wb")
    started: list[subprocess.Popen[bytes]] = []
    try:
        # Our own interpreter and CLI, fixed arguments: nothing untrusted reaches them.
        first = subprocess.Popen(cli, env=env, stdout=log, stderr=log)  # noqa: S603
        started.append(first)
        _wait(lambda: _count(database, deliveries) >= 3 * BATCH, first, tmp_path)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        cut_at = _count(database, deliveries)
        second = subprocess.Popen(cli, env=env, stdout=log, stderr=log)  # noqa: S603
        started.append(second)
        done = (
            f"SELECT COUNT(*) FROM alerts_alert WHERE id = {alert.pk}"  # noqa: S608
            " AND fan_out_done_at IS NOT NULL"
        )
        _wait(lambda: _count(database, done) == 1, second, tmp_path)
        per_resident = dict(
            database.rows(
                "SELECT recipient_id, COUNT(*) FROM alerts_alertdelivery "  # noqa: S608
                f"WHERE alert_id = {alert.pk} GROUP BY recipient_id"
            )
        )
        messages = dict(
            database.rows(
                "SELECT recipient_id, COUNT(*) FROM notify_message "  # noqa: S608
                f"WHERE subject_ref = '{alert.ref}' GROUP BY recipient_id"
            )
        )
        to_visit = _count(database, f"{deliveries} AND needs_visit")
    finally:
        for worker in started:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        log.close()
        database.drop()
    assert 0 < cut_at < IN_AREA, "the kill did not land mid-way"
    assert per_resident == {person.pk: 1 for person in inside}
    assert messages == {person.pk: 1 for person in inside}
    assert not {person.pk for person in outside} & set(messages)
    assert to_visit == IN_AREA // 10
    assert Alert.objects.get(pk=alert.pk).ref == alert.ref


def _wait(condition: Any, worker: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        assert time.monotonic() < deadline, (folder / "worker.log").read_text()[-3000:]
        assert worker.poll() is None, (folder / "worker.log").read_text()[-3000:]
        time.sleep(0.05)
