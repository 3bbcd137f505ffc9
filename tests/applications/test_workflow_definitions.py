"""The engine parses a version's workflow once, and a newly published version afresh."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from onewindow.applications import services
from onewindow.applications.models import Step, StepStatus
from onewindow.applications.workflow import definitions
from onewindow.catalog.models import ServiceItemVersion
from onewindow.catalog.seed import SEEDED_SERVICES
from onewindow.catalog.services import publish_service
from onewindow.catalog.workflow_definition import WorkflowDefinition, parse_workflow
from onewindow.core.models import Division
from tests.applications import factories
from tests.identity.factories import citizen

PUBLISHED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ONE_STEP = (
    "step check name_zh=审核 name_en=Check role=reviewer"
    " department=civil_affairs level=county sla=2"
)
TWO_STEPS = (
    f"{ONE_STEP}\nstep sign name_zh=签发 name_en=Sign role=approver"
    " department=civil_affairs level=county sla=1 after=check"
)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """An empty cache, and the texts the engine hands to the parser from now on."""
    texts: list[str] = []

    def counting_parse(text: str) -> WorkflowDefinition:
        texts.append(text)
        return parse_workflow(text)

    monkeypatch.setattr(definitions, "_parsed", {})
    monkeypatch.setattr(definitions, "parse_workflow", counting_parse)
    return texts


def _approve(step: Step) -> None:
    holder = factories.officer(step.department, step.role)
    step = services.claim_step(holder, step, version=step.version)
    services.approve_step(holder, step, version=step.version, note="ok")


@pytest.mark.django_db
def test_transitions_after_filing_do_not_parse_the_workflow_again(
    divisions: dict[str, Division], parses: list[str]
) -> None:
    factories.departments(divisions)
    version = factories.catalogue()[factories.COMPANY]
    application = factories.file(citizen(divisions["community"]), version, factories.COMPANY_FORM)
    assert parses == [version.workflow]

    for step in application.steps.filter(status=StepStatus.OPEN)[:2]:
        _approve(step)
    services.send_reminders(now=application.submitted_at + timedelta(hours=1))

    assert parses == [version.workflow]


@pytest.mark.django_db
def test_a_newly_published_version_is_parsed_and_the_old_one_stays_cached(
    divisions: dict[str, Division], parses: list[str]
) -> None:
    factories.departments(divisions)
    first = factories.catalogue()[factories.SOCIAL_SECURITY_CARD]
    applicant = citizen(divisions["community"])
    factories.file(applicant, first, {"bank": "icbc"})
    definition = next(d for d in SEEDED_SERVICES if d["code"] == factories.SOCIAL_SECURITY_CARD)
    guide = dataclasses.replace(definition["guide"], promised_days=3)

    second = publish_service(**{**definition, "guide": guide})
    factories.file(applicant, second, {"bank": "icbc"})
    factories.file(applicant, first, {"bank": "icbc"})

    assert second.workflow == first.workflow  # same text, yet a version of its own
    assert parses == [first.workflow, second.workflow]


def test_a_row_with_the_same_key_but_other_text_is_parsed_afresh(parses: list[str]) -> None:
    published = ServiceItemVersion(pk=7, published_at=PUBLISHED, workflow=ONE_STEP)
    reused = ServiceItemVersion(pk=7, published_at=PUBLISHED, workflow=TWO_STEPS)

    assert len(definitions.workflow_of(published).steps) == 1
    assert len(definitions.workflow_of(reused).steps) == 2
    assert len(definitions.workflow_of(reused).steps) == 2
    assert parses == [ONE_STEP, TWO_STEPS]


def test_the_cache_keeps_only_the_newest_versions(
    parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(definitions, "MAX_CACHED_VERSIONS", 2)
    versions = [
        ServiceItemVersion(pk=pk, published_at=PUBLISHED, workflow=ONE_STEP) for pk in (1, 2, 3)
    ]

    for version in versions:
        definitions.workflow_of(version)
    definitions.workflow_of(versions[2])
    definitions.workflow_of(versions[0])

    assert len(parses) == 4  # the first version was evicted when the third came in
    assert len(definitions._parsed) == 2
