"""Rectification that reaches the department: a bad review's task is announced to the
department's administrators and reviewers, sits in their work queue with its deadline,
escalates when overdue; every review counts in the scoreboard's satisfaction; the hotline
page shows an officer only the links they may open; the scoreboard names its columns on a
phone."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.grievances import reviews, selectors
from onewindow.grievances.models import RectificationTask
from onewindow.grievances.tasks import tick
from onewindow.identity.models import Department, Role
from onewindow.notify.models import Message
from tests.grievances import factories
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(divisions: dict[str, Division]) -> dict[str, Any]:
    world = factories.world(divisions)
    department: Department = world.district_city
    return {
        "world": world,
        "department": department,
        "reviewer": factories.officer(department, Role.REVIEWER, username="reviewer"),
        "applicant": citizen(divisions["community"]),
    }


def _review(scene: dict[str, Any], level: int, ref: str = "330106-20261101-000001") -> Any:
    invitation = reviews.invite_review(
        scene["applicant"],
        subject_ref=ref,
        department=scene["department"],
        service_name="户外广告设置许可",
    )
    return reviews.submit_review(scene["applicant"], invitation, level=level, tags=["slow"])


def test_a_bad_review_tells_the_departments_reviewers_as_well_as_its_administrators(
    scene: dict[str, Any],
) -> None:
    _review(scene, 1)

    assert Message.objects.filter(recipient=scene["reviewer"], event="rectification_opened")
    assert Message.objects.filter(
        recipient=scene["world"].district_admin, event="rectification_opened"
    )


def test_the_task_is_in_the_departments_work_queue_with_its_deadline(
    scene: dict[str, Any],
) -> None:
    review = _review(scene, 1)
    task = review.rectification

    page = verified_client(scene["reviewer"]).get("/hotline/work/").content.decode()

    assert 'id="rectification-tasks"' in page
    section = page[page.index('id="rectification-tasks"') :]
    assert "/hotline/rectifications/" in section
    assert f"{timezone.localtime(task.due_at):%Y-%m-%d}" in section
    assert "330106-20261101-000001" in section
    workbench = verified_client(scene["reviewer"]).get("/applications/work/").content.decode()
    assert 'href="/hotline/rectifications/"' in workbench


def test_an_overdue_task_escalates_once_to_the_supervising_department(
    scene: dict[str, Any],
) -> None:
    review = _review(scene, 2)
    task: RectificationTask = review.rectification
    city = scene["world"].departments["330100-city_management"]
    city_admin = scene["world"].city_admin
    RectificationTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(days=1))

    first = tick.call()
    second = tick.call()

    task.refresh_from_db()
    assert task.escalated_to == city
    assert task.escalated_at is not None
    assert first["rectifications_escalated"] == 1
    assert second["rectifications_escalated"] == 0
    assert Message.objects.filter(recipient=city_admin, event="rectification_opened").count() == 1
    page = verified_client(city_admin).get("/hotline/rectifications/").content.decode()
    assert "330106-20261101-000001" in page


def test_every_review_counts_in_the_scoreboards_satisfaction(scene: dict[str, Any]) -> None:
    _review(scene, 1, "330106-20261101-000001")
    _review(scene, 5, "330106-20261101-000002")

    rows = {row.department.pk: row for row in selectors.scoreboard()}

    row = rows[scene["department"].pk]
    assert row.satisfaction == 3.0
    assert row.ratings == 2


def test_the_hotline_page_offers_an_officer_only_what_they_may_open(
    scene: dict[str, Any],
) -> None:
    client = verified_client(scene["reviewer"])
    page = client.get("/hotline/").content.decode()
    officer_part = page[page.index("<main") :]

    links = set(re.findall(r'href="(/hotline/[a-z-]+/)"', officer_part))
    assert "/hotline/console/" not in links
    assert "/hotline/dispatch/" not in links
    assert "/hotline/partners/" not in links
    assert "/hotline/work/" in links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_scoreboard_names_every_column_on_a_phone(scene: dict[str, Any]) -> None:
    _review(scene, 1)
    page = verified_client(scene["reviewer"]).get("/hotline/scoreboard/").content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    cells = re.findall(r"<t[dh][^>]*>", body)
    assert cells
    assert all("data-label=" in cell for cell in cells)
