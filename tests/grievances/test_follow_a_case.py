"""A caller is told the case number once on the phone: a text message confirms it, and a
public page shows the case to whoever has its number and the caller's phone number."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.core.models import Division
from onewindow.grievances import services
from onewindow.identity import sms
from tests.grievances import factories

pytestmark = pytest.mark.django_db

PHONE = "13900001111"


@pytest.fixture
def outbox() -> Any:
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def test_a_caller_gets_the_case_number_by_text_message(
    divisions: dict[str, Division], outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world = factories.world(divisions)

    with django_capture_on_commit_callbacks(execute=True):
        case = factories.call(divisions["community"], agent=world.agent, phone=PHONE)

    [(number, text)] = [(number, text) for number, text in outbox if case.ref in text]
    assert number == PHONE
    assert "/hotline/track/" in text
    assert "12345" in text
    assert "诉求编号" in text  # in Chinese, as the hotline speaks to callers


def test_the_caller_follows_the_case_by_number_and_phone_number(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent, phone=PHONE)
    services.acknowledge_case(world.district_officer, case)
    services.answer_case(world.district_officer, case, reply="路灯已于今日修复。")
    visitor = Client()

    page = visitor.post("/hotline/track/", {"ref": case.ref.lower(), "phone": f"+86 {PHONE}"})

    assert page.status_code == 200
    assert page.context["case"] == case
    content = page.content.decode()
    assert "路灯已于今日修复。" in content
    assert world.district_city.name_en in content
    assert PHONE not in content


@pytest.mark.parametrize("wrong", ["ref", "phone"])
def test_a_wrong_number_or_phone_shows_nothing(divisions: dict[str, Division], wrong: str) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent, phone=PHONE)
    other = factories.call(divisions["community"], factories.WAGES, phone="13700002222")
    asked = {"ref": case.ref, "phone": PHONE}
    asked[wrong] = other.ref if wrong == "ref" else "13700002222"

    page = Client().post("/hotline/track/", asked)

    assert page.status_code == 200
    assert page.context["case"] is None
    assert page.context["form"].errors
    assert case.text not in page.content.decode()
