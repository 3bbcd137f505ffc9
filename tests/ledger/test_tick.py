"""The ledger integrates in a tick of its own: another app's failing tick never stops the log."""

from __future__ import annotations

import pytest

from onewindow.applications import services as applications
from onewindow.core.management.commands.worker import periodic_tasks
from onewindow.core.management.commands.worker import tick as worker_tick
from onewindow.ledger import selectors, services
from onewindow.ledger.tasks import tick

pytestmark = pytest.mark.django_db


def record_decision(number: int) -> None:
    services.record(
        "application.decided",
        subject_ref=f"330106-20261123-{number:06d}",
        actor_role="approver",
        department="330106-market-regulation",
        payload={"decision": "approved", "step": number},
    )


def test_the_ledger_tick_integrates_what_is_pending() -> None:
    record_decision(1)
    record_decision(2)

    result = tick.enqueue()

    assert result.return_value == {"ledger_size": 2}
    assert selectors.tree_size() == 2


def test_the_ledger_tick_runs_first_on_the_worker_clock() -> None:
    assert periodic_tasks()[0] is tick


def test_failing_reminders_do_not_stop_the_ledger(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> int:
        raise RuntimeError("the reminders are broken")

    monkeypatch.setattr(applications, "send_reminders", broken)
    record_decision(1)

    worker_tick(periodic_tasks())  # the worker's clock: every periodic task, one after another

    assert selectors.tree_size() == 1
