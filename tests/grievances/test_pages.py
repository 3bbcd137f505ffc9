"""The hotline's pages through the test client: who may open what, the web form, the
429 page, the dispatcher's and the department's forms."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from onewindow.grievances import services
from onewindow.grievances.models import Case, CaseStatus, MergeProposal
from onewindow.identity.models import AccessKind, DataAccess, Role
from tests.grievances import factories
from tests.identity.factories import citizen, resident_id
from tests.identity.test_assisted_filing import verified_client

FORM = {
    "kind": "complaint",
    "text": "北山街道第1社区门口的垃圾桶三天没人清运了，臭味很大。",
    "division": "330106001001",
    "urgency": "ordinary",
    "contact_preference": "sms",
    "phone": "13900001111",
    "name": "刘先生",
}


def test_anyone_may_report_on_the_web_form_and_floods_get_a_429_page(
    divisions: dict[str, Any], settings: Any
) -> None:
    settings.ONEWINDOW_RATE_LIMITS = {
        **settings.ONEWINDOW_RATE_LIMITS,
        "hotline.address": "2 per hour",
    }
    factories.world(divisions)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    for _ in range(2):
        assert client.post("/hotline/new/", FORM).status_code == 302
    flooded = client.post("/hotline/new/", FORM)

    assert flooded.status_code == 429
    assert b"Too many reports from your network" in flooded.content
    assert Case.objects.count() == 2


def test_the_form_names_the_field_that_is_wrong(divisions: dict[str, Any]) -> None:
    factories.world(divisions)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post("/hotline/new/", {**FORM, "text": ""})
    assert page.status_code == 200
    assert b"Describe what happened in at least 5 characters" in page.content
    assert not Case.objects.exists()


def test_a_signed_in_reporter_follows_the_case_and_nobody_else_sees_it(
    divisions: dict[str, Any],
) -> None:
    factories.world(divisions)
    reporter = citizen(
        divisions["community"], username="reporter", id_number=resident_id(date(1971, 3, 9))
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reporter)
    response = client.post("/hotline/new/", {**FORM, "contact_preference": "inbox"})
    case = Case.objects.get()
    assert response["Location"] == f"/hotline/cases/{case.ref}/"
    assert case.ref.encode() in client.get("/hotline/mine/").content
    stranger = Client()
    stranger.force_login(
        citizen(
            divisions["community"], username="stranger", id_number=resident_id(date(1992, 8, 21))
        )
    )
    assert stranger.get(f"/hotline/cases/{case.ref}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "role_user", "wrong_user"),
    [
        ("/hotline/console/", "agent", "district_officer"),
        ("/hotline/dispatch/", "dispatcher", "agent"),
        ("/hotline/trends/", "dispatcher", "district_officer"),
        ("/hotline/partners/", "admin", "dispatcher"),
    ],
)
def test_officer_pages_need_their_role(
    divisions: dict[str, Any], path: str, role_user: str, wrong_user: str
) -> None:
    world = factories.world(divisions)
    people = {
        "agent": world.agent,
        "dispatcher": world.dispatcher,
        "district_officer": world.district_officer,
        "admin": factories.officer(world.departments["330100-data_bureau"], Role.PLATFORM_ADMIN),
    }
    assert Client().get(path).status_code == 302
    assert verified_client(people[wrong_user]).get(path).status_code == 403
    assert verified_client(people[role_user]).get(path).status_code == 200


def test_the_dispatcher_routes_merges_and_the_department_answers_from_pages(
    divisions: dict[str, Any],
) -> None:
    world = factories.world(divisions)
    first = factories.call(divisions["community"])
    second = factories.call(
        divisions["community"], factories.STREET_LIGHT_AGAIN, phone="13900002222"
    )
    unsure = factories.call(
        divisions["community"], "你好，我想问一下这个事情应该找谁。", phone="13900003333"
    )
    dispatcher = verified_client(world.dispatcher)

    assert dispatcher.get("/hotline/dispatch/").status_code == 200
    routed = dispatcher.post(f"/hotline/dispatch/{unsure.ref}/", {"category": "city.refuse"})
    assert routed.status_code == 302
    proposal = MergeProposal.objects.get(case=second)
    dispatcher.post(f"/hotline/dispatch/merges/{proposal.pk}/", {"confirm": "1"})
    second.refresh_from_db()
    assert second.status == CaseStatus.MERGED

    officer = verified_client(world.district_officer)
    page = officer.get(f"/hotline/work/{first.ref}/")
    assert page.status_code == 200
    assert b"2 people" in page.content or b"2 " in page.content
    officer.post(f"/hotline/work/{first.ref}/", {"action": "acknowledge"})
    contacts = officer.post(
        f"/hotline/work/{first.ref}/", {"action": "contacts", "purpose": "回访"}
    )
    assert b"139****1111" in contacts.content or b"13900001111" in contacts.content
    officer.post(f"/hotline/work/{first.ref}/", {"action": "answer", "reply": "路灯已修复。"})
    first.refresh_from_db()
    assert first.status == CaseStatus.ANSWERED
    assert DataAccess.objects.filter(kind=AccessKind.CONTACT_READ, case_ref=first.ref).exists()
    wall = Client().get("/hotline/wall/", {"q": "路灯"})
    assert "路灯已修复".encode() in wall.content
    assert services.has_role(world.dispatcher, Role.DISPATCHER)


def test_the_what_happened_box_is_several_lines_tall_and_its_hint_in_the_readers_language(
    divisions: dict[str, Any],
) -> None:
    factories.world(divisions)

    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/hotline/new/").content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/hotline/new/").content.decode()

    assert 'class="usa-textarea"' in chinese
    assert 'class="usa-input" cols' not in chinese
    assert "请说明地点、时间和事情经过，不超过" in chinese
    assert "Where, when and what;" in english
