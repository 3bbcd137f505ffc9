from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.identity import services
from onewindow.identity.errors import DuplicateRegistration
from onewindow.identity.models import User
from tests.identity import factories

pytestmark = pytest.mark.django_db


def registration_form(divisions: dict[str, Division], **overrides: str) -> dict[str, str]:
    form = {
        "real_name": "王小明",
        "id_number": factories.resident_id(),
        "mobile": "13812345678",
        "division": str(divisions["street"].pk),
        "email": "xiaoming@example.org",
        "username": "xiaoming",
        "password": "a-long-passphrase",
        "password_again": "a-long-passphrase",
    }
    form.update(overrides)
    return form


def test_citizen_registers_and_sees_only_masked_personal_data(
    client: Client, divisions: dict[str, Division]
) -> None:
    form = registration_form(divisions)

    response = client.post(reverse("identity:register-citizen"), form, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    id_number = form["id_number"]
    assert f"{id_number[:6]}********{id_number[-4:]}" in page
    assert id_number not in page
    assert "138****5678" in page


def test_resident_id_is_encrypted_at_rest(divisions: dict[str, Division]) -> None:
    id_number = factories.resident_id()
    user = factories.citizen(divisions["street"], id_number=id_number)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_hash FROM identity_user WHERE id = %s", [user.pk]
        )
        encrypted, lookup = cursor.fetchone()

    assert id_number not in encrypted
    assert id_number not in lookup
    assert user.masked_id_number == f"{id_number[:6]}********{id_number[-4:]}"


def test_invalid_id_number_is_refused_with_the_rule_and_the_input_kept(
    client: Client, divisions: dict[str, Division]
) -> None:
    good = factories.resident_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    response = client.post(
        reverse("identity:register-citizen"), registration_form(divisions, id_number=bad)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "check character" in page
    assert f'value="{bad}"' in page
    assert 'value="a-long-passphrase"' not in page
    assert not User.objects.exists()


def test_invalid_mobile_is_named_on_the_mobile_field(
    client: Client, divisions: dict[str, Division]
) -> None:
    response = client.post(
        reverse("identity:register-citizen"), registration_form(divisions, mobile="12345")
    )

    assert response.status_code == 200
    assert 'id="id_mobile_error"' in response.content.decode()
    assert not User.objects.exists()


def test_error_messages_are_in_chinese_for_chinese_visitors(
    client: Client, divisions: dict[str, Division]
) -> None:
    response = client.post(
        reverse("identity:register-citizen"),
        registration_form(divisions, mobile="12345"),
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    assert "手机号码" in response.content.decode()


def test_second_registration_with_the_same_id_number_is_refused(
    divisions: dict[str, Division],
) -> None:
    id_number = factories.resident_id()
    factories.citizen(divisions["street"], id_number=id_number)

    with pytest.raises(DuplicateRegistration) as refused:
        factories.citizen(divisions["street"], id_number=id_number.lower())

    assert refused.value.field == "id_number"
    assert User.objects.count() == 1


def test_duplicate_registration_on_the_form_names_the_field(
    client: Client, divisions: dict[str, Division]
) -> None:
    form = registration_form(divisions)
    client.post(reverse("identity:register-citizen"), form)
    other = Client()

    response = other.post(reverse("identity:register-citizen"), dict(form, username="someone-else"))

    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_business_needs_a_valid_credit_code(divisions: dict[str, Division]) -> None:
    founder = factories.citizen(divisions["street"])

    with pytest.raises(DomainError) as refused:
        services.register_business(
            founder,
            credit_code="91350100M000100Y44",
            name="某某公司",
            division=divisions["district"],
        )

    assert refused.value.field == "credit_code"


def test_citizen_registers_a_business_from_the_profile(
    client: Client, divisions: dict[str, Division]
) -> None:
    founder = factories.citizen(divisions["street"])
    client.force_login(founder)

    response = client.post(
        reverse("identity:register-business"),
        {
            "credit_code": "91350100M000100Y43",
            "name": "杭州示例科技有限公司",
            "division": str(divisions["district"].pk),
        },
        follow=True,
    )

    assert "杭州示例科技有限公司" in response.content.decode()
    assert founder.represented_businesses.get().credit_code == "91350100M000100Y43"


def test_legal_representative_authorises_and_withdraws_an_agent(
    divisions: dict[str, Division],
) -> None:
    founder = factories.citizen(divisions["street"])
    agent = factories.citizen(divisions["street"])
    business = services.register_business(
        founder, credit_code="91350100M000100Y43", name="示例公司", division=divisions["district"]
    )

    authorisation = services.authorise_agent(
        business, by=founder, agent=agent, service_types=["licence"]
    )
    services.withdraw_agent(authorisation, by=founder)

    authorisation.refresh_from_db()
    assert not authorisation.is_active


def test_only_the_legal_representative_authorises_agents(divisions: dict[str, Division]) -> None:
    founder = factories.citizen(divisions["street"])
    stranger = factories.citizen(divisions["street"])
    business = services.register_business(
        founder, credit_code="91350100M000100Y43", name="示例公司", division=divisions["district"]
    )

    with pytest.raises(DomainError):
        services.authorise_agent(business, by=stranger, agent=stranger)


def test_permission_changes_are_recorded_in_the_public_ledger(
    divisions: dict[str, Division],
) -> None:
    from onewindow.ledger.models import LedgerEntry

    founder = factories.citizen(divisions["street"])
    agent = factories.citizen(divisions["street"])
    business = services.register_business(
        founder, credit_code="91350100M000100Y43", name="示例公司", division=divisions["district"]
    )
    officer = factories.officer(factories.department(divisions["city"]), roles=("reviewer",))

    authorisation = services.authorise_agent(business, by=founder, agent=agent)
    services.withdraw_agent(authorisation, by=founder)
    services.revoke_role(officer, "reviewer")

    events = list(LedgerEntry.objects.order_by("index").values_list("event_type", "subject_ref"))
    assert events == [
        ("identity.role_granted", "officer:reviewer"),
        ("identity.agent_authorised", f"business:{business.pk}"),
        ("identity.agent_withdrawn", f"business:{business.pk}"),
        ("identity.role_revoked", "officer:reviewer"),
    ]
    bodies = " ".join(LedgerEntry.objects.values_list("body", flat=True))
    assert founder.real_name not in bodies
