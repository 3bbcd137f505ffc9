"""Partner apps call /api/v1/ with a person's access token: each endpoint wants its scope,
a bad token is a 401, a missing scope a 403, and the token can do what the person can do,
nothing more."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.applications.models import Application
from onewindow.core.models import Division
from onewindow.identity.oidc import provider as oidc
from tests.applications import factories
from tests.identity.factories import citizen
from tests.identity.oidc_helpers import token_for, world

pytestmark = pytest.mark.django_db

API = "/api/v1"
ALL = (
    "profile",
    "applications:read",
    "applications:file",
    "inbox:read",
    "my-data:read",
)


@pytest.fixture
def catalogue(divisions: dict[str, Division]) -> dict[str, Any]:
    return {"departments": factories.departments(divisions), "versions": factories.catalogue()}


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")


def _file_birth(api: Client, key: str = "partner-1") -> Any:
    draft = api.post(
        f"{API}/drafts", {"service_code": factories.BIRTH}, content_type="application/json"
    )
    if draft.status_code != 201:
        return draft
    uploaded = api.post(
        f"{API}/drafts/{draft.json()['id']}/uploads",
        {"material_key": "household_register", "file": SimpleUploadedFile("r.pdf", factories.PDF)},
    )
    assert uploaded.status_code == 201, uploaded.content
    return api.post(
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


def test_a_token_with_only_read_my_applications_cannot_file_one(
    divisions: dict[str, Division], catalogue: dict[str, Any]
) -> None:
    given = world(divisions, scopes=ALL)
    token = token_for(given.citizen, given.client, given.secret, "openid applications:read")
    api = bearer(token["access_token"])

    listed = api.get(f"{API}/applications")
    filed = api.post(
        f"{API}/applications",
        {"service_code": factories.BIRTH, "form": factories.BIRTH_FORM, "delivery": "electronic"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="nope",
    )
    draft = api.post(
        f"{API}/drafts", {"service_code": factories.BIRTH}, content_type="application/json"
    )

    assert listed.status_code == 200
    assert filed.status_code == 403
    assert filed["Content-Type"] == "application/problem+json"
    assert filed.json()["type"].endswith("/insufficient_scope")
    assert (
        filed["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="applications:file"'
    )
    assert draft.status_code == 403
    assert not Application.objects.exists()


def test_a_token_with_file_applications_files_through_the_partner_channel(
    divisions: dict[str, Division], catalogue: dict[str, Any]
) -> None:
    given = world(divisions, scopes=ALL)
    token = token_for(
        given.citizen, given.client, given.secret, "openid applications:read applications:file"
    )
    api = bearer(token["access_token"])

    filed = _file_birth(api)

    assert filed.status_code == 201, filed.content
    application = Application.objects.get()
    assert application.applicant == given.citizen
    assert application.filed_by == given.citizen
    assert application.channel == "partner_app"
    assert api.get(f"{API}/applications/{application.ref}").json()["channel"] == "partner_app"


def test_the_token_reaches_only_its_person(
    divisions: dict[str, Division], catalogue: dict[str, Any]
) -> None:
    given = world(divisions, scopes=ALL)
    other = citizen(divisions["community"], username="neighbour")
    mine = bearer(
        token_for(other, given.client, given.secret, "openid applications:file")["access_token"]
    )
    assert _file_birth(mine).status_code == 201
    ref = Application.objects.get().ref
    token = token_for(given.citizen, given.client, given.secret, "openid applications:read")

    answer = bearer(token["access_token"]).get(f"{API}/applications/{ref}")

    assert answer.status_code == 404
    assert bearer(token["access_token"]).get(f"{API}/applications").json()["items"] == []


def test_a_bad_token_is_401_with_the_bearer_challenge(divisions: dict[str, Division]) -> None:
    unknown = bearer("not-a-token").get(f"{API}/applications")
    anonymous = Client().get(f"{API}/applications")

    assert unknown.status_code == 401
    assert unknown["Content-Type"] == "application/problem+json"
    assert unknown["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")


def test_each_scope_opens_its_endpoints_and_no_other(divisions: dict[str, Division]) -> None:
    given = world(divisions, scopes=ALL)
    inbox = bearer(
        token_for(given.citizen, given.client, given.secret, "openid inbox:read")["access_token"]
    )
    my_data = bearer(
        token_for(given.citizen, given.client, given.secret, "openid my-data:read")["access_token"]
    )
    profile = bearer(
        token_for(given.citizen, given.client, given.secret, "openid profile")["access_token"]
    )

    assert inbox.get(f"{API}/inbox").status_code == 200
    assert inbox.get(f"{API}/my-data/accesses").status_code == 403
    assert my_data.get(f"{API}/my-data/accesses").status_code == 200
    assert my_data.get(f"{API}/inbox").status_code == 403
    me = profile.get(f"{API}/me")
    assert me.status_code == 200
    assert me.json()["masked_id_number"] == given.citizen.masked_id_number
    assert profile.get(f"{API}/applications").status_code == 403
    # Officer endpoints take no tokens at all, whatever their scope.
    assert profile.get(f"{API}/tasks").status_code == 401


def test_a_scope_the_registry_withdraws_stops_working_on_tokens_already_issued(
    divisions: dict[str, Division],
) -> None:
    given = world(divisions, scopes=ALL)
    token = token_for(given.citizen, given.client, given.secret, "openid inbox:read")
    api = bearer(token["access_token"])
    assert api.get(f"{API}/inbox").status_code == 200

    oidc.set_client_scopes(given.admin, given.client, allowed_scopes=["profile"])

    assert api.get(f"{API}/inbox").status_code == 403


def test_the_session_still_works_beside_tokens(divisions: dict[str, Division]) -> None:
    person = citizen(divisions["community"])
    session = Client()
    session.force_login(person)

    assert session.get(f"{API}/applications").status_code == 200
    assert session.get(f"{API}/me").json()["username"] == person.username
