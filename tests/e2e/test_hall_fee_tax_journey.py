"""Issue 21 in a real browser: a resident books a hall visit, pays its fee with the demo
provider, finds the e-receipt in the wallet and anyone verifies it; another resident files
the annual tax reconciliation and gets a refund. Every page passes axe-core, in English and
in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind
from onewindow.payments.models import Payment
from tests.appointments import factories as hall_factories
from tests.e2e.test_application_journeys import _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _clean(page: Any) -> None:
    assert serious_violations(page) == [], page.url


def test_book_pay_receipt_verify_and_a_tax_refund_in_both_languages(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    hall = hall_factories.hall(divisions["district"], days=5)
    Department.objects.create(
        code="330100-TAX",
        name_zh="国家税务总局杭州市税务局",
        name_en="Hangzhou Tax Bureau",
        kind=DepartmentKind.TAXATION,
        division=divisions["city"],
    )
    citizen(divisions["community"], username="payer")
    citizen(divisions["community"], username="filer")
    base = live_server.url

    page = browser.new_context(locale="en-US").new_page()
    _sign_in(page, base, "payer")
    page.goto(f"{base}/appointments/")
    _clean(page)
    page.get_by_role("link", name=hall.name_en).click()
    _clean(page)
    page.get_by_test_id("book-1").click()
    page.get_by_test_id("booking-status").wait_for()
    assert page.get_by_test_id("booking-status").inner_text() == "Booked"
    _clean(page)
    page.get_by_test_id("pay-fee").click()  # to the provider's own page
    assert page.get_by_test_id("provider-amount").inner_text() == "20.00"
    _clean(page)
    page.get_by_label("Bank card").check()
    page.get_by_role("button", name="Pay", exact=True).click()
    page.get_by_test_id("payment-status").wait_for()
    assert page.get_by_test_id("payment-status").inner_text() == "Paid"
    assert Payment.objects.get().confirmed_via == "webhook"
    _clean(page)
    page.get_by_role("link", name="in your wallet").click()
    _clean(page)
    page.get_by_role("link", name="Electronic fee receipt").click()
    assert "20.00" in page.locator("#credential-fields").inner_text()
    _clean(page)
    qr_content = page.locator("#qr-content").input_value()

    verifier = browser.new_context(locale="en-US").new_page()  # anyone, not signed in
    verifier.goto(f"{base}/credentials/verify/")
    verifier.get_by_label("QR content or credential").fill(qr_content)
    verifier.get_by_role("button", name="Verify").click()
    assert verifier.locator("#verdict").get_attribute("data-reason") == "valid"
    _clean(verifier)

    page.get_by_role("button", name="简体中文").click()  # the switch on every page
    for path in ("/appointments/", "/appointments/mine/", "/payments/"):
        page.goto(f"{base}{path}")
        _clean(page)
    page.goto(f"{base}/appointments/halls/{hall.code}/display/")
    assert "排队叫号" in page.content()
    _clean(page)

    filer = browser.new_context(locale="en-US").new_page()
    _sign_in(filer, base, "filer")
    filer.goto(f"{base}/tax/")
    _clean(filer)
    filer.get_by_role("link", name="File a reconciliation").click()
    _clean(filer)
    filer.get_by_label("Tax year").select_option("2025")
    filer.get_by_label("Wages and salaries (yuan)").fill("120000")
    filer.get_by_label("Tax withheld during the year (yuan)").fill("720")
    filer.get_by_label("Social insurance and housing fund you paid (yuan)").fill("24000")
    filer.get_by_label("Children in education").fill("1")
    filer.get_by_label("Bank account for a refund").fill("6222021234567890123")
    filer.get_by_role("button", name="Compute and file").click()
    filer.get_by_test_id("tax-outcome").wait_for()
    assert "Refund: ¥360.00" in filer.get_by_test_id("tax-outcome").inner_text()
    assert "Refunded" in filer.get_by_test_id("tax-status").inner_text()
    _clean(filer)
    filer.get_by_role("button", name="简体中文").click()
    assert "退税：¥360.00" in filer.get_by_test_id("tax-outcome").inner_text()
    _clean(filer)
    filer.goto(f"{base}/tax/file/")
    _clean(filer)
