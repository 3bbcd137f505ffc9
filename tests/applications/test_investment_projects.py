"""An enterprise investment project as the seeds describe it (330000-DRC-TZ-001): the project
code given at acceptance and shown wherever the project appears, each department's opinion
readable by the applicant, the approval reply issued as a signed document in the wallet, the
company chosen first on the form, and the public project page with its stages."""

from __future__ import annotations

import json
import random
import re

import pytest
from django.test import Client
from django.utils import timezone, translation
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.applications import services
from onewindow.applications.models import Application, ApplicationStatus, Step
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.credentials import selectors as credential_selectors
from onewindow.credentials import services as credential_services
from onewindow.credentials.models import Credential
from onewindow.identity import services as identity_services
from onewindow.identity.models import Business, User
from tests.applications import factories
from tests.applications.factories import World
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db

FORM = {
    "project_name": "西湖智能制造产业园",
    "total_investment_wan": 52000,
    "site_address": "杭州市西湖区三墩镇",
    "construction_content": "新建厂房 12 万平方米",
    "industry": "manufacturing",
}
OPINIONS = {
    "land": "符合国土空间规划，同意用地预审。",
    "planning": "选址符合控制性详细规划。",
    "environment": "环评结论可行，落实各项污染防治措施。",
    "safety": "安全预评价通过。",
    "traffic": "交通组织方案可行。",
    "fire": "消防设计符合规范。",
    "city_management": "同意市政接入方案。",
    "health": "卫生学评价合格。",
}


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _company(founder: User, division: Division) -> Business:
    return identity_services.register_business(
        founder,
        credit_code=generate_credit_code(random.Random(11), division_code=division.code),
        name="杭州西湖智造有限公司",
        division=division,
    )


def _decide(step: Step, note: str = "") -> None:
    holder = factories.officer(step.department, step.role)
    step = services.claim_step(holder, step, version=step.version)
    services.approve_step(holder, step, version=step.version, note=note)


def _filed(world: World) -> tuple[User, Business, Application]:
    founder = citizen(world["divisions"]["community"])
    company = _company(founder, world["divisions"]["district"])
    version = world["versions"][factories.INVESTMENT]
    return founder, company, factories.file(founder, version, FORM, business=company)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_acceptance_gives_the_project_its_code_shown_to_applicant_officers_and_api(
    world: World,
) -> None:
    founder, _, application = _filed(world)
    assert application.project_code == ""
    (acceptance,) = application.steps.all()

    _decide(acceptance, "材料齐全，予以受理。")

    application.refresh_from_db()
    year = timezone.localdate().year
    assert re.fullmatch(rf"{year}-330106-13-02-000001", application.project_code)
    client = _signed_in(founder)
    page = client.get(f"/applications/{application.ref}/").content.decode()
    assert application.project_code in page
    assert application.project_code in client.get("/applications/").content.decode()
    answer = json.loads(client.get(f"/api/v1/applications/{application.ref}").content)
    assert answer["project_code"] == application.project_code
    land = application.steps.get(key="land")
    officer = factories.officer(land.department)
    queue = verified_client(officer).get(
        "/applications/work/", {"q": application.project_code[-9:]}
    )
    assert application.ref in queue.content.decode()
    assert application.project_code in queue.content.decode()


def test_a_second_project_in_the_same_year_and_county_takes_the_next_number(
    world: World,
) -> None:
    founder, company, first = _filed(world)
    second = factories.file(
        founder, world["versions"][factories.INVESTMENT], {**FORM, "industry": "energy"},
        business=company,
    )  # fmt: skip
    _decide(first.steps.get())
    _decide(second.steps.get())
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.project_code.endswith("-13-02-000001")
    assert second.project_code.endswith("-44-02-000002")


def test_applicant_reads_each_department_opinion_in_chinese_and_in_english(world: World) -> None:
    founder, _, application = _filed(world)
    _decide(application.steps.get(key="acceptance"), "予以受理。")
    opinions = {step.key: step for step in application.steps.exclude(key="acceptance")}
    for key, step in opinions.items():
        _decide(step, OPINIONS[key])
    client = _signed_in(founder)

    for language, name_field, approved in (
        ("zh-hans", "name_zh", "同意"),
        ("en", "name_en", "Approved"),
    ):
        client.cookies["django_language"] = language
        page = client.get(f"/applications/{application.ref}/", HTTP_ACCEPT_LANGUAGE=language)
        html = page.content.decode()
        assert 'id="opinions"' in html
        section = html[html.index('id="opinions"') :]
        for key, step in opinions.items():
            row_start = section.index(f'data-testid="opinion-{key}"')
            row = section[row_start : section.index("</tr>", row_start)]
            assert getattr(step.department, name_field) in row
            assert OPINIONS[key] in row
            assert f"{timezone.localdate():%Y-%m-%d}" in row
            assert approved in row or (language == "zh-hans" and "通过" in row)


def test_the_approval_issues_the_project_approval_reply_to_the_wallet(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    founder, company, application = _filed(world)
    with django_capture_on_commit_callbacks(execute=True):
        for _round in range(3):
            for step in application.steps.filter(status="open"):
                _decide(step, "同意")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED

    reply = Credential.objects.get(case_ref=application.ref)
    assert reply.kind == "project_approval"
    assert reply.business == company
    assert reply in credential_selectors.wallet(founder)
    checked = credential_selectors.check(credential_services.qr_url(reply))
    assert checked.verdict.reason == "valid"
    assert checked.verdict.subject["projectCode"] == application.project_code
    client = _signed_in(founder)
    wallet = client.get("/credentials/wallet/").content.decode()
    assert "Investment project approval" in wallet or "投资项目核准" in wallet
    pdf = client.get(f"/credentials/wallet/{reply.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content[:5] == b"%PDF-"


def test_a_business_only_service_asks_for_the_first_and_offers_no_myself(
    world: World,
) -> None:
    founder = citizen(world["divisions"]["community"])
    company = _company(founder, world["divisions"]["district"])
    with translation.override("en"):
        html = (
            _signed_in(founder)
            .get(f"/applications/new/{factories.INVESTMENT}/", HTTP_ACCEPT_LANGUAGE="en")
            .content.decode()
        )
    select = html[
        html.index('name="business"') : html.index("</select>", html.index('name="business"'))
    ]
    assert "Myself" not in select
    # The company is the first choice, so the one a browser selects.
    assert re.findall(r'<option value="([^"]*)"', select)[0] == str(company.pk)
    # Before the form's own fields, not under "Delivery".
    assert html.index('name="business"') < html.index('name="project_name"')
    delivery_legend = html.index(">Delivery<")
    assert not html.index('name="business"') > delivery_legend


def test_anyone_finds_a_project_by_its_code_and_sees_its_stages(world: World) -> None:
    _founder, _, application = _filed(world)
    _decide(application.steps.get(key="acceptance"))
    _decide(application.steps.get(key="land"), OPINIONS["land"])
    application.refresh_from_db()
    anyone = Client()

    found = anyone.get("/applications/projects/", {"code": application.project_code})
    assert found.status_code == 302
    page = anyone.get(found["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert application.project_code in html
    assert "西湖智能制造产业园" in html
    assert "杭州西湖智造有限公司" in html
    stages = html[html.index('id="project-stages"') :]
    for name in ("Acceptance and project code", "Land use pre-review", "Approval decision"):
        assert name in stages
    assert application.applicant.real_name not in html  # no person's data
    listing = anyone.get("/applications/projects/", {"code": application.project_code[:9]})
    assert application.project_code in listing.content.decode()
    assert anyone.get("/applications/projects/2026-000000-13-02-999999/").status_code == 404
