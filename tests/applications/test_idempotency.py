"""Idempotent filing over the API: a retry with its Idempotency-Key answers what the first
request answered (status and body), whatever happened since; another body under the same
key is refused; stored answers are kept for a day and then purged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from onewindow.applications.models import Application
from onewindow.core.models import Division, IdempotentRequest
from onewindow.core.tasks import purge_idempotent_requests
from onewindow.identity.models import User
from tests.applications import factories
from tests.applications.factories import World
from tests.identity.factories import citizen

API = "/api/v1"


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


def _signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _draft_with_register(client: Client) -> int:
    draft = client.post(
        f"{API}/drafts", {"service_code": factories.BIRTH}, content_type="application/json"
    )
    assert draft.status_code == 201, draft.content
    uploaded = client.post(
        f"{API}/drafts/{draft.json()['id']}/uploads",
        {"material_key": "household_register", "file": SimpleUploadedFile("r.pdf", factories.PDF)},
    )
    assert uploaded.status_code == 201, uploaded.content
    draft_id: int = draft.json()["id"]
    return draft_id


def _file(client: Client, body: dict[str, Any], key: str) -> Any:
    return client.post(
        f"{API}/applications", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def _birth(draft: int) -> dict[str, Any]:
    return {
        "service_code": factories.BIRTH,
        "form": factories.BIRTH_FORM,
        "delivery": "electronic",
        "draft": draft,
    }


def test_the_same_key_twice_answers_the_first_result_although_the_draft_is_gone(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    body = _birth(_draft_with_register(client))

    first = _file(client, body, "retry-me")
    retry = _file(client, body, "retry-me")

    assert first.status_code == 201, first.content
    # The draft was used up by the first filing; the retry still gets the first answer.
    assert retry.status_code == 201, retry.content
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Application.objects.filter(idempotency_key="retry-me").count() == 1


def test_the_stored_answer_is_the_first_one_whatever_happened_to_the_application_since(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    body = _birth(_draft_with_register(client))
    first = _file(client, body, "k-1")
    assert first.status_code == 201, first.content
    ref = first.json()["ref"]
    withdrawn = client.post(
        f"{API}/applications/{ref}/withdraw",
        {"version": Application.objects.get(ref=ref).version, "reason": "moved away"},
        content_type="application/json",
    )
    assert withdrawn.status_code == 200, withdrawn.content

    retry = _file(client, body, "k-1")

    assert retry.status_code == 201
    assert retry.content == first.content
    assert retry.json()["status"] == "in_progress"


def test_the_same_key_with_another_body_is_a_422_problem_saying_so(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    body = _birth(_draft_with_register(client))
    assert _file(client, body, "k-2").status_code == 201

    other = _file(client, {**body, "form": {**body["form"], "baby_name": "王小红"}}, "k-2")

    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    problem = other.json()
    assert problem["type"].endswith("idempotency_key_reused")
    assert "different request" in problem["detail"]
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert Application.objects.count() == 1


def test_the_same_body_in_another_key_order_is_the_same_request(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    body = _birth(_draft_with_register(client))
    first = _file(client, body, "k-3")
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)

    retry = client.post(
        f"{API}/applications",
        reordered,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )

    assert retry.status_code == 201
    assert retry.content == first.content


def test_keys_belong_to_each_person(world: World, divisions: dict[str, Division]) -> None:
    one = _signed_in(citizen(divisions["community"]))
    other = _signed_in(citizen(divisions["community"]))

    first = _file(one, _birth(_draft_with_register(one)), "shared-key")
    second = _file(other, _birth(_draft_with_register(other)), "shared-key")

    assert first.status_code == second.status_code == 201
    assert first.json()["ref"] != second.json()["ref"]


def test_a_refused_request_is_not_stored_so_the_corrected_one_files(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    body = _birth(_draft_with_register(client))
    refused = _file(client, {**body, "form": {"baby_name": ""}}, "k-4")
    assert refused.status_code == 400

    corrected = _file(client, body, "k-4")

    assert corrected.status_code == 201, corrected.content


def test_answers_are_kept_a_day_then_purged_by_the_periodic_task(
    world: World, divisions: dict[str, Division]
) -> None:
    client = _signed_in(citizen(divisions["community"]))
    assert _file(client, _birth(_draft_with_register(client)), "k-5").status_code == 201
    [stored] = IdempotentRequest.objects.all()
    assert stored.expires_at - stored.created_at >= timedelta(hours=24)
    assert "onewindow.core.tasks.purge_idempotent_requests" in settings.ONEWINDOW_PERIODIC_TASKS

    purge_idempotent_requests.enqueue()  # the immediate backend runs it: nothing is due yet
    assert IdempotentRequest.objects.count() == 1
    # A day later (the answer's time is up):
    IdempotentRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    purge_idempotent_requests.enqueue()

    assert IdempotentRequest.objects.count() == 0


@pytest.mark.parametrize("key", ["k" * 65, "ключ", "tab\there"])
def test_a_malformed_key_is_refused_before_anything_is_filed(
    world: World, divisions: dict[str, Division], key: str
) -> None:
    client = _signed_in(citizen(divisions["community"]))

    refused = _file(client, _birth(_draft_with_register(client)), key)

    assert refused.status_code == 400
    assert refused.json()["type"].endswith("idempotency_key_invalid")
    assert not Application.objects.exists()
