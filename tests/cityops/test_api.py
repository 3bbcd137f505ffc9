"""The JSON API at /api/v1/city as clients use it: who may do what on an event (anonymous,
a citizen, an officer without the part or role, the one with it), nothing changed by a
refusal, and a gateway posting readings with its key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.cityops import services
from onewindow.cityops.models import Event, EventState, RejectedMessage
from onewindow.core.models import Division
from onewindow.identity.models import User
from tests.cityops import factories
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client

API = "/api/v1"


@pytest.fixture
def scene(divisions: dict[str, Division]) -> dict[str, Any]:
    made = factories.city(divisions, sensors=1)
    water = next(s for s in made.sensors if s.kind == "water_level")
    event = services.record_event(
        services.EventDraft(
            source="sensor",
            source_ref=water.ref,
            category="sensor.water_level",
            department_kind="emergency",
            title="Water above the warning level",
            division=water.division,
            latitude=water.latitude,
            longitude=water.longitude,
            value=3.3,
            unit="m",
            occurred_at=timezone.now(),
        )
    )
    return {
        "made": made,
        "event": event,
        "operator": made.operator,
        "department": made.officers["emergency"],
        "other": made.officers["ecology"],
        "citizen": citizen(divisions["community"]),
    }


def _client(user: User | None) -> Client:
    if user is None:
        return Client()
    if user.is_officer:
        return verified_client(user)
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(f"{API}{path}", body or {}, content_type="application/json", headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("citizen", 403), ("other", 404), ("department", 403), ("operator", 200)],
)
def test_who_may_escalate(scene: dict[str, Any], who: str | None, expected: int) -> None:
    ref = scene["event"].ref
    answer = _post(
        _client(scene.get(who or "")), f"/city/events/{ref}/escalate", {"reason": "无人响应"}
    )
    assert answer.status_code == expected, answer.content
    if expected != 200:
        assert answer["Content-Type"].startswith("application/problem+json")
    assert (Event.objects.get(ref=ref).state == EventState.ESCALATED) == (expected == 200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("citizen", 403), ("other", 404), ("operator", 403), ("department", 200)],
)
def test_who_may_accept(scene: dict[str, Any], who: str | None, expected: int) -> None:
    ref = scene["event"].ref
    answer = _post(_client(scene.get(who or "")), f"/city/events/{ref}/accept")
    assert answer.status_code == expected, answer.content
    assert (Event.objects.get(ref=ref).state == EventState.ACCEPTED) == (expected == 200)


@pytest.mark.django_db
def test_a_department_works_an_event_to_its_close_over_the_api(scene: dict[str, Any]) -> None:
    ref = scene["event"].ref
    officer = _client(scene["department"])
    assert _post(officer, f"/city/events/{ref}/accept").json()["state"] == "accepted"
    assert (
        _post(officer, f"/city/events/{ref}/progress", {"note": "抽排中"}).json()["state"]
        == "in_progress"
    )
    refused = _post(officer, f"/city/events/{ref}/close", {"evidence": "  "})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "evidence"
    closed = _post(officer, f"/city/events/{ref}/close", {"evidence": "积水已排除"}).json()
    assert closed["state"] == "closed"
    assert [step["action"] for step in closed["steps"]] == [
        "reported",
        "dispatched",
        "accepted",
        "progress",
        "part_done",
        "closed",
    ]
    again = _post(officer, f"/city/events/{ref}/accept")
    assert again.status_code == 409


@pytest.mark.django_db
def test_an_operator_dispatches_jointly_and_lists_by_state(scene: dict[str, Any]) -> None:
    ref = scene["event"].ref
    operator = _client(scene["operator"])
    escalated = _post(operator, f"/city/events/{ref}/escalate", {"reason": "水位持续上涨"})
    assert escalated.json()["state"] == "escalated"
    unknown = _post(operator, f"/city/events/{ref}/dispatch", {"departments": ["nope"]})
    assert unknown.status_code == 400
    assert unknown.json()["type"].endswith("/unknown_department")
    made = scene["made"]
    body = {"departments": [made.departments["emergency"].code, made.departments["transport"].code]}
    dispatched = _post(operator, f"/city/events/{ref}/dispatch", body).json()
    assert [(a["department"], a["is_lead"]) for a in dispatched["assignments"]] == [
        (made.departments["emergency"].code, True),
        (made.departments["transport"].code, False),
    ]
    listed = operator.get(f"{API}/city/events", {"state": "dispatched"}).json()
    assert [event["ref"] for event in listed] == [ref]
    assert operator.get(f"{API}/city/events", {"state": "bogus"}).status_code == 400
    # the partner department now sees it; another does not
    assert _client(made.officers["transport"]).get(f"{API}/city/events/{ref}").status_code == 200
    assert _client(made.officers["ecology"]).get(f"{API}/city/events/{ref}").status_code == 404
    board = operator.get(f"{API}/city/dashboard").json()
    assert {row["key"]: row["count"] for row in board["by_state"]}["dispatched"] == 1


@pytest.mark.django_db
def test_a_gateway_posts_readings_with_its_key(scene: dict[str, Any]) -> None:
    made = scene["made"]
    _ingest_key, key = services.issue_ingest_key(made.operator, name="西湖网关")
    traffic = next(s for s in made.sensors if s.kind == "traffic_counter")
    when = (timezone.now() - timedelta(minutes=1)).isoformat()
    body = {
        "readings": [
            {"sensor": traffic.ref, "value": 95, "unit": "veh/min", "measured_at": when},
            {"sensor": traffic.ref, "value": 95, "unit": "km/h", "measured_at": when},
            {"sensor": "ghost", "value": 1, "unit": "m", "measured_at": when},
            {"value": 1},
        ]
    }
    client = Client()
    assert _post(client, "/city/readings", body).status_code == 401
    assert _post(client, "/city/readings", body, **{"X-Ingest-Key": key + "x"}).status_code == 401
    answer = _post(client, "/city/readings", body, **{"X-Ingest-Key": key})
    assert answer.status_code == 202, answer.content
    result = answer.json()
    assert result["accepted"] == 1
    assert len(result["events"]) == 1
    assert [(r["index"], r["reason"]) for r in result["refused"]] == [
        (1, "bad_unit"),
        (2, "unknown_sensor"),
        (3, "malformed"),
    ]
    assert RejectedMessage.objects.filter(channel="http").count() == 3
    logged = _client(made.operator).get(f"{API}/city/rejected").json()
    assert {row["reason"] for row in logged} == {"bad_unit", "unknown_sensor", "malformed"}
    assert _client(made.officers["ecology"]).get(f"{API}/city/rejected").status_code == 403


@pytest.mark.django_db
def test_registering_a_sensor_names_the_bad_field(scene: dict[str, Any]) -> None:
    operator = _client(scene["operator"])
    body = {
        "ref": "air-99",
        "kind": "noise",
        "division": "330106001001",
        "place": "x",
        "latitude": 30.2,
        "longitude": 120.1,
    }
    answer = _post(operator, "/city/sensors", body)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "kind"
    body["kind"] = "air_quality"
    created = _post(operator, "/city/sensors", body)
    assert created.status_code == 201
    assert created.json()["unit"] == "ug/m3"
    assert (
        _post(_client(scene["department"]), "/city/sensors", {**body, "ref": "air-98"}).status_code
        == 403
    )
