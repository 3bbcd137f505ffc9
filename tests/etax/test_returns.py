"""Filing the annual reconciliation as residents do (page and API): a refund to the bank
account, tax due paid through the demo provider with its receipt, and the refusals that
name their rule with nothing written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.core.models import Division
from onewindow.credentials.models import Credential
from onewindow.etax.models import ReturnStatus, TaxReturn
from onewindow.identity.models import Department, DepartmentKind, User
from tests.identity import factories as people

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(divisions: dict[str, Division]) -> User:
    Department.objects.create(
        code="330100-TAX",
        name_zh="国家税务总局杭州市税务局",
        name_en="Hangzhou Tax Bureau",
        kind=DepartmentKind.TAXATION,
        division=divisions["city"],
    )
    return people.citizen(divisions["community"])


def form(**changes: str) -> dict[str, str]:
    return {
        "tax_year": "2025",
        "wages": "120000.00",
        "withheld": "720.00",
        "social_insurance": "24000",
        "children": "1",
        "infants": "0",
        "housing": "none",
        "only_child": "on",
        "bank_account": "6222 0212 3456 7890 123",
        "request_key": "once",
        **changes,
    }


def test_a_refund_filed_on_the_page_goes_to_the_bank_account(
    resident: User, client: Client
) -> None:
    client.force_login(resident)
    assert client.get(reverse("etax:file")).status_code == 200
    answer = client.post(reverse("etax:file"), form())
    again = client.post(reverse("etax:file"), form())  # sent twice: filed once
    assert answer["Location"] == again["Location"]
    filed = TaxReturn.objects.get()
    assert (filed.tax_fen, filed.balance_fen, filed.outcome) == (360_00, -360_00, "refund")
    assert filed.status == ReturnStatus.REFUNDED
    assert filed.bank_account_masked.endswith("0123")
    page = client.get(answer["Location"])
    assert b"360.00" in page.content


def test_bad_input_is_refused_on_its_field_and_nothing_is_written(
    resident: User, client: Client
) -> None:
    client.force_login(resident)
    above = client.post(reverse("etax:file"), form(elderly_support="36000.01"))
    assert above.status_code == 200
    assert "Elderly support is limited to 3600000 fen a year" in above.content.decode()
    no_year = client.post(reverse("etax:file"), form(tax_year="2018"))
    assert no_year.status_code == 200  # 2018 is not among the years the form offers
    assert "tax_year_error" in no_year.content.decode()
    no_account = client.post(reverse("etax:file"), form(bank_account=""))
    assert b"bank account" in no_account.content.lower()
    assert not TaxReturn.objects.exists()


def test_tax_due_is_paid_through_the_provider_and_settles_the_return(
    resident: User, client: Client, django_capture_on_commit_callbacks: object
) -> None:
    client.force_login(resident)
    body = {
        "tax_year": 2025,
        "income": {"wages_fen": 300_000_00, "services_fen": 50_000_00, "withheld_fen": 30_000_00},
        "deductions": {"social_insurance_fen": 40_000_00},
    }
    filed = client.post(
        "/api/v1/tax-returns",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "t1"},
    ).json()
    # 300,000 + 40,000 − 60,000 − 40,000 = 240,000 taxable: 20 % − 16,920 = 31,080; 1,080 due.
    assert (filed["tax_fen"], filed["balance_fen"], filed["outcome"]) == (
        31_080_00,
        1_080_00,
        "due",
    )
    twice = client.post(
        "/api/v1/tax-returns",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "t2"},
    )
    assert twice.status_code == 409
    wrong = client.post(
        f"/api/v1/tax-returns/{filed['ref']}/payment",
        {"amount_fen": 1},
        content_type="application/json",
        headers={"Idempotency-Key": "p0"},
    )
    assert wrong.json()["type"].endswith("fee_mismatch")
    payment = client.post(
        f"/api/v1/tax-returns/{filed['ref']}/payment",
        {"amount_fen": 1_080_00},
        content_type="application/json",
        headers={"Idempotency-Key": "p1"},
    ).json()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(payment["next_url"], {"method": "qr"})
    assert TaxReturn.objects.get().status == ReturnStatus.PAID
    assert Credential.objects.filter(kind="fee_receipt", holder=resident).count() == 1
