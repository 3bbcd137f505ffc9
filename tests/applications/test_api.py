"""The JSON API as a client uses it: catalogue, drafts, uploads, filing, tasks, problems."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.applications.models import Application
from onewindow.core.models import Division
from onewindow.identity.models import User
from tests.applications import factories
from tests.applications.factories import World
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client

API = "/api/v1"


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _file_birth(client: Client, key: str = "key-1") -> Any:
    draft = client.post(
        f"{API}/drafts", {"service_code": factories.BIRTH}, content_type="application/json"
    )
    assert draft.status_code == 201, draft.content
    uploaded = client.post(
        f"{API}/drafts/{draft.json()['id']}/uploads",
        {"material_key": "household_register", "file": SimpleUploadedFile("r.pdf", factories.PDF)},
    )
    assert uploaded.status_code == 201, uploaded.content
    return client.post(
        f"{API}/applications",
        {
            "service_code": factories.BIRTH,
            "form": factories.BIRTH_FORM,
            "delivery": "electronic",
            "draft": draft.json()["id"],
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_catalogue_search_ranks_and_counts_facets(client: Client, world: World) -> None:
    found = client.get(f"{API}/services", {"q": "开公司"}).json()
    assert found["items"][0]["code"] == factories.COMPANY
    assert found["facets"]["life_event"]["business"] >= 1
    everything = client.get(f"{API}/services").json()
    assert len(everything["items"]) == 8
    assert client.get(f"{API}/services", {"life_event": "birth"}).json()["items"][0]["code"] in {
        factories.BIRTH,
        factories.SOCIAL_SECURITY_CARD,
    }
    guide = client.get(f"{API}/services/{factories.COMPANY}").json()
    assert len(guide["steps"]) == 5
    assert guide["promised_days"] == 1
    missing = client.get(f"{API}/services/NOPE")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_filing_through_the_api_is_idempotent(world: World, divisions: dict[str, Division]) -> None:
    client = _signed_in(citizen(divisions["community"]))
    first = _file_birth(client)
    assert first.status_code == 201, first.content
    ref = first.json()["ref"]
    # The same key with another body (no draft this time) is another request: refused.
    other = client.post(
        f"{API}/applications",
        {"service_code": factories.BIRTH, "form": factories.BIRTH_FORM, "delivery": "electronic"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-1",
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency_key_reused")
    assert Application.objects.count() == 1
    detail = client.get(f"{API}/applications/{ref}").json()
    assert detail["steps"][0]["key"] == "review"
    assert detail["history"][0]["action"] == "submitted"


def test_the_filing_answer_says_what_a_read_of_the_application_says(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))

    filed = _file_birth(client)

    assert filed.status_code == 201, filed.content
    # The answer is built from the rows just written; a read builds it from the database
    # (and writes its times to the millisecond).
    read = client.get(f"{API}/applications/{filed.json()['ref']}").json()
    assert _to_the_millisecond(filed.json()) == {key: read[key] for key in filed.json()}
    assert [step["key"] for step in filed.json()["steps"]] == ["review"]


def _to_the_millisecond(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _to_the_millisecond(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_the_millisecond(item) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]{8}\.\d{6}Z", value):
        return value[:-4] + "Z"
    return value


def test_a_bad_form_is_a_problem_naming_every_field(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    refused = client.post(
        f"{API}/applications",
        {"service_code": factories.BIRTH, "form": {"baby_name": ""}, "delivery": "electronic"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert refused.status_code == 400
    problem = refused.json()
    assert refused["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in problem["errors"]}
    assert {"baby_name", "baby_sex", "birth_date"} <= fields
    no_key = client.post(
        f"{API}/applications",
        {"service_code": factories.BIRTH, "form": {}, "delivery": "electronic"},
        content_type="application/json",
    )
    assert no_key.json()["type"].endswith("idempotency_key_missing")


def test_wrong_upload_type_is_refused_before_anything_is_stored(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    draft = client.post(
        f"{API}/drafts", {"service_code": factories.BIRTH}, content_type="application/json"
    ).json()
    refused = client.post(
        f"{API}/drafts/{draft['id']}/uploads",
        {
            "material_key": "household_register",
            "file": SimpleUploadedFile("x.pdf", b"<html>not a pdf"),
        },
    )
    assert refused.status_code == 400
    assert refused.json()["type"].endswith("upload_type")
    assert client.get(f"{API}/drafts/{draft['id']}").json()["uploads"] == []


def test_officer_tasks_conflict_on_a_stale_version_with_the_current_state(
    world: World, divisions: dict[str, Division]
) -> None:
    owner = _signed_in(citizen(divisions["community"]))
    ref = _file_birth(owner).json()["ref"]
    step = Application.objects.get(ref=ref).steps.get()
    first = verified_client(factories.officer(step.department))
    second = verified_client(factories.officer(step.department))
    tasks = first.get(f"{API}/tasks").json()
    assert [task["application"] for task in tasks] == [ref]

    won = first.post(
        f"{API}/tasks/{step.pk}/claim", {"version": step.version}, content_type="application/json"
    )
    lost = second.post(
        f"{API}/tasks/{step.pk}/claim", {"version": step.version}, content_type="application/json"
    )

    assert won.status_code == 200
    assert lost.status_code == 409
    assert lost.json()["current"]["version"] == won.json()["version"]
    not_holder = second.post(
        f"{API}/tasks/{step.pk}/approve",
        {"version": won.json()["version"]},
        content_type="application/json",
    )
    assert not_holder.status_code == 403
    supplements = first.post(
        f"{API}/tasks/{step.pk}/supplements",
        {
            "version": won.json()["version"],
            "items": [{"key": "household_register", "reason": "blurred"}],
        },
        content_type="application/json",
    )
    assert supplements.json()["status"] == "awaiting_supplements"


def test_authorisation_matrix_for_tasks(world: World, divisions: dict[str, Division]) -> None:
    owner = _signed_in(citizen(divisions["community"]))
    ref = _file_birth(owner).json()["ref"]
    step = Application.objects.get(ref=ref).steps.get()
    anonymous = Client()
    assert anonymous.get(f"{API}/tasks").status_code == 401
    assert owner.get(f"{API}/tasks").status_code == 403  # a citizen
    unverified = Client()
    unverified.force_login(factories.officer(step.department))
    assert unverified.get(f"{API}/tasks").status_code in (401, 403)  # no second factor
    other = verified_client(factories.officer(world["departments"]["330127-public_security"]))
    assert other.get(f"{API}/tasks").json() == []
    assert (
        other.post(
            f"{API}/tasks/{step.pk}/claim", {"version": 1}, content_type="application/json"
        ).status_code
        == 404
    )
    stranger = _signed_in(citizen(divisions["community"]))
    assert stranger.get(f"{API}/applications/{ref}").status_code == 404
