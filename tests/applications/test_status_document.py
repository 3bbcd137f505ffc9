"""The status document: GET /api/v1/applications/{ref} answered from one row, for exactly the
people who could follow the application before, with the answer the full models gave."""

from __future__ import annotations

import random
import uuid
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onewindow.applications import selectors, services
from onewindow.applications.models import Application, StatusDocument
from onewindow.applications.workflow import engine, status
from onewindow.core.errors import NotFound
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.identity import services as identity_services
from onewindow.identity.models import User
from tests.applications import factories
from tests.applications.factories import World
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db
API = "/api/v1/applications"


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _reads(reader: User, ref: str) -> tuple[int, str]:
    if reader.is_officer:
        client = verified_client(reader)  # officers' sessions pass the second factor first
    else:
        client = Client()
        client.force_login(reader)
    answer = client.get(f"{API}/{ref}")
    return answer.status_code, answer.content.decode()


def _may_follow(reader: User, application: Application) -> bool:
    """The check the detail endpoint made before it read documents."""
    try:
        selectors.access_application(reader, application.ref)
    except NotFound:
        return False
    return True


def test_who_may_read_the_status_is_who_could_follow_the_application(world: World) -> None:
    divisions = world["divisions"]
    founder = citizen(divisions["community"])
    business = identity_services.register_business(
        founder,
        credit_code=generate_credit_code(random.Random(7), division_code="330106"),
        name="杭州湖畔科技有限公司",
        division=divisions["district"],
    )
    agent, former_agent, stranger = (citizen(divisions["community"]) for _ in range(3))
    identity_services.authorise_agent(business, by=founder, agent=agent)
    withdrawn = identity_services.authorise_agent(business, by=founder, agent=former_agent)
    company = factories.file(
        agent, world["versions"][factories.COMPANY], factories.COMPANY_FORM, business=business
    )
    identity_services.withdraw_agent(withdrawn, by=founder)
    clerk = factories.officer(world["departments"]["330106-market_supervision"], "window_clerk")
    rural = citizen(divisions["village"])
    identity_services.record_agent_consent(clerk, rural, method="signed_form", evidence=b"%PDF-")
    card = world["versions"][factories.SOCIAL_SECURITY_CARD]
    at_the_hall = services.submit_application(
        rural,
        card,
        {"bank": "icbc"},
        idempotency_key=uuid.uuid4().hex,
        delivery="pickup",
        filed_by=clerk,
        draft=factories.draft_with_uploads(rural, card),
    )
    readers = [founder, agent, former_agent, stranger, clerk, rural]

    for application in (company, at_the_hall):
        expected = factories.full_model_answer(application)
        for reader in readers:
            code, body = _reads(reader, application.ref)
            if _may_follow(reader, application):
                assert (code, body) == (200, expected), reader.username
            else:
                assert code == 404, reader.username
                assert "No application of yours has this reference." in body
    allowed = {
        application.ref: {r.pk for r in readers if _may_follow(r, application)}
        for application in (company, at_the_hall)
    }
    assert allowed == {
        company.ref: {founder.pk, agent.pk},
        at_the_hall.ref: {clerk.pk, rural.pk},
    }
    assert _reads(founder, "330106-20260101-000001")[0] == 404  # no such application


def test_a_read_is_one_statement_on_the_status_documents(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    client = Client()
    client.force_login(applicant)
    client.get(f"{API}/{application.ref}")  # the session's first use

    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"{API}/{application.ref}")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json; charset=utf-8"
    ours = [query["sql"] for query in queries if "applications_" in query["sql"]]
    assert len(ours) == 1
    assert StatusDocument._meta.db_table in ours[0]


def test_the_migration_builds_the_documents_the_engine_builds(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    birth = world["versions"][factories.BIRTH]
    filed = [factories.file(applicant, birth, factories.BIRTH_FORM) for _ in range(3)]
    step = filed[0].steps.get(status="open")
    officer = factories.officer(step.department, step.role)
    step = services.claim_step(officer, step, version=step.version)
    services.reject_step(officer, step, version=step.version, reasons="材料不符")
    expected = {pk: status.build(pk) for pk in (a.pk for a in filed)}
    StatusDocument.objects.all().delete()

    migration = import_module("onewindow.applications.migrations.0006_status_documents")
    migration.build_documents(apps, None)
    # 0007 adds the project code to the documents 0006 built.
    import_module("onewindow.applications.migrations.0007_project_code").add_field_to_documents(
        apps, None
    )

    for pk, document in expected.items():
        assert document is not None
        built = StatusDocument.objects.get(pk=pk)
        assert (built.ref, built.body, built.fetched) == (document.ref, document.body, "")
        assert (built.applicant_id, built.filed_by_id, built.business_id) == (
            applicant.pk,
            applicant.pk,
            None,
        )


def test_a_move_outside_the_engines_transaction_is_refused(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    before = application.transitions.count()

    with pytest.raises(status.OutsideMoving):
        engine.record_transition(application, None, "resumed", None, "", application.status)

    assert application.transitions.count() == before
    factories.assert_status_document_agrees(application)
