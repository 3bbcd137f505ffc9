"""Messages name departments in the reader's language, whatever language the sender's request
(or the worker) ran in: no "Xihu Urban Management Bureau" inside a Chinese sentence."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import translation

from onewindow.core.calendar import SHANGHAI
from onewindow.core.models import Division
from onewindow.grievances import services
from onewindow.identity import services as identity_services
from onewindow.notify.models import Message
from tests.grievances import factories
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)


def test_a_chinese_reader_hears_the_answer_from_the_department_by_its_chinese_name(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    resident = citizen(divisions["community"])
    identity_services.set_preferences(resident, language="zh-hans")
    case = factories.online(resident, divisions["community"])

    with translation.override("en"):  # the officer works in English
        services.acknowledge_case(world.district_officer, case)
        services.reply_progress(world.district_officer, case, note="已派人查看。")
        services.answer_case(world.district_officer, case, reply="路灯已修复。")

    bodies = [m.body for m in Message.objects.filter(recipient=resident, subject_ref=case.ref)]
    assert sum(world.district_city.name_zh in body for body in bodies) == 2
    assert not any(world.district_city.name_en in body for body in bodies)


def test_an_escalation_names_the_department_in_the_admins_language(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    identity_services.set_preferences(world.city_admin, language="zh-hans")
    factories.call(divisions["community"], agent=world.agent, now=MONDAY)

    with translation.override("en"):  # the worker's default
        assert services.escalate_overdue(MONDAY + timedelta(days=2)) == 1

    message = Message.objects.get(recipient=world.city_admin, event="case_escalated")
    assert world.district_city.name_zh in message.body
    assert world.district_city.name_en not in message.body
