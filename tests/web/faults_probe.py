"""What the fault test's workers did: each task run and each SMS, one line each, appended.

Installed only by tests/web/faults_settings.py. Lines go to $ONEWINDOW_FAULTS_LOG with
O_APPEND, so the two worker processes can write side by side.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from django.apps import AppConfig


def note(**fields: Any) -> None:
    line = json.dumps({"at": time.time(), "pid": os.getpid(), **fields}) + "\n"
    descriptor = os.open(os.environ["ONEWINDOW_FAULTS_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(descriptor, line.encode())
    finally:
        os.close(descriptor)


def record_sms(mobile: str, text: str) -> None:
    """The SMS gateway of the test: a line per message sent."""
    note(kind="sms", mobile=mobile, text=text)


class ProbeConfig(AppConfig):
    name = "tests.web.faults_probe"
    label = "faults_probe"

    def ready(self) -> None:
        from onewindow.core.task_queue import OutageRetryJob

        execute = OutageRetryJob._execute

        def observed(job: OutageRetryJob) -> Any:
            note(kind="start", job=job.id, task=job.func_name)
            try:
                result = execute(job)
            except Exception as error:
                note(kind="failed", job=job.id, error=repr(error)[:300])
                raise
            note(kind="done", job=job.id)
            return result

        # The probe wraps the method in this process only; mypy refuses any method assignment.
        OutageRetryJob._execute = observed  # type: ignore[method-assign,assignment]
