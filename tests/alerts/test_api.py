"""/api/v1/alerts: anyone reads what is in force; officers of the issuing department compose,
approve and read figures; every refusal is problem+json naming the field, nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.alerts.models import Alert, Status
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, User
from onewindow.notify.models import Message
from tests.alerts import factories
from tests.identity.factories import citizen, officer
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db
API = "/api/v1"


def typhoon_body(**changes: Any) -> dict[str, Any]:
    now = timezone.now()
    body: dict[str, Any] = {
        "department": "330100-EMERG",
        "category": "Met",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "onset": now.isoformat(),
        "expires": (now + timedelta(hours=12)).isoformat(),
        "infos": [
            {
                "language": "zh-hans",
                "event": "台风",
                "headline": "台风橙色预警",
                "description": "今晚登陆。",
                "instruction": "请留在室内。",
                "area_description": "淳安县",
            }
        ],
        "areas": [{"kind": "polygon", "points": [list(p) for p in factories.AROUND_VILLAGE]}],
    }
    body.update(changes)
    return body


@pytest.fixture
def scene(divisions: dict[str, Division]) -> dict[str, Any]:
    bureau = factories.bureau(divisions)
    health = Department.objects.create(
        code="330100-HEALTH",
        name_zh="杭州市卫生健康委员会",
        name_en="Hangzhou Health Commission",
        kind=DepartmentKind.HEALTH,
        division=divisions["city"],
    )
    return {
        "author": factories.author(bureau),
        "approver": factories.approver(bureau),
        "stranger": officer(health, roles=("approver",), username="health-approver"),
        "resident": citizen(divisions["village"]),
    }


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def test_compose_then_approve_publishes_and_delivers(
    scene: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    composed = _post(verified_client(scene["author"]), "/alerts", typhoon_body())
    assert composed.status_code == 201, composed.content
    ref = composed.json()["ref"]
    assert composed.json()["status"] == Status.PENDING
    assert Client().get(f"{API}/alerts/{ref}").status_code == 404  # not public yet

    with django_capture_on_commit_callbacks(execute=True):
        approved = _post(verified_client(scene["approver"]), f"/alerts/{ref}/approve")

    assert approved.status_code == 200
    assert approved.json()["cap_xml"] == f"/alerts/{ref}.xml"
    public = Client().get(f"{API}/alerts").json()
    assert [alert["ref"] for alert in public] == [ref]
    assert Message.objects.filter(recipient=scene["resident"]).count() == 1
    figures = verified_client(scene["author"]).get(f"{API}/alerts/{ref}/deliveries").json()
    assert figures[0]["division"] is None
    assert figures[0]["residents"] == 1


def test_a_bad_draft_is_a_problem_naming_each_field(scene: dict[str, Any]) -> None:
    now = timezone.now()
    open_ring = [list(p) for p in factories.AROUND_VILLAGE[:-1]]
    answer = _post(
        verified_client(scene["author"]),
        "/alerts",
        typhoon_body(
            expires=(now - timedelta(hours=1)).isoformat(),
            areas=[{"kind": "polygon", "points": open_ring}],
        ),
    )
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in answer.json()["errors"]}
    assert fields == {"expires", "areas.0.points"}
    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("resident", 403), ("stranger", 404), ("author", 403), ("approver", 200)],
)
def test_who_may_approve(
    scene: dict[str, Any],
    who: str,
    expected: int,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ref = _post(verified_client(scene["author"]), "/alerts", typhoon_body()).json()["ref"]
    user: User | None = scene.get(who)
    if user is None:
        client = Client()
    elif user.is_officer:
        client = verified_client(user)
    else:
        client = Client()
        client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(client, f"/alerts/{ref}/approve")
    assert answer.status_code == expected, answer.content
    published = Alert.objects.get(ref=ref).status == Status.PUBLISHED
    assert published == (expected == 200)


def test_figures_are_for_the_issuing_department_only(
    scene: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ref = _post(verified_client(scene["author"]), "/alerts", typhoon_body()).json()["ref"]
    with django_capture_on_commit_callbacks(execute=True):
        _post(verified_client(scene["approver"]), f"/alerts/{ref}/approve")
    stranger = verified_client(scene["stranger"]).get(f"{API}/alerts/{ref}/deliveries")
    assert stranger.status_code == 403
    assert Client().get(f"{API}/alerts/{ref}/deliveries").status_code == 401


def test_alerts_in_force_by_division(
    scene: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    body = typhoon_body(areas=[{"kind": "division", "division": "330127"}])
    ref = _post(verified_client(scene["author"]), "/alerts", body).json()["ref"]
    with django_capture_on_commit_callbacks(execute=True):
        _post(verified_client(scene["approver"]), f"/alerts/{ref}/approve")
    inside = Client().get(f"{API}/alerts", {"division": "330127201202"}).json()
    outside = Client().get(f"{API}/alerts", {"division": "330106"}).json()
    assert [alert["ref"] for alert in inside] == [ref]
    assert outside == []
    unknown = Client().get(f"{API}/alerts", {"division": "999999"})
    assert unknown.status_code == 400
