"""Health and travel codes: a resident gets a 24-hour code on the page or the API; an
approver of the health department marks the resident at risk, which revokes the code in use
at once (a checkpoint scanning it sees "revoked", not why) and issues a new one; the code
carries only what a checkpoint needs; every refusal names its rule and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from onewindow.alerts import health_codes
from onewindow.alerts.models import HealthStatus
from onewindow.core.errors import DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.credentials import formats, selectors, services
from onewindow.credentials.models import Credential, CredentialStatus
from onewindow.credentials.verify import Reason, status_list_from_jwt, verify
from onewindow.identity.models import DataAccess, Department, DepartmentKind, User
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Message
from tests.identity.factories import citizen, officer, resident_id
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def health(divisions: dict[str, Division]) -> Department:
    return Department.objects.create(
        code="330100-health",
        name_zh="杭州市卫生健康委员会",
        name_en="Hangzhou Health Commission",
        kind=DepartmentKind.HEALTH,
        division=divisions["city"],
    )


@pytest.fixture
def doctor(health: Department) -> User:
    return officer(health, roles=("approver",), username="health-approver")


@pytest.fixture
def resident(divisions: dict[str, Division]) -> User:
    return citizen(divisions["village"], id_number=resident_id())


def _scan(code: Credential) -> Any:
    return selectors.check(services.qr_url(code))


def test_a_resident_gets_a_green_code_valid_for_a_day_carrying_only_what_a_checkpoint_needs(
    health: Department, resident: User
) -> None:
    client = Client()
    client.force_login(resident)
    page = client.get("/alerts/health-code/")
    assert "get-health-code" in page.content.decode()  # none yet

    assert client.post("/alerts/health-code/").status_code == 302
    code = health_codes.current_code(resident)
    assert code is not None
    assert code.issuer == health
    assert code.valid_until is not None
    assert code.valid_until - code.valid_from == timedelta(hours=24)
    assert services.subject_of(code) == {
        "colour": "green",
        "holderNameMasked": "王**",
        "idNumberLast4": resident.plain_id_number()[-4:],
    }
    # Nothing else is in what the checkpoint reads: no name, no ID number, no reason.
    assert formats.disclosure_names(services.sd_jwt_of(code)) == [
        "colour",
        "holderNameMasked",
        "idNumberLast4",
    ]
    shown = client.get("/alerts/health-code/").content.decode()
    assert 'data-colour="green"' in shown
    assert "<svg" in shown
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(resident)
    in_chinese = chinese.get("/alerts/health-code/").content.decode()
    assert "我的健康通行码" in in_chinese
    assert "绿码" in in_chinese
    assert health_codes.code_for(resident) == code  # still valid: the same code
    assert _scan(code).verdict.reason is Reason.VALID


def test_marking_a_resident_at_risk_revokes_the_code_in_use_and_issues_a_red_one(
    health: Department, doctor: User, resident: User
) -> None:
    green = health_codes.code_for(resident)

    status = health_codes.set_colour(
        doctor, resident, colour="red", reason="密切接触者，居家观察14天"
    )

    green.refresh_from_db()
    assert green.status == CredentialStatus.REVOKED
    red = status.code
    assert red is not None
    assert services.subject_of(red)["colour"] == "red"
    assert health_codes.current_code(resident) == red
    old_scan = _scan(green)
    assert old_scan.verdict.reason is Reason.REVOKED
    # A checkpoint sees that the code was replaced, never the health department's reason.
    assert "密切接触" not in old_scan.status_reason
    assert "Replaced" in old_scan.status_reason
    new_scan = _scan(red)
    assert new_scan.verdict.reason is Reason.VALID
    assert dict(new_scan.fields)["Code colour"] == "Red"
    # Other verifiers read the revocation from the published status list at once.
    trust = services.trust()
    issuer = trust.issuers[services.issuer_id(health)]
    listed = status_list_from_jwt(services.status_list_jwt(health, "revocation"), issuer, trust)
    assert formats.status_bit(listed, green.status_index) is True
    assert formats.status_bit(listed, red.status_index) is False
    entry = LedgerEntry.objects.get(event_type="health_code.colour_set")
    assert entry.subject_ref == red.number  # the payload only as a digest
    assert DataAccess.objects.filter(subject_user=resident, purpose="health_code").count() == 1
    assert Message.objects.filter(recipient=resident, event="credential_status_changed").exists()


def test_offline_a_checkpoint_trusts_the_code_until_its_hours_run_out(
    health: Department, resident: User
) -> None:
    code = health_codes.code_for(resident)
    trust = services.trust()

    offline = verify(services.qr_url(code), trust)
    assert offline.reason is Reason.VALID
    assert offline.status_checked is False  # the 24 hours bound what it cannot see
    assert code.valid_until is not None
    assert verify(services.qr_of(code), trust, now=code.valid_until).reason is Reason.EXPIRED


def test_a_code_that_ran_out_is_replaced_by_a_new_one_of_the_same_colour(
    health: Department, doctor: User, resident: User
) -> None:
    health_codes.code_for(resident)
    yellow = health_codes.set_colour(
        doctor, resident, colour="yellow", reason="来自中风险地区"
    ).code
    assert yellow is not None

    with freeze_time(timezone.now() + timedelta(hours=23, minutes=30)):
        assert health_codes.current_code(resident) is None  # under an hour left
        renewed = health_codes.code_for(resident)
    assert renewed != yellow
    assert services.subject_of(renewed)["colour"] == "yellow"
    assert HealthStatus.objects.get(resident=resident).codes_issued == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "purple"}, "colour"),
        ({"reason": "  "}, "reason"),
        ({"colour": "green"}, "colour"),  # already green
    ],
)
def test_a_colour_change_that_breaks_a_rule_names_it_and_changes_nothing(
    health: Department, doctor: User, resident: User, changes: dict[str, str], field: str
) -> None:
    code = health_codes.code_for(resident)
    arguments = {"colour": "red", "reason": "密切接触者", **changes}

    with pytest.raises(DomainError) as refused:
        health_codes.set_colour(doctor, resident, **arguments)

    assert refused.value.field == field
    code.refresh_from_db()
    assert code.status == CredentialStatus.ACTIVE
    assert Credential.objects.count() == 1


def test_only_an_approver_of_the_health_department_holding_the_code_sets_its_colour(
    health: Department, divisions: dict[str, Division], resident: User
) -> None:
    health_codes.code_for(resident)
    reviewer = officer(health, roles=("reviewer",), username="health-reviewer")
    police = Department.objects.create(
        code="330100-police",
        name_zh="杭州市公安局",
        name_en="Hangzhou Public Security Bureau",
        kind=DepartmentKind.PUBLIC_SECURITY,
        division=divisions["city"],
    )
    district_health = Department.objects.create(
        code="330106-health",
        name_zh="西湖区卫生健康局",
        name_en="Xihu District Health Bureau",
        kind=DepartmentKind.HEALTH,
        division=divisions["district"],
    )
    for someone in (
        reviewer,
        officer(police, roles=("approver",), username="police-approver"),
        # Its area does not hold the resident's village.
        officer(district_health, roles=("approver",), username="xihu-approver"),
    ):
        with pytest.raises(PermissionDenied):
            health_codes.set_colour(someone, resident, colour="red", reason="密切接触者")
    assert Credential.objects.filter(status=CredentialStatus.ACTIVE).count() == 1


def test_the_api_gives_the_resident_their_code_and_lets_the_approver_change_it(
    health: Department, doctor: User, resident: User
) -> None:
    own = Client()
    own.force_login(resident)
    missing = own.get(f"{API}/health-code")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    issued = own.post(f"{API}/health-code").json()
    assert issued["colour"] == "green"
    assert issued["qr_url"].startswith("http")
    assert own.get(f"{API}/health-code").json()["number"] == issued["number"]

    body = {"id_number": resident.plain_id_number(), "colour": "red", "reason": "密切接触者"}
    assert Client().post(f"{API}/health-codes/colour", body, "application/json").status_code == 401
    assert own.post(f"{API}/health-codes/colour", body, "application/json").status_code == 403
    nobody = dict(body, id_number=resident_id())
    approver = verified_client(doctor)
    unknown = approver.post(f"{API}/health-codes/colour", nobody, "application/json")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"

    changed = approver.post(f"{API}/health-codes/colour", body, "application/json")

    assert changed.status_code == 200
    assert changed.json()["colour"] == "red"
    assert changed.json()["replaced"] == issued["number"]
    assert own.get(f"{API}/health-code").json()["colour"] == "red"
    again = approver.post(f"{API}/health-codes/colour", body, "application/json")
    assert again.status_code == 400
    assert "already" in again.json()["detail"]


def test_the_approver_sets_a_colour_on_the_page_and_others_are_turned_away(
    health: Department, doctor: User, resident: User
) -> None:
    health_codes.code_for(resident)
    page = verified_client(doctor)
    assert page.get("/alerts/health-codes/").status_code == 200

    refused = page.post(
        "/alerts/health-codes/",
        {"id_number": resident.plain_id_number(), "colour": "red", "reason": "x"},
    )
    assert refused.status_code == 200
    assert "at least 4 characters" in refused.content.decode()

    done = page.post(
        "/alerts/health-codes/",
        {"id_number": resident.plain_id_number(), "colour": "red", "reason": "密切接触者"},
        follow=True,
    )
    assert "previous code is revoked" in done.content.decode()
    assert HealthStatus.objects.get(resident=resident).colour == "red"
    reviewer = officer(health, roles=("reviewer",), username="health-reviewer")
    assert verified_client(reviewer).get("/alerts/health-codes/").status_code == 403
    signed_in = Client()
    signed_in.force_login(resident)
    assert signed_in.get("/alerts/health-codes/").status_code in (302, 403)
