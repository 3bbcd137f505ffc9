"""The city pages as people use them, without JavaScript: the dashboard and a district's
view as tables, the map's GeoJSON, an event dispatched by an operator and closed by its
department through the forms, and the log of refused messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.alerts.models import DivisionExtent
from onewindow.cityops import boundaries, readings, services
from onewindow.cityops.models import Event, EventState
from onewindow.core.models import Division
from tests.cityops import factories
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client


@pytest.fixture
def made(divisions: dict[str, Division]) -> factories.City:
    city = factories.city(divisions, sensors=1)
    for key, (lat, lon) in {"district": (30.26, 120.13), "county": (29.62, 118.95)}.items():
        DivisionExtent.objects.create(
            division=divisions[key],
            south=lat - 0.1,
            west=lon - 0.1,
            north=lat + 0.1,
            east=lon + 0.1,
            centre_lat=lat,
            centre_lon=lon,
        )
    boundaries.generate_around_centres([divisions["district"], divisions["county"]])
    return city


def _reading(
    sensor_ref: str, value: float, unit: str
) -> tuple[services.Incoming, readings.Message]:
    when = timezone.now() - timedelta(minutes=2)
    return services.Incoming(
        "mqtt", f"onewindow/sensors/{sensor_ref}/reading", b"{}"
    ), readings.Message(sensor_ref, value, unit, when)


@pytest.mark.django_db
def test_the_dashboard_reads_as_tables_and_says_the_outlines_are_generated(
    made: factories.City,
) -> None:
    assert made.operator is not None
    services.ingest([_reading("water-00", 3.5, "m"), _reading("air_q-00", 20, "ug/m3")])
    page = verified_client(made.operator).get("/city/")
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("by-state", "by-department", "events", "sensors", "city-map", "generated-note"):
        assert f'data-testid="{testid}"' in html
    event = Event.objects.get()
    assert event.ref in html
    assert "vendor/leaflet/leaflet.js" in html
    assert "<script>" not in html  # no inline script under our CSP
    district = verified_client(made.operator).get("/city/district/330127/")
    assert event.ref not in district.content.decode()  # the event is in Xihu, not Chun'an
    assert (
        event.ref in verified_client(made.operator).get("/city/district/330106/").content.decode()
    )
    live = verified_client(made.operator).get("/city/live/")
    assert event.ref in live.content.decode()


@pytest.mark.django_db
def test_the_map_document_is_geojson_of_outlines_and_events(made: factories.City) -> None:
    assert made.operator is not None
    services.ingest([_reading("water-00", 3.5, "m")])
    document = verified_client(made.operator).get("/city/map.geojson").json()
    kinds = [feature["properties"]["kind"] for feature in document["features"]]
    assert kinds.count("division") == 2
    assert kinds.count("event") == 1
    ring = document["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("citizen", 403), ("department", 403), ("operator", 200)],
)
def test_who_sees_the_dashboard(
    made: factories.City, divisions: dict[str, Division], who: str, expected: int
) -> None:
    clients: dict[str, Any] = {
        "anonymous": Client(),
        "department": verified_client(made.officers["transport"]),
        "operator": verified_client(made.operator),  # type: ignore[arg-type]
    }
    if who == "citizen":
        client = Client()
        client.force_login(citizen(divisions["community"]))
        clients["citizen"] = client
    for path in ("/city/", "/city/map.geojson", "/city/rejected/"):
        assert clients[who].get(path).status_code == expected


@pytest.mark.django_db
def test_an_operator_dispatches_and_the_department_closes_through_the_forms(
    made: factories.City,
) -> None:
    assert made.operator is not None
    event = services.record_event(
        services.EventDraft(
            source="sensor",
            source_ref="water-00",
            category="sensor.water_level",
            department_kind="nothing_here",
            title="Water above the warning level",
            division=made.divisions["village"],
            occurred_at=timezone.now(),
        )
    )
    # no department of its kind: it went to the city's general office; the operator escalates
    # and sends it to emergency management instead
    operator = verified_client(made.operator)
    path = f"/city/events/{event.ref}/"
    assert operator.post(path + "escalate/", {"reason": ""}).status_code == 400
    assert operator.post(path + "escalate/", {"reason": "派错部门"}).status_code == 302
    refused = operator.post(path + "dispatch/", {"departments": []})
    assert refused.status_code == 400
    assert "usa-error-message" in refused.content.decode()
    emergency = made.departments["emergency"]
    assert operator.post(path + "dispatch/", {"departments": [emergency.code]}).status_code == 302
    department = verified_client(made.officers["emergency"])
    assert f'action="{path}accept/"' in department.get(path).content.decode()
    assert event.ref in department.get("/city/work/").content.decode()
    assert department.post(path + "accept/").status_code == 302
    assert department.post(path + "close/", {"evidence": ""}).status_code == 400
    assert department.post(path + "close/", {"evidence": "已抽排积水，水位回落"}).status_code == 302
    event.refresh_from_db()
    assert event.state == EventState.CLOSED
    history = department.get(path).content.decode()
    assert "已抽排积水" in history


@pytest.mark.django_db
def test_refused_messages_are_listed_for_operators(made: factories.City) -> None:
    assert made.operator is not None
    services.ingest(
        [
            (
                services.Incoming("mqtt", "onewindow/sensors/ghost/reading", b"{}"),
                readings.Message("ghost", 1, "m", timezone.now()),
            )
        ]
    )
    page = verified_client(made.operator).get("/city/rejected/").content.decode()
    assert "ghost" in page
    assert "No active sensor has this id." in page


@pytest.mark.django_db
def test_an_operator_registers_a_sensor_and_issues_a_gateway_key_on_the_page(
    made: factories.City,
) -> None:
    assert made.operator is not None
    operator = verified_client(made.operator)
    body = {
        "form": "sensor",
        "ref": "air_q-77",
        "kind": "air_quality",
        "division": "999999",
        "place": "西湖空气站",
        "latitude": "30.25",
        "longitude": "120.14",
    }
    refused = operator.post("/city/sensors/", body)
    assert refused.status_code == 400
    assert "usa-error-message" in refused.content.decode()
    assert operator.post("/city/sensors/", {**body, "division": "330106001001"}).status_code == 302
    assert "air_q-77" in operator.get("/city/sensors/").content.decode()
    issued = operator.post("/city/sensors/", {"form": "key", "name": "西湖网关"})
    assert 'data-testid="ingest-key"' in issued.content.decode()
    assert verified_client(made.officers["transport"]).get("/city/sensors/").status_code == 403
