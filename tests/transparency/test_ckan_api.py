"""The CKAN Action API v3 (read side): the `ckanapi` client that data users run, against
the live server, and CKAN's error envelope naming the parameter."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ckanapi import NotFound, RemoteCKAN, ValidationError
from django.test import Client

from onewindow.core.models import Division
from tests.transparency import factories


def _publish(divisions: dict[str, Division]) -> dict[str, Any]:
    department = factories.bureau(divisions)
    publisher = factories.publisher(department)
    dataset, release = factories.fixed_dataset(publisher, department)
    factories.fixed_dataset(
        publisher,
        department,
        name="bus-stops",
        title_zh="公交站点",
        title_en="Bus stops",
        tags=("transport",),
        groups=("transport",),
        rows=[{"district": "330106", "school": f"B{n}", "places": n} for n in range(12)],
    )
    return {"department": department, "dataset": dataset, "release": release}


@pytest.mark.django_db(transaction=True)
def test_ckanapi_searches_shows_lists_and_pages_a_resource_to_the_end(
    live_server: Any, divisions: dict[str, Division]
) -> None:
    given = _publish(divisions)
    with RemoteCKAN(live_server.url, user_agent="onewindow-test") as ckan:
        found = ckan.action.package_search(
            q="学校", fq="tags:education", rows=5, **{"facet.field": ["organization", "tags"]}
        )
        assert found["count"] == 1
        assert found["results"][0]["name"] == "school-places"
        assert found["search_facets"]["tags"]["items"] == [
            {"name": "education", "display_name": "education", "count": 1}
        ]
        assert ckan.action.package_search(q="bus")["results"][0]["name"] == "bus-stops"

        package = ckan.action.package_show(id="school-places")
        assert package["license_id"] == "CC-BY-4.0"
        assert package["organization"]["name"] == given["department"].code
        assert {r["format"] for r in package["resources"]} == {"CSV", "JSON", "XLSX"}
        csv_resource = next(r for r in package["resources"] if r["datastore_active"])

        assert ckan.action.organization_list() == [given["department"].code]
        assert ckan.action.organization_list(all_fields=True)[0]["package_count"] == 2

        seen: list[int] = []
        offset = 0
        while True:
            page = ckan.action.datastore_search(
                resource_id=csv_resource["id"], limit=37, offset=offset, sort="places desc"
            )
            assert page["total"] == 250
            if not page["records"]:
                break
            seen.extend(record["_id"] for record in page["records"])
            offset += len(page["records"])
        assert len(seen) == len(set(seen)) == 250  # to the end, and no row twice
        places = ckan.action.datastore_search(
            resource_id=csv_resource["id"], limit=250, sort="places desc"
        )["records"]
        assert [r["places"] for r in places] == sorted((r["places"] for r in places), reverse=True)

        filtered = ckan.action.datastore_search(
            resource_id=csv_resource["id"], filters={"district": "330103"}, fields=["school"]
        )
        assert filtered["total"] == 25
        assert set(filtered["records"][0]) == {"_id", "school"}

        with pytest.raises(NotFound):
            ckan.action.package_show(id="no-such-dataset")
        with pytest.raises(ValidationError) as refused:
            ckan.action.datastore_search(resource_id=csv_resource["id"], limit=5000)
        assert "limit" in refused.value.error_dict


@pytest.mark.django_db
def test_bad_parameters_get_ckans_error_envelope_naming_the_parameter(
    client: Client, divisions: dict[str, Division]
) -> None:
    resource_id = str(_publish(divisions)["release"].id)

    def call(action: str, **params: Any) -> tuple[int, dict[str, Any]]:
        response = client.post(
            f"/api/3/action/{action}", json.dumps(params), content_type="application/json"
        )
        return response.status_code, response.json()

    cases: list[tuple[str, dict[str, Any], str]] = [
        ("package_search", {"fq": "owner:x"}, "fq"),
        ("package_search", {"sort": "title sideways"}, "sort"),
        ("package_search", {"rows": 5000}, "rows"),
        ("datastore_search", {"resource_id": resource_id, "filters": "[1]"}, "filters"),
        ("datastore_search", {"resource_id": resource_id, "filters": {"nope": 1}}, "filters"),
        ("datastore_search", {"resource_id": resource_id, "sort": "places; drop"}, "sort"),
        ("datastore_search", {"resource_id": resource_id, "fields": ["nope"]}, "fields"),
        ("datastore_search", {"resource_id": resource_id, "limit": 1001}, "limit"),
    ]
    for action, params, field in cases:
        status, body = call(action, **params)
        assert status == 409, (action, params)
        assert body["success"] is False
        assert body["error"]["__type"] == "Validation Error"
        assert field in body["error"], (action, params, body)

    status, body = call("datastore_search", resource_id="00000000-0000-0000-0000-000000000000")
    assert (status, body["error"]["__type"]) == (404, "Not Found Error")
    status, body = call("no_such_action")
    assert status == 400
    assert body["success"] is False
    assert client.get("/api/3/action/package_list").json()["result"] == [
        "bus-stops",
        "school-places",
    ]
