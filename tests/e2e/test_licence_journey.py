"""An electronic business licence end to end in a real browser: a company founded by a
business's agent is approved, its licence is in the agent's wallet, the PDF downloads, the
QR content verifies at /credentials/verify; an officer revokes it and /credentials/verify says
so, with the date. Every page passes axe-core."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.credentials.models import Credential
from onewindow.identity import services as identity_services
from tests.applications import factories
from tests.credentials.factories import approve_all
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_finds_the_licence_downloads_it_and_anyone_verifies_it_until_revoked(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    founder = citizen(divisions["community"])
    investor = identity_services.register_business(
        founder,
        credit_code=generate_credit_code(random.Random(7), division_code="330106"),
        name="杭州云帆控股有限公司",
        division=divisions["district"],
    )
    agent = citizen(divisions["community"], username="agent")
    identity_services.authorise_agent(investor, by=founder, agent=agent)
    application = factories.file(
        agent, versions[factories.COMPANY], factories.COMPANY_FORM, business=investor
    )
    approve_all(application)  # on commit: the licence is issued
    licence = Credential.objects.get(case_ref=application.ref)
    base = live_server.url
    context = browser.new_context(locale="en-US", accept_downloads=True)
    page = context.new_page()

    _sign_in(page, base, "agent")
    page.get_by_role("link", name="My licences").click()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Business licence").click()
    fields = page.locator("#credential-fields")
    assert "杭州西湖云帆科技有限公司" in fields.inner_text()
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"{licence.number}.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read(5) == b"%PDF-"
    qr_content = page.locator("#qr-content").input_value()
    # The QR is a URL of our verification page (the site's configured public address).
    assert qr_content.startswith(f"{django_settings.ONEWINDOW_PUBLIC_URL}/v/")

    verifier = browser.new_context(locale="en-US").new_page()  # anyone, not signed in
    verifier.goto(f"{base}/credentials/verify/")
    assert serious_violations(verifier) == []
    verifier.get_by_label("QR content or credential").fill(qr_content)
    verifier.get_by_role("button", name="Verify").click()
    verdict = verifier.locator("#verdict")
    assert verdict.get_attribute("data-reason") == "valid"
    assert "Valid" in verdict.inner_text()
    assert "杭州西湖云帆科技有限公司" in verifier.locator("#verified-fields").inner_text()
    assert serious_violations(verifier) == []
    # A phone camera scanning the code opens that URL: the verdict on this licence at once.
    scanner = browser.new_context(locale="zh-CN").new_page()
    scanner.goto(f"{base}{urlsplit(qr_content).path}")
    assert scanner.locator("#verdict").get_attribute("data-reason") == "valid"
    assert licence.number in scanner.locator("#verified-fields").inner_text()
    assert serious_violations(scanner) == []

    officer = _officer_page(browser, base, factories.officer(licence.issuer, "approver"))
    officer.goto(f"{base}/credentials/issued/")
    officer.get_by_role("link", name=licence.number).click()
    assert serious_violations(officer) == []
    officer.locator("label", has_text="Revoke (final)").click()
    officer.get_by_label("Reason").fill("以欺骗手段取得公司登记，依法撤销")
    officer.get_by_role("button", name="Confirm").click()
    officer.get_by_text("Done. The holder has been told").wait_for()
    assert officer.locator("#credential-status").text_content() == "Revoked"

    verifier.goto(f"{base}/credentials/verify/")
    verifier.get_by_label("QR content or credential").fill(qr_content)
    verifier.get_by_role("button", name="Verify").click()
    verdict = verifier.locator("#verdict")
    assert verdict.get_attribute("data-reason") == "revoked"
    today = timezone.localdate().isoformat()
    assert "Revoked" in verdict.inner_text()
    assert f"Since {today}" in verdict.inner_text()
    assert serious_violations(verifier) == []
    context.close()
