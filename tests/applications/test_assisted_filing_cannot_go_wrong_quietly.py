"""Assisted filing that cannot go wrong quietly: a withdrawn consent ends the agent's session
for that resident with a clear message; a service this hall may not take is refused before
the form; the guide says where a service can be filed; the clerk's "Filed at this hall"
lists only counter filings; an officer's reloads of a step are one view a day."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.applications.models import Application, Draft
from onewindow.core.models import Division
from onewindow.identity import services as identity_services
from onewindow.identity.account.security import withdraw_agent_consent
from onewindow.identity.models import AccessKind, AgentConsent, DataAccess, User, UserKind
from onewindow.identity.selectors import ACTING_FOR_SESSION_KEY
from tests.applications import factories
from tests.applications.factories import World
from tests.identity.factories import PASSWORD, citizen
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _station_agent(division: Division) -> User:
    agent = User.objects.create_user(
        username="village-agent",
        password=PASSWORD,
        real_name="何建国",
        kind=UserKind.STATION_AGENT,
        division=division,
    )
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    return agent


def _acting(helper: User, consent: AgentConsent) -> Client:
    client = verified_client(helper)
    session = client.session
    session[ACTING_FOR_SESSION_KEY] = consent.pk
    session.save()
    return client


def test_a_withdrawn_consent_ends_the_agents_session_for_that_resident_with_a_message(
    world: World,
) -> None:
    village = world["divisions"]["village"]
    agent = _station_agent(village)
    resident = citizen(village)
    consent = identity_services.record_agent_consent(
        agent, resident, method="signed_form", evidence=b"%PDF-"
    )
    client = _acting(agent, consent)
    assert (
        "You are filing for" in client.get(f"/applications/new/{factories.BIRTH}/").content.decode()
    )

    withdraw_agent_consent(resident, consent.pk)
    # The form was open in the agent's browser: it is sent after the withdrawal.
    sent = client.post(
        f"/applications/new/{factories.BIRTH}/",
        {**factories.BIRTH_FORM, "action": "save", "request_key": uuid.uuid4().hex},
    )

    assert sent.status_code == 302
    assert sent["Location"] == "/account/assist/"
    assert not Draft.objects.filter(applicant=agent).exists()
    assert not Draft.objects.exists()
    told = client.get(sent["Location"]).content.decode()
    assert "consent was withdrawn or has ended" in told
    assert ACTING_FOR_SESSION_KEY not in client.session


def test_a_service_this_hall_may_not_take_is_refused_before_the_form(world: World) -> None:
    rural = citizen(world["divisions"]["village"])  # of the other county
    clerk = factories.officer(world["departments"]["330106-market_supervision"], "window_clerk")
    consent = identity_services.record_agent_consent(
        clerk, rural, method="signed_form", evidence=b"%PDF-"
    )
    client = _acting(clerk, consent)

    form = client.get(f"/applications/new/{factories.BIRTH}/")
    client.post(
        f"/applications/new/{factories.BIRTH}/",
        {**factories.BIRTH_FORM, "action": "save", "request_key": uuid.uuid4().hex},
    )

    assert form.status_code == 302
    assert form["Location"] == f"/services/{factories.BIRTH}/"
    assert "county or district" in client.get(form["Location"]).content.decode()
    assert not Draft.objects.exists()
    # An apply-anywhere service is offered at once.
    assert client.get(f"/applications/new/{factories.SOCIAL_SECURITY_CARD}/").status_code == 200


def test_the_guide_says_where_each_service_can_be_filed(world: World) -> None:
    anyone = Client(HTTP_ACCEPT_LANGUAGE="en")

    local = anyone.get(f"/services/{factories.BIRTH}/").content.decode()
    anywhere = anyone.get(f"/services/{factories.SOCIAL_SECURITY_CARD}/").content.decode()

    assert 'id="where-to-file"' in local
    assert "own county or district" in local[local.index('id="where-to-file"') :][:300]
    assert "any service hall" in anywhere[anywhere.index('id="where-to-file"') :][:300]


def test_filed_at_this_hall_lists_only_what_was_filed_at_the_counter(world: World) -> None:
    clerk = factories.officer(world["departments"]["330106-market_supervision"], "window_clerk")
    neighbour = citizen(world["divisions"]["district"])  # registered where the hall is
    online = factories.file(
        neighbour, world["versions"][factories.SOCIAL_SECURITY_CARD], {"bank": "icbc"}
    )
    walk_in = citizen(world["divisions"]["village"])
    identity_services.record_agent_consent(clerk, walk_in, method="signed_form", evidence=b"%PDF-")
    at_counter = factories.file(
        walk_in,
        world["versions"][factories.SOCIAL_SECURITY_CARD],
        {"bank": "icbc"},
        filed_by=clerk,
    )

    page = verified_client(clerk).get("/applications/work/").content.decode()

    assert at_counter.ref in page
    assert online.ref not in page


def test_reloading_a_step_records_one_view_of_the_materials_a_day(world: World) -> None:
    applicant = citizen(world["divisions"]["community"])
    application = factories.file(
        applicant, world["versions"][factories.BIRTH], factories.BIRTH_FORM
    )
    step = application.steps.get()
    officer = factories.officer(step.department)
    client = verified_client(officer)

    for _reload in range(3):
        assert client.get(f"/applications/work/steps/{step.pk}/").status_code == 200

    views = DataAccess.objects.filter(
        kind=AccessKind.MATERIAL_OPENED, subject_user=applicant, case_ref=application.ref
    )
    assert views.count() == 1
    assert Application.objects.count() == 1
