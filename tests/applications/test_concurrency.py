"""Real concurrency on PostgreSQL: threads with their own connections act at the same time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from onewindow.applications import services
from onewindow.applications.models import ApplicationStatus, ReferenceCounter, Step
from onewindow.applications.workflow import status
from onewindow.core.errors import Conflict
from onewindow.core.models import Division
from tests.applications import factories
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(actions: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = []
    failures: list[BaseException] = []

    def run(action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(action())
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures


def test_two_officers_claiming_one_step_at_once_exactly_one_wins(
    postgres_only: None, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    application = factories.file(
        citizen(divisions["community"]), versions[factories.BIRTH], factories.BIRTH_FORM
    )
    step = application.steps.get()
    first, second = factories.officer(step.department), factories.officer(step.department)

    won, lost = _at_once(
        [
            lambda: services.claim_step(first, step, version=step.version),
            lambda: services.claim_step(second, step, version=step.version),
        ]
    )

    assert len(won) == 1
    assert len(lost) == 1
    assert isinstance(lost[0], Conflict)
    assert Step.objects.get(pk=step.pk).assignee_id == won[0].assignee_id


def test_five_parallel_approvals_at_once_complete_the_application_once(
    postgres_only: None, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    application = factories.file(
        citizen(divisions["community"]), versions[factories.COMPANY], factories.COMPANY_FORM
    )
    held = []
    for step in application.steps.all():
        officer = factories.officer(step.department)
        held.append((officer, services.claim_step(officer, step, version=step.version)))

    done, failures = _at_once(
        [
            partial(services.approve_step, officer, step, version=step.version)
            for officer, step in held
        ]
    )

    assert failures == []
    assert len(done) == 5
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    endings = application.transitions.filter(step__isnull=True, to_status="approved")
    assert endings.count() == 1


def test_moves_of_one_application_committed_side_by_side_both_reach_its_status_document(
    postgres_only: None, divisions: dict[str, Division], monkeypatch: pytest.MonkeyPatch
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    application = factories.file(
        citizen(divisions["community"]), versions[factories.COMPANY], factories.COMPANY_FORM
    )
    overdue, other = list(application.steps.all())[:2]
    Step.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - timedelta(days=3))
    officer = factories.officer(other.department)
    # The first rebuild dawdles: were the second to read before the first commits, the
    # document written last would miss the first move.
    real_build, calls = status.build, []

    def slow_build(pk: int, **options: Any) -> Any:
        calls.append(pk)
        found = real_build(pk, **options)
        if len(calls) == 1:
            time.sleep(0.5)
        return found

    monkeypatch.setattr(status, "build", slow_build)

    def claim_a_moment_later() -> Step:
        time.sleep(0.1)
        return services.claim_step(officer, other, version=other.version)

    done, failures = _at_once([services.escalate_overdue, claim_a_moment_later])

    assert failures == []
    assert len(done) == 2
    assert Step.objects.get(pk=overdue.pk).escalation_level == 1
    assert Step.objects.get(pk=other.pk).assignee_id == officer.pk
    factories.assert_status_document_agrees(application)


def test_eight_filings_at_once_in_one_county_get_eight_consecutive_refs(
    postgres_only: None, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    version = factories.catalogue()[factories.BIRTH]
    people = [citizen(divisions["community"]) for _ in range(8)]
    drafts = [factories.draft_with_uploads(person, version) for person in people]

    filed, failures = _at_once(
        [
            partial(
                services.submit_application,
                person,
                version,
                factories.BIRTH_FORM,
                idempotency_key="rush",
                delivery="electronic",
                draft=draft,
            )
            for person, draft in zip(people, drafts, strict=True)
        ]
    )

    assert failures == []
    # One county, one day: numbers 1 to 8, each once, whatever order the commits took.
    numbers = sorted(int(application.ref.rsplit("-", 1)[1]) for application in filed)
    assert numbers == list(range(1, 9))
    prefixes = {application.ref.rsplit("-", 1)[0] for application in filed}
    assert len(prefixes) == 1
    assert ReferenceCounter.objects.get(prefix=prefixes.pop()).last == 8
