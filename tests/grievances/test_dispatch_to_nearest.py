"""A dispatcher who accepts the classifier's category is never told "no department of this
kind serves the place": the case goes to the competent department up the division tree, or
to the local government; and the form offers the few departments that fit first."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.models import Division
from onewindow.grievances import services
from onewindow.grievances.models import CaseStatus
from onewindow.identity.models import Department, DepartmentKind
from tests.grievances import factories

pytestmark = pytest.mark.django_db

UNSURE = "你好，我想问一下这个事情应该找谁。"


def _township_office(divisions: dict[str, Division]) -> Department:
    return Department.objects.create(
        code="330106001-township_office",
        name_zh="北山街道办事处",
        name_en="Beishan Subdistrict Office",
        kind=DepartmentKind.TOWNSHIP_OFFICE,
        division=divisions["street"],
    )


def test_a_kind_no_department_serves_goes_to_the_nearest_township_office(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    Department.objects.filter(kind__in=["agriculture", "township_office"]).delete()
    office = _township_office(divisions)
    case = factories.call(divisions["community"], UNSURE, agent=world.agent)
    assert case.status == CaseStatus.DISPATCHING

    routed = services.dispatch_case(world.dispatcher, case, category="agri.subsidy")

    assert routed.department == office
    assert routed.status == CaseStatus.ASSIGNED


def test_without_a_township_office_the_citys_general_office_answers(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    Department.objects.filter(kind__in=["agriculture", "township_office"]).delete()
    case = factories.call(divisions["community"], UNSURE, agent=world.agent)

    routed = services.dispatch_case(world.dispatcher, case, category="agri.farm_inputs")

    assert routed.department == world.departments["330100-general_office"]


def test_a_competent_department_up_the_tree_still_comes_first(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    _township_office(divisions)
    case = factories.call(divisions["community"], UNSURE, agent=world.agent)

    routed = services.dispatch_case(world.dispatcher, case, category="hr.wage_arrears")

    assert routed.department == world.departments["330100-human_resources"]


def _dispatcher_client(world: Any) -> Client:
    client = Client()
    client.force_login(world.dispatcher)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=world.dispatcher).persistent_id
    session.save()
    return client


def test_the_dispatch_form_offers_the_competent_departments_first(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    office = _township_office(divisions)
    case = factories.call(divisions["community"], UNSURE, agent=world.agent)
    case.proposed_category = "agri.subsidy"
    case.save(update_fields=["proposed_category"])
    client = _dispatcher_client(world)

    page = client.get(f"/hotline/dispatch/{case.ref}/")

    field = page.context["form"]["department"].field
    blank, (group, suggested), (_rest, everything) = field.choices
    assert blank[0] == ""  # "the competent department", as before
    assert [code for code, _name in suggested] == ["330100-agriculture", office.code]
    assert len(everything) == Department.objects.count() - 2
    assert group in page.content.decode()

    answer = client.post(
        f"/hotline/dispatch/{case.ref}/", {"category": "agri.subsidy", "department": office.code}
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.department == office
