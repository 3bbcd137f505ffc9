"""Send one message, as a service does, in a process of its own: `python -m
tests.core.outbox_crash RECIPIENT_PK`. With ONEWINDOW_FAILPOINT=task-queue:after-commit the
process is killed right after the message's transaction commits, before its delivery task
reaches Redis (tests/core/test_task_queue.py)."""

from __future__ import annotations

import sys

import django


def main(recipient_pk: int) -> None:
    django.setup()
    from onewindow.identity.models import User
    from onewindow.notify import services

    services.send(
        User.objects.get(pk=recipient_pk),
        "application_received",
        context={"ref": "330106-20260105-0007", "service_name": "个体工商户登记"},
    )
    print("sent")  # not reached with the failpoint


if __name__ == "__main__":
    main(int(sys.argv[1]))
