"""The sign-on client registry: platform administrators register clients, change what
they may ask for, suspend them at once and see each one's use; nobody else can."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.core.errors import DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import Client as SignOnClient
from onewindow.identity.oidc import provider as oidc
from onewindow.ledger.models import LedgerEntry
from tests.identity import factories
from tests.identity.oidc_helpers import REDIRECT_URI, token_for, world
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db


def _form(**changes: object) -> dict[str, object]:
    return {
        "name": "Hangzhou housing fund site",
        "kind": "government_site",
        "contact_department": "",
        "redirect_uris": "https://gjj.example/oidc/callback",
        "post_logout_redirect_uris": "",
        "is_confidential": "on",
        "allowed_scopes": ["profile", "division"],
        "lawful_basis": "",
        "subject_type": "pairwise",
        **changes,
    }


def test_an_administrator_registers_a_client_and_sees_its_secret_once(
    divisions: dict[str, Division],
) -> None:
    department = factories.department(divisions["city"])
    admin = factories.officer(department, roles=("platform_admin",), username="admin")
    browser = verified_client(admin)

    answer = browser.post(
        reverse("identity:register-client"), _form(contact_department=department.pk)
    )

    client = SignOnClient.objects.get()
    page = answer.content.decode()
    assert answer.status_code == 200
    assert client.client_id in page
    assert 'data-testid="client-secret"' in page
    assert client.client_secret.count("$") >= 2  # a password hash, not the secret
    assert client.allowed_scopes == ["division", "profile"]
    assert client.registered_by == admin
    assert LedgerEntry.objects.filter(event_type="identity.client_registered").exists()
    detail = browser.get(reverse("identity:client", args=[client.pk])).content.decode()
    assert 'data-testid="client-secret"' not in detail


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"redirect_uris": "ftp://gjj.example/cb"}, "redirect_uris"),
        ({"redirect_uris": ""}, "redirect_uris"),
        ({"allowed_scopes": ["profile", "id_number"]}, "lawful_basis"),
        ({"kind": "spaceship"}, "kind"),
    ],
)
def test_bad_registrations_name_the_field_and_store_nothing(
    divisions: dict[str, Division], changes: dict[str, object], field: str
) -> None:
    department = factories.department(divisions["city"])
    admin = factories.officer(department, roles=("platform_admin",), username="admin")

    answer = verified_client(admin).post(
        reverse("identity:register-client"), _form(contact_department=department.pk, **changes)
    )

    assert answer.status_code == 200
    assert f'id="id_{field}_error"' in answer.content.decode() or field in str(
        answer.context["form"].errors
    )
    assert not SignOnClient.objects.exists()


def test_the_full_id_number_scope_needs_a_legal_basis(divisions: dict[str, Division]) -> None:
    department = factories.department(divisions["city"])
    admin = factories.officer(department, roles=("platform_admin",), username="admin")

    with pytest.raises(DomainError) as refused:
        oidc.register_client(
            admin,
            name="x",
            kind="partner_app",
            contact_department=department,
            redirect_uris=[REDIRECT_URI],
            allowed_scopes=["id_number"],
        )

    assert refused.value.field == "lawful_basis"


def test_suspension_from_the_page_stops_tokens_and_shows_on_the_usage_page(
    divisions: dict[str, Division],
) -> None:
    given = world(divisions, scopes=("profile", "applications:read"))
    token = token_for(given.citizen, given.client, given.secret, "openid applications:read")
    browser = verified_client(given.admin)
    usage = browser.get(reverse("identity:clients")).content.decode()

    browser.post(
        reverse("identity:change-client", args=[given.client.pk]),
        {"action": "suspend", "reason": "Operator did not renew its agreement"},
    )

    api = Client(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}").get("/api/v1/applications")
    given.client.refresh_from_db()
    assert "City services mini-program" in usage
    assert given.client.is_suspended
    assert api.status_code == 401
    assert "suspended" in browser.get(reverse("identity:clients")).content.decode()
    browser.post(reverse("identity:change-client", args=[given.client.pk]), {"action": "reinstate"})
    again = Client(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}").get("/api/v1/applications")
    assert again.status_code == 200


def test_usage_counts_tokens_per_client(divisions: dict[str, Division]) -> None:
    given = world(divisions, scopes=("profile",))
    token_for(given.citizen, given.client, given.secret, "openid profile")
    token_for(given.citizen, given.client, given.secret, "openid profile")

    rows = oidc.usage(given.admin)
    api = verified_client(given.admin).get("/api/v1/clients").json()

    assert [(row.client, row.tokens_issued, row.people) for row in rows] == [(given.client, 2, 1)]
    assert api[0]["tokens_issued"] == 2
    assert api[0]["client"]["client_id"] == given.client.client_id


def test_only_verified_platform_administrators_manage_clients(
    divisions: dict[str, Division],
) -> None:
    given = world(divisions)
    reviewer = factories.officer(given.client.contact_department, username="reviewer")
    pages = [
        reverse("identity:clients"),
        reverse("identity:register-client"),
        reverse("identity:client", args=[given.client.pk]),
    ]
    citizen = Client()
    citizen.force_login(given.citizen)
    unverified = Client()
    unverified.force_login(given.admin)

    for page in pages:
        assert "/account/sign-in/" in Client().get(page)["Location"]
        assert citizen.get(page).status_code == 403
        assert verified_client(reviewer).get(page).status_code == 403
        assert unverified.get(page)["Location"].startswith(reverse("identity:verify"))
        assert verified_client(given.admin).get(page).status_code == 200
    suspend = f"/api/v1/clients/{given.client.pk}/suspend"
    assert (
        Client().post(suspend, {"reason": "x"}, content_type="application/json").status_code == 401
    )
    assert (
        verified_client(reviewer)
        .post(suspend, {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        oidc.suspend_client(reviewer, given.client, reason="x")
    given.client.refresh_from_db()
    assert not given.client.is_suspended


def test_the_api_registers_a_public_client_without_a_secret(divisions: dict[str, Division]) -> None:
    department = factories.department(divisions["city"])
    admin = factories.officer(department, roles=("platform_admin",), username="admin")

    answer = verified_client(admin).post(
        "/api/v1/clients",
        {
            "name": "Service hall terminal",
            "kind": "hall_terminal",
            "contact_department": department.code,
            "redirect_uris": ["https://terminal.example/cb"],
            "allowed_scopes": ["profile", "applications:file"],
            "is_confidential": False,
        },
        content_type="application/json",
    )
    bad = verified_client(admin).post(
        "/api/v1/clients",
        {
            "name": "x",
            "kind": "hall_terminal",
            "contact_department": department.code,
            "redirect_uris": ["https://terminal.example/cb"],
            "allowed_scopes": ["root"],
        },
        content_type="application/json",
    )

    assert answer.status_code == 201
    assert answer.json()["client_secret"] == ""
    assert answer.json()["is_public"] is True
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "allowed_scopes"
