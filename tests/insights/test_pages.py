"""The insights pages as people use them: the public dashboard and definitions, an analyst's
pages, a village agent's visits, a published report; who may see what."""

from __future__ import annotations

import random

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.core.models import Division
from onewindow.identity.models import DataAccess, User
from onewindow.insights import services
from onewindow.insights.models import SampleMember, Study
from tests.identity.test_assisted_filing import verified_client
from tests.insights import factories, history


@pytest.fixture
def analyst(divisions: dict[str, Division]) -> User:
    return factories.analyst(divisions["city"])


def test_the_public_dashboard_and_a_definition_show_the_gap(divisions: dict[str, Division]) -> None:
    history.plant(divisions, months=history.MONTHS, per_cell=10)
    visitor = Client()

    page = visitor.get(reverse("insights:dashboard"))
    definition = visitor.get(reverse("insights:indicator", args=["online-share"]))
    by_county = visitor.get(reverse("insights:dashboard") + "?division=330127")

    assert page.status_code == 200
    assert "Filed online" in page.content.decode()
    assert 'data-testid="divide-index"' in page.content.decode()
    assert definition.status_code == 200
    assert "Applications filed online or through a partner app" in definition.content.decode()
    assert by_county.status_code == 200
    assert visitor.get(reverse("insights:indicator", args=["agent-share"])).status_code == 404
    assert visitor.get(reverse("insights:dashboard") + "?division=999999").status_code == 404


def test_analyst_designs_agent_answers_analyst_publishes(
    divisions: dict[str, Division], analyst: User
) -> None:
    history.residents(divisions["village"], 8, random.Random(3), "rural")
    questionnaire = factories.standard_questionnaire(analyst)
    agent = factories.station_agent(divisions["village"])
    office = verified_client(analyst)

    designed = office.post(
        reverse("insights:design"),
        {
            "title_zh": "调查",
            "title_en": "Survey",
            "questionnaire": questionnaire.pk,
            "counties": [divisions["county"].pk],
            "sample_size": 3,
            "seed": 42,
        },
    )
    study = Study.objects.get()
    assert designed.status_code == 302
    field = verified_client(agent)
    listing = field.get(reverse("insights:visits"))
    assert listing.status_code == 200
    member = SampleMember.objects.filter(study=study).first()
    assert member is not None
    assert DataAccess.objects.filter(subject_user=member.resident, case_ref=study.ref).exists()
    refused = field.post(reverse("insights:visit", args=[member.pk]), {"used_online": "yes"})
    assert refused.status_code == 200
    assert "Please answer" in refused.content.decode()
    answered = field.post(
        reverse("insights:visit", args=[member.pk]),
        {"used_online": "no", "satisfaction": "4", "visits": "2"},
    )
    assert answered.status_code == 302
    published = office.post(reverse("insights:publish", args=[study.ref]))
    assert published.status_code == 302
    report = Client().get(reverse("insights:report", args=[study.ref]))
    assert report.status_code == 200
    assert "stratified random sample of 3 residents" in report.content.decode()
    data = Client().get(reverse("insights:report-data", args=[study.ref]))
    assert data.status_code == 200
    assert data.content.startswith(b"indicator,month")


def test_analyst_pages_refuse_others_and_divisions_outside_their_scope(
    divisions: dict[str, Division],
) -> None:
    county_analyst = factories.analyst(divisions["district"], username="district-analyst")
    office = verified_client(county_analyst)
    citizen = Client()
    citizen.force_login(history.residents(divisions["community"], 1, random.Random(1), "u")[0])

    assert office.get(reverse("insights:work")).status_code == 200
    exported = office.get(reverse("insights:work-export"))
    assert exported.status_code == 200
    assert exported.content.decode().splitlines()[1].startswith("online-share,330106,")
    assert office.get(reverse("insights:work-export") + "?division=330127").status_code == 403
    assert office.get(reverse("insights:work") + "?division=330127").status_code == 403
    assert citizen.get(reverse("insights:work")).status_code in (302, 403)
    assert Client().get(reverse("insights:visits")).status_code == 302
    services.analyst_scope(county_analyst)
