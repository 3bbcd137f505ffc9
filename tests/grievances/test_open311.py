"""Open311 GeoReport v2: a real client from PyPI against the running server, and the
standard's error format for bad requests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from django.test import Client
from georeport import GeoReport

from onewindow.grievances import services
from onewindow.grievances.models import Case, CaseStatus, Channel
from onewindow.grievances.open311 import SPEC
from onewindow.identity.models import Role
from tests.grievances import factories


def _partner_key(divisions: dict[str, Any]) -> str:
    admin = factories.officer(_department(divisions), Role.PLATFORM_ADMIN)
    _client, key = services.issue_api_key(admin, name="街道随手拍", division=divisions["city"])
    return key


def _department(divisions: dict[str, Any]) -> Any:
    from onewindow.identity.models import Department

    return Department.objects.get(code="330100-data_bureau")


@pytest.mark.django_db(transaction=True)
def test_georeport_client_lists_services_posts_a_request_and_reads_it_back(
    live_server: Any, divisions: dict[str, Any]
) -> None:
    factories.world(divisions)
    key = _partner_key(divisions)
    client = GeoReport(f"{live_server.url}/open311/v2", api_key=key)

    services_list = client.get_service_list()
    codes = {service["service_code"] for service in services_list}
    assert "city.street_lighting" in codes
    definition = client.get_service_definition("city.street_lighting")
    assert {a["code"] for a in definition["attributes"]} == {
        "division_code",
        "case_type",
        "urgency",
    }

    # georeport 0.3.1 has no POST method: post the form the standard defines with requests,
    # to the client's own endpoint and key.
    posted = requests.post(
        f"{client.root_address}/requests.json",
        data={
            "api_key": client.api_key,
            "service_code": "city.street_lighting",
            "lat": "30.259244",
            "long": "120.148883",
            "description": "北山路口的路灯已经坏了两个星期，晚上过马路很危险。",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13911112222",
            "attribute[division_code]": "330106001001",
        },
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]

    found = client.get_service_request(request_id)
    assert found["service_request_id"] == request_id
    assert found["status"] == "open"
    assert found["service_code"] == "city.street_lighting"
    assert found["agency_responsible"]  # routed by its service code
    assert "13911112222" not in str(found)
    listed = client.get_service_requests(status="open")
    assert request_id in {r["service_request_id"] for r in listed}

    as_xml = GeoReport(f"{live_server.url}/open311/v2", output_format="xml")
    assert as_xml.get_service_request(request_id)["service_request_id"] == request_id
    assert as_xml.get_service_list()

    case = Case.objects.get(ref=request_id)
    assert case.channel == Channel.OPEN311
    assert case.status == CaseStatus.ASSIGNED
    assert case.division.code == "330106001001"


def _post(client: Client, fmt: str = "json", **data: str) -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", data)


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": "north", "long": "120.1"}, 400, "lat/long"),
        ({"lat": "95", "long": "120.1"}, 400, "latitude"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "location is required"),
        ({"lat": "30.2", "long": ""}, 400, "together"),
        ({"service_code": "no.such"}, 404, "no.such"),
        ({"api_key": "ow311_wrong_key"}, 403, "api_key"),
        ({"description": ""}, 400, "description"),
        ({"attribute[division_code]": "110101"}, 400, "jurisdiction"),
    ],
)
def test_bad_posts_answer_in_the_open311_error_format(
    client: Client, divisions: dict[str, Any], data: dict[str, str], status: int, says: str
) -> None:
    factories.world(divisions)
    key = _partner_key(divisions)
    body = {
        "api_key": key,
        "service_code": "city.street_lighting",
        "lat": "30.25",
        "long": "120.14",
        "description": "路灯坏了很久了，请修理。",
        **data,
    }

    response = _post(client, **body)

    assert response.status_code == status
    errors = response.json()
    assert errors[0]["code"] == status
    assert says in errors[0]["description"]
    assert not Case.objects.exists()


def test_errors_come_as_xml_for_xml_requests(client: Client, divisions: dict[str, Any]) -> None:
    factories.world(divisions)
    response = client.post("/open311/v2/requests.xml", {"service_code": "city.refuse"})
    assert response.status_code == 403
    root = ET.fromstring(response.content)  # noqa: S314 (our own server's answer)
    assert root.tag == "errors"
    code = root.find("error/code")
    assert code is not None
    assert code.text == "403"
    missing = client.get("/open311/v2/requests/G000-none.xml")
    assert missing.status_code == 404
    assert ET.fromstring(missing.content).tag == "errors"  # noqa: S314


def test_a_flood_from_a_partner_is_a_429_with_retry_after(
    client: Client, divisions: dict[str, Any], settings: Any
) -> None:
    settings.ONEWINDOW_HOTLINE_RATE_LIMITS = {"phone": (1, 60)}
    factories.world(divisions)
    key = _partner_key(divisions)
    body = {
        "api_key": key,
        "service_code": "city.refuse",
        "address_string": "北山路1号",
        "description": "垃圾桶满了没人清运。",
        "phone": "13911112222",
        "first_name": "李",
    }
    assert _post(client, **body).status_code == 201
    refused = _post(client, **body)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "phone number" in refused.json()[0]["description"]


def test_a_revoked_key_cannot_post(client: Client, divisions: dict[str, Any]) -> None:
    factories.world(divisions)
    admin = factories.officer(_department(divisions), Role.PLATFORM_ADMIN)
    partner, key = services.issue_api_key(admin, name="随手拍", division=divisions["city"])
    services.revoke_api_key(admin, partner)
    response = _post(
        client,
        api_key=key,
        service_code="city.refuse",
        address_string="x路",
        description="垃圾没人收",
    )
    assert response.status_code == 403
    assert partner.key_hash != key
    assert key not in partner.key_hash


def test_public_reads_show_no_personal_data(client: Client, divisions: dict[str, Any]) -> None:
    world = factories.world(divisions)
    case = factories.call(
        divisions["community"], "我是王小明，电话13812345678，北山街道路灯坏了", agent=world.agent
    )
    services.answer_case(world.district_officer, case, reply="已修好，有事请拨13812345678")

    found = client.get(f"/open311/v2/requests/{case.ref}.json").json()[0]

    assert "13812345678" not in str(found)
    assert found["status"] == "closed"
    assert "138****5678" in found["status_notes"]
    discovery = client.get("/open311/v2/discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


# ----- GeoReport v2 as strict clients read it: discovery, tokens, media, coordinates ----------


@pytest.mark.django_db(transaction=True)
def test_georeport_clients_get_discovery_tokens_media_and_full_precision_coordinates(
    live_server: Any, divisions: dict[str, Any], settings: Any
) -> None:
    import xmltodict

    settings.ONEWINDOW_PUBLIC_URL = live_server.url
    factories.world(divisions)
    key = _partner_key(divisions)

    # Discovery, JSON and XML, names the configured address; a client follows it.
    as_json = requests.get(f"{live_server.url}/open311/v2/discovery.json", timeout=10)
    as_xml = requests.get(f"{live_server.url}/open311/v2/discovery.xml", timeout=10)
    assert as_json.status_code == as_xml.status_code == 200
    assert as_xml.headers["Content-Type"].startswith("text/xml")
    endpoint = as_json.json()["endpoints"][0]
    xml_endpoint = xmltodict.parse(as_xml.content)["discovery"]["endpoints"]["endpoint"]
    assert endpoint["url"] == xml_endpoint["url"] == f"{live_server.url}/open311/v2"
    assert endpoint["specification"] == xml_endpoint["specification"] == SPEC
    assert set(xml_endpoint["formats"]["format"]) == set(endpoint["formats"])
    client = GeoReport(endpoint["url"], api_key=key)

    posted = requests.post(
        f"{endpoint['url']}/requests.json",
        data={
            "api_key": key,
            "service_code": "city.street_lighting",
            "lat": "30.25924412",
            "long": "-120.14888377",  # any sign, any precision up to 8 decimals, in range
            "media_url": "https://photos.example.org/311/lamp-4411.jpg",
            "description": "北山路口的路灯已经坏了两个星期，晚上过马路很危险。",
        },
        timeout=10,
    )
    assert posted.status_code == 201, posted.text
    receipt = posted.json()[0]

    # The token the POST answered with names the request, in JSON and in XML.
    token = requests.get(f"{endpoint['url']}/tokens/{receipt['token']}.json", timeout=10)
    assert token.status_code == 200
    assert token.json() == [
        {"service_request_id": receipt["service_request_id"], "token": receipt["token"]}
    ]
    token_xml = xmltodict.parse(
        requests.get(f"{endpoint['url']}/tokens/{receipt['token']}.xml", timeout=10).content
    )
    assert (
        token_xml["service_requests"]["request"]["service_request_id"]
        == (receipt["service_request_id"])
    )
    unknown = requests.get(f"{endpoint['url']}/tokens/G000-none.json", timeout=10)
    assert unknown.status_code == 404
    assert unknown.json()[0]["code"] == 404

    found = client.get_service_request(receipt["service_request_id"])
    assert found["lat"] == 30.25924412
    assert found["long"] == -120.14888377
    assert found["media_url"] == "https://photos.example.org/311/lamp-4411.jpg"
    as_xml_request = GeoReport(endpoint["url"], output_format="xml").get_service_request(
        receipt["service_request_id"]
    )
    assert as_xml_request["lat"] == "30.25924412"
    assert as_xml_request["media_url"] == "https://photos.example.org/311/lamp-4411.jpg"
    listed = client.get_service_requests()
    assert receipt["service_request_id"] in {row["service_request_id"] for row in listed}


@pytest.mark.parametrize(
    "media_url",
    ["javascript:alert(1)", "ftp://files.example.org/a.jpg", "not a url", "https://" + "a" * 500],
)
def test_a_media_url_that_is_not_an_http_address_is_refused(
    client: Client, divisions: dict[str, Any], media_url: str
) -> None:
    factories.world(divisions)
    response = _post(
        client,
        api_key=_partner_key(divisions),
        service_code="city.refuse",
        address_string="北山路1号",
        description="垃圾桶满了没人清运。",
        media_url=media_url,
    )

    assert response.status_code == 400
    assert "media_url" in response.json()[0]["description"]
    assert not Case.objects.exists()


def test_public_reads_can_be_fetched_from_another_sites_page(
    client: Client, divisions: dict[str, Any]
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], "北山街道路灯坏了很久", agent=world.agent)
    reads = [
        "/open311/v2/discovery.json",
        "/open311/v2/services.xml",
        f"/open311/v2/requests/{case.ref}.json",
        "/open311/v2/requests.json",
        "/ledger/checkpoint",
        "/ledger/api/search?ref=" + case.ref,
    ]
    for path in reads:
        response = client.get(path, HTTP_ORIGIN="https://map.xihu.example")
        assert response["Access-Control-Allow-Origin"] == "*", path
        assert "Access-Control-Allow-Credentials" not in response, path
    # Pages for people, and anything signed in, are not opened to other sites.
    for path in ("/hotline/mine/", "/account/security/", "/"):
        response = client.get(path, HTTP_ORIGIN="https://map.xihu.example")
        assert "Access-Control-Allow-Origin" not in response, path
