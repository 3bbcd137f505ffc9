"""Acting for someone else: a resident without a phone consents on a signed form the agent
scans; a window clerk acts for a citizen at the counter only with consent; the record
shows both people; a business's legal representative authorises agents per kind of
service and withdraws them."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onewindow.applications.models import Application
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.identity import services
from onewindow.identity.models import AgentConsent, BusinessAgent, ConsentMethod
from onewindow.ledger.models import LedgerEntry
from tests.applications import factories as app_factories
from tests.identity import factories
from tests.identity.test_assisted_filing import agent, verified_client  # noqa: F401

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_resident_without_a_phone_consents_on_a_signed_form_the_agent_scans(
    agent: Any,  # noqa: F811
    divisions: dict[str, Division],
) -> None:
    id_number = factories.resident_id()
    resident = factories.citizen(divisions["village"], id_number=id_number)
    client = verified_client(agent)

    started = client.post(
        reverse("identity:assist-start"), {"id_number": id_number, "method": "signed_form"}
    )
    form_page = client.get(reverse("identity:assist-form")).content.decode()
    uploaded = client.post(
        reverse("identity:assist-form"),
        {"scan": SimpleUploadedFile("signed.png", PNG, content_type="image/png")},
        follow=True,
    )

    assert started["Location"] == reverse("identity:assist-form")
    assert "王**" in form_page
    assert resident.masked_id_number in form_page
    assert re.search(r"C\d{6}-[0-9A-F]{6}", form_page)
    consent = AgentConsent.objects.get(agent=agent, resident=resident)
    assert consent.method == ConsentMethod.SIGNED_FORM
    assert consent.evidence_file.read() == PNG
    assert LedgerEntry.objects.filter(
        event_type="identity.agent_consent", subject_ref=f"consent:{consent.pk}"
    ).exists()
    assert "Filed by agent 何建国 for resident 王**" in uploaded.content.decode()


def test_a_scan_that_is_not_a_pdf_or_image_records_nothing(
    agent: Any,  # noqa: F811
    divisions: dict[str, Division],
) -> None:
    id_number = factories.resident_id()
    factories.citizen(divisions["village"], id_number=id_number)
    client = verified_client(agent)
    client.post(reverse("identity:assist-start"), {"id_number": id_number, "method": "signed_form"})

    answer = client.post(
        reverse("identity:assist-form"),
        {"scan": SimpleUploadedFile("signed.txt", b"I agree", content_type="text/plain")},
    )

    assert 'id="id_scan_error"' in answer.content.decode()
    assert not AgentConsent.objects.exists()


def test_an_expired_or_used_consent_form_is_refused(
    agent: Any,  # noqa: F811
    divisions: dict[str, Division],
) -> None:
    id_number = factories.resident_id()
    factories.citizen(divisions["village"], id_number=id_number)
    challenge = services.start_consent_form(agent, resident_id_number=id_number)
    services.confirm_consent_form(agent, challenge, scan=PNG)

    with pytest.raises(Conflict):
        services.confirm_consent_form(agent, challenge, scan=PNG)
    other = services.start_consent_form(agent, resident_id_number=id_number)
    other.expires_at = timezone.now() - timedelta(seconds=1)
    other.save()
    with pytest.raises(Conflict):
        services.confirm_consent_form(agent, other, scan=PNG)
    assert AgentConsent.objects.count() == 1


def test_an_agent_without_a_valid_consent_cannot_file(
    agent: Any,  # noqa: F811
    divisions: dict[str, Division],
) -> None:
    app_factories.departments(divisions)
    versions = app_factories.catalogue()
    resident = factories.citizen(divisions["village"])
    consent = services.record_agent_consent(
        agent, resident, method=ConsentMethod.ONE_TIME_CODE, evidence=b"x"
    )
    AgentConsent.objects.filter(pk=consent.pk).update(expires_at=timezone.now())

    with pytest.raises(PermissionDenied):
        app_factories.file(
            resident,
            versions[app_factories.SOCIAL_SECURITY_CARD],
            {"bank": "icbc"},
            delivery="pickup",
            filed_by=agent,
            fetch_consent=True,
        )
    assert not Application.objects.exists()


def test_a_window_clerk_without_the_citizens_consent_cannot_file(
    divisions: dict[str, Division],
) -> None:
    departments = app_factories.departments(divisions)
    versions = app_factories.catalogue()
    resident = factories.citizen(divisions["community"])
    clerk = app_factories.officer(departments["330106-market_supervision"], "window_clerk")

    with pytest.raises(PermissionDenied):
        app_factories.file(
            resident,
            versions[app_factories.SOCIAL_SECURITY_CARD],
            {"bank": "icbc"},
            delivery="pickup",
            filed_by=clerk,
            fetch_consent=True,
        )

    services.record_agent_consent(clerk, resident, method=ConsentMethod.SIGNED_FORM, evidence=PNG)
    filed = app_factories.file(
        resident,
        versions[app_factories.SOCIAL_SECURITY_CARD],
        {"bank": "icbc"},
        delivery="pickup",
        filed_by=clerk,
        fetch_consent=True,
    )
    assert filed.channel == "hall"
    first = filed.transitions.get(action="submitted")
    assert (first.actor, first.actor_role) == (clerk, "window_clerk")


def test_citizens_and_reviewers_cannot_start_acting_for_anyone(
    divisions: dict[str, Division],
) -> None:
    citizen = factories.citizen(divisions["community"])
    reviewer = factories.officer(factories.department(divisions["city"]))

    for person in (citizen, reviewer):
        with pytest.raises(PermissionDenied):
            services.start_consent_form(person, resident_id_number=factories.resident_id())
    browser = Client()
    browser.force_login(citizen)
    assert browser.get(reverse("identity:assist-form")).status_code == 403


# ----- a business's agents ---------------------------------------------------------------------


def _business(divisions: dict[str, Division]) -> Any:
    founder = factories.citizen(divisions["community"], username="founder")
    return services.register_business(
        founder,
        credit_code=generate_credit_code(random.Random(11), division_code="330106"),
        name="杭州云帆控股有限公司",
        division=divisions["district"],
    )


def test_the_legal_representative_authorises_an_agent_per_kind_of_service(
    divisions: dict[str, Division],
) -> None:
    app_factories.departments(divisions)
    versions = app_factories.catalogue()
    business = _business(divisions)
    helper = factories.citizen(divisions["community"], username="helper")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(business.legal_representative)
    page = reverse("identity:business-agents", args=[business.credit_code])

    browser.post(page, {"agent": "helper", "service_types": ["licence"]})
    company = versions[app_factories.COMPANY]  # a registration, not a licence
    with pytest.raises(PermissionDenied):
        app_factories.file(helper, company, app_factories.COMPANY_FORM, business=business)
    browser.post(page, {"agent": "helper", "service_types": ["licence", "registration"]})
    filed = app_factories.file(helper, company, app_factories.COMPANY_FORM, business=business)
    shown = browser.get(page).content.decode()
    active = BusinessAgent.objects.get(business=business, withdrawn_at__isnull=True)
    browser.post(
        reverse("identity:withdraw-business-agent", args=[business.credit_code, active.pk])
    )

    assert filed.business == business
    assert "Administrative registration" in shown
    assert not BusinessAgent.objects.filter(withdrawn_at__isnull=True).exists()
    with pytest.raises(PermissionDenied):
        app_factories.file(helper, company, app_factories.COMPANY_FORM, business=business)


def test_unknown_kinds_and_unknown_agents_are_named_on_their_field(
    divisions: dict[str, Division],
) -> None:
    business = _business(divisions)
    factories.citizen(divisions["community"], username="helper")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(business.legal_representative)
    api = f"/api/v1/businesses/{business.credit_code}/agents"

    nobody = browser.post(
        reverse("identity:business-agents", args=[business.credit_code]), {"agent": "ghost"}
    )
    bad_kind = browser.post(
        api, {"agent": "helper", "service_types": ["tax"]}, content_type="application/json"
    )

    assert 'id="id_agent_error"' in nobody.content.decode()
    assert bad_kind.status_code == 400
    assert bad_kind.json()["errors"][0]["field"] == "service_types"
    assert not BusinessAgent.objects.exists()
    with pytest.raises(DomainError):
        services.authorise_agent(
            business, by=business.legal_representative, agent=business.legal_representative
        )


def test_an_empty_registry_of_service_kinds_refuses_every_kind(
    divisions: dict[str, Division], monkeypatch: pytest.MonkeyPatch
) -> None:
    business = _business(divisions)
    helper = factories.citizen(divisions["community"], username="helper")
    monkeypatch.setattr(services, "_SERVICE_TYPES", {})

    with pytest.raises(DomainError) as refused:
        services.authorise_agent(
            business, by=business.legal_representative, agent=helper, service_types=["licence"]
        )

    assert refused.value.field == "service_types"
    assert not BusinessAgent.objects.exists()


def test_only_the_legal_representative_sees_and_changes_the_agents(
    divisions: dict[str, Division],
) -> None:
    business = _business(divisions)
    helper = factories.citizen(divisions["community"], username="helper")
    authorisation = services.authorise_agent(
        business, by=business.legal_representative, agent=helper
    )
    page = reverse("identity:business-agents", args=[business.credit_code])
    withdraw = reverse(
        "identity:withdraw-business-agent", args=[business.credit_code, authorisation.pk]
    )
    api = f"/api/v1/businesses/{business.credit_code}/agents"
    agent_browser = Client()
    agent_browser.force_login(helper)
    owner = Client()
    owner.force_login(business.legal_representative)

    assert "/account/sign-in/" in Client().get(page)["Location"]
    assert Client().get(api).status_code == 401
    assert agent_browser.get(page).status_code == 404
    assert agent_browser.post(withdraw).status_code == 404
    assert agent_browser.get(api).status_code == 404
    assert owner.get(page).status_code == 200
    assert owner.get(api).json()[0]["agent"] == "helper"
    authorisation.refresh_from_db()
    assert authorisation.is_active
    withdrawn = owner.post(f"{api}/{authorisation.pk}/withdraw")
    assert withdrawn.json()["withdrawn_at"] is not None


def test_what_an_agent_does_for_the_resident_names_the_agent_and_needs_consent(
    agent: Any,  # noqa: F811
    divisions: dict[str, Division],
) -> None:
    from onewindow.applications import services as applications

    app_factories.departments(divisions)
    versions = app_factories.catalogue()
    resident = factories.citizen(divisions["village"])
    consent = services.record_agent_consent(
        agent, resident, method=ConsentMethod.ONE_TIME_CODE, evidence=b"x"
    )
    application = app_factories.file(
        resident,
        versions[app_factories.BIRTH],
        app_factories.BIRTH_FORM,
        filed_by=agent,
    )
    (step,) = application.steps.all()
    holder = app_factories.officer(step.department)
    step = applications.claim_step(holder, step, version=step.version)
    applications.request_supplements(
        holder, step, version=step.version, items=[{"key": "", "reason": "Sign page 2."}]
    )
    application.refresh_from_db()

    applications.provide_supplements(
        resident, application, version=application.version, note="signed", acting=agent
    )
    application.refresh_from_db()
    services.end_assistance(agent, consent)

    resumed = application.transitions.get(action="resumed")
    assert (resumed.actor, resumed.actor_role) == (agent, "station_agent")
    with pytest.raises(PermissionDenied):
        applications.withdraw_application(agent, application, version=application.version)
    application.refresh_from_db()
    assert application.status == "in_progress"
