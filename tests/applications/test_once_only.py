"""Once-only: a material declared as fetched comes from the department that holds it, after
the applicant confirms; the officer sees it verified; a provider that is down costs nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, TypedDict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.applications import services
from onewindow.applications.models import (
    Application,
    FetchedMaterial,
    FetchStatus,
    StatusDocument,
)
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.exchange import services as exchange
from onewindow.exchange.models import AccessGrant, DataService, ExchangeMessage
from onewindow.exchange.seed import seed_data_services
from onewindow.identity.models import Department, User
from tests.applications import factories
from tests.identity.factories import citizen, resident_id
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db

HOUSEHOLD = "public_security.household_registration"
CARD_FORM = {"bank": "icbc"}


class World(TypedDict):
    version: ServiceItemVersion
    applicant: User
    consumer: Department
    reviewer: User
    steward: User
    grant: AccessGrant


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    """The social security card (handled by the city's human resources bureau) fetches the
    applicant's household registration from the city's public security bureau."""
    departments = factories.departments(divisions)
    versions = factories.catalogue()
    seed_data_services()
    household = DataService.objects.get(code=HOUSEHOLD)
    number = resident_id()
    applicant = citizen(divisions["community"], id_number=number)
    exchange.load_records(
        household,
        [
            (
                number,
                {
                    "name": "王小明",
                    "sex": "male",
                    "birth_date": "1985-06-15",
                    "household_division": "330106001001",
                    "household_head": "王大明",
                },
            )
        ],
    )
    consumer = departments["330100-human_resources"]
    grant = exchange.request_grant(
        factories.officer(consumer),
        household,
        purpose=factories.SOCIAL_SECURITY_CARD,
        fields=["name", "birth_date", "household_division"],
    )
    steward = factories.officer(household.provider, "data_steward")
    exchange.approve_grant(
        steward,
        grant,
        fields=["name", "household_division"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    return {
        "version": versions[factories.SOCIAL_SECURITY_CARD],
        "applicant": applicant,
        "consumer": consumer,
        "reviewer": factories.officer(consumer),
        "steward": steward,
        "grant": grant,
    }


def _file(world: World, *, consent: bool = True, **extra: Any) -> Application:
    return factories.file(
        world["applicant"], world["version"], CARD_FORM, fetch_consent=consent, **extra
    )


def test_without_the_applicants_confirmation_nothing_is_fetched_or_filed(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        _file(world, consent=False)

    assert refused.value.field == "fetch_consent"
    assert not Application.objects.exists()
    assert not ExchangeMessage.objects.exists()


def test_the_declared_material_is_fetched_on_submission_with_granted_fields_only(
    world: World,
) -> None:
    application = _file(world)

    fetched = FetchedMaterial.objects.get(application=application)
    assert fetched.status == FetchStatus.FETCHED
    assert fetched.consumer == world["consumer"]
    assert "王小明" not in fetched.data_encrypted  # encrypted at rest
    message = fetched.message
    assert message is not None
    assert (message.case_ref, message.purpose, message.actor) == (
        application.ref,
        factories.SOCIAL_SECURITY_CARD,
        "system:once-only",
    )
    assert message.subject_user == world["applicant"]
    assert message.ledger_index is not None
    # The status document keeps the fields encrypted and answers them in the reader's language.
    document = StatusDocument.objects.get(pk=application.pk)
    assert "王小明" not in document.body + document.fetched
    factories.assert_status_document_agrees(application)


def test_the_officer_sees_the_material_verified_and_the_citizen_sees_who_read_it(
    world: World,
) -> None:
    application = _file(world)
    step = application.steps.get()

    work = verified_client(world["reviewer"]).get(
        reverse("applications:work", args=[step.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    html = work.content.decode()
    assert "Verified at the source" in html
    assert "王小明" in html
    assert "330106001001" in html
    assert "1985-06-15" not in html  # the grant did not include the birth date

    citizen_client = Client()
    citizen_client.force_login(world["applicant"])
    tracker = citizen_client.get(reverse("web:who-read-my-data"), HTTP_ACCEPT_LANGUAGE="en")
    page = tracker.content.decode()
    assert world["consumer"].name_en in page
    assert application.ref in page
    assert "Household registration lookup" in page


def test_the_form_says_what_is_fetched_from_whom_and_asks_to_confirm(world: World) -> None:
    client = Client()
    client.force_login(world["applicant"])
    url = reverse("applications:new", args=[factories.SOCIAL_SECURITY_CARD])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Fetched for you from the departments" in page
    assert world["grant"].service.provider.name_en in page
    assert "Name, Registered household division" in page

    unconfirmed = client.post(
        url,
        {
            "action": "submit",
            "bank": "icbc",
            "delivery": "electronic",
            "request_key": "k-once",
            "file_photo": SimpleUploadedFile("photo.png", factories.PNG, "image/png"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert unconfirmed.status_code == 200
    assert "Confirm that the platform may fetch" in unconfirmed.content.decode()
    assert not Application.objects.exists()

    confirmed = client.post(
        url,
        {
            "action": "submit",
            "bank": "icbc",
            "delivery": "electronic",
            "request_key": "k-once",
            "fetch_consent": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    application = Application.objects.get()
    assert confirmed.status_code == 302
    assert application.fetched_materials.get().status == FetchStatus.FETCHED


def test_a_material_uploaded_by_the_applicant_is_not_fetched(world: World) -> None:
    draft = factories.draft_with_uploads(world["applicant"], world["version"])
    services.add_upload(
        world["applicant"], draft, material_key="identity", name="id.pdf", content=factories.PDF
    )

    application = services.submit_application(
        world["applicant"],
        world["version"],
        CARD_FORM,
        idempotency_key=uuid.uuid4().hex,
        delivery="electronic",
        draft=draft,
    )

    assert not application.fetched_materials.exists()
    assert not ExchangeMessage.objects.exists()
    assert application.uploads.filter(material_key="identity").exists()


def test_a_provider_that_is_down_loses_nothing_and_is_tried_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_call = exchange.call

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("provider unreachable")

    monkeypatch.setattr(exchange, "call", down)
    application = _file(world)
    fetched = application.fetched_materials.get()
    assert fetched.status == FetchStatus.UNAVAILABLE
    assert fetched.next_attempt_at is not None
    assert application.steps.get().status == "open"  # the application goes on regardless
    factories.assert_status_document_agrees(application)

    client = Client()
    client.force_login(world["applicant"])
    detail = client.get(
        reverse("applications:detail", args=[application.ref]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Source unavailable" in detail
    assert "Try fetching again" in detail

    assert services.retry_fetches(now=timezone.now()) == 0  # not due yet
    monkeypatch.setattr(exchange, "call", real_call)
    assert services.retry_fetches(now=timezone.now() + timedelta(minutes=2)) == 1
    fetched.refresh_from_db()
    assert fetched.status == FetchStatus.FETCHED
    assert fetched.attempts == 2
    factories.assert_status_document_agrees(application)


def test_the_applicant_uploads_instead_when_the_source_has_no_record(
    world: World, divisions: dict[str, Division]
) -> None:
    stranger = citizen(divisions["community"], id_number=resident_id(division_code="330127"))
    application = factories.file(stranger, world["version"], CARD_FORM, fetch_consent=True)
    assert application.fetched_materials.get().status == FetchStatus.NOT_FOUND

    client = Client()
    client.force_login(stranger)
    answer = client.post(
        reverse("applications:fetched", args=[application.ref, "identity"]),
        {"action": "upload", "file_identity": SimpleUploadedFile("id.pdf", factories.PDF)},
    )

    assert answer.status_code == 302
    assert application.fetched_materials.get().status == FetchStatus.UPLOADED
    assert application.uploads.filter(material_key="identity").exists()
    factories.assert_status_document_agrees(application)
    other = Client()
    other.force_login(world["applicant"])
    assert (
        other.post(
            reverse("applications:fetched", args=[application.ref, "identity"]),
            {"action": "retry"},
        ).status_code
        == 404
    )


def test_without_a_usable_grant_nothing_is_asked_and_the_applicant_is_told_to_upload(
    world: World,
) -> None:
    exchange.revoke_grant(world["steward"], world["grant"])

    application = _file(world, consent=False)  # nothing to confirm: nothing will be fetched

    fetched = application.fetched_materials.get()
    assert fetched.status == FetchStatus.REFUSED
    assert not ExchangeMessage.objects.exists()


def test_the_api_files_with_consent_and_shows_the_fetched_material(world: World) -> None:
    client = Client()
    client.force_login(world["applicant"])
    draft = factories.draft_with_uploads(world["applicant"], world["version"])
    body = {
        "service_code": factories.SOCIAL_SECURITY_CARD,
        "form": CARD_FORM,
        "delivery": "electronic",
        "draft": draft.pk,
    }

    refused = client.post(
        "/api/v1/applications",
        {**body},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-1",
    )
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in refused.json()["errors"]] == ["fetch_consent"]

    created = client.post(
        "/api/v1/applications",
        {**body, "fetch_consent": True},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="api-1",
    )
    assert created.status_code == 201
    detail = client.get(f"/api/v1/applications/{created.json()['ref']}").json()
    [material] = detail["fetched_materials"]
    assert material["status"] == "fetched"
    assert material["data_service"] == HOUSEHOLD
    assert set(material["data"].values()) == {"王小明", "330106001001"}
    assert material["ledger_index"] is not None
