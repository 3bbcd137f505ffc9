"""An enterprise investment project end to end in a real browser: a business applies, gets its
project code when the development and reform commission accepts it, eight departments give
their opinions, the applicant reads each of them in English and in Chinese, the approval
reply lands in the wallet and verifies at /credentials/verify/, and anyone reads the project's
stages on its public page. Every page on the way passes axe-core."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from onewindow.applications import services
from onewindow.applications.models import Application, ApplicationStatus
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.identity import services as identity_services
from tests.applications import factories
from tests.e2e.test_application_journeys import _claim_and_approve, _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPINIONS = {
    "land": "符合国土空间规划，同意用地预审。",
    "planning": "选址符合控制性详细规划。",
    "environment": "环评结论可行。",
    "safety": "安全预评价通过。",
    "traffic": "交通组织方案可行。",
    "fire": "消防设计符合规范。",
    "city_management": "同意市政接入方案。",
    "health": "卫生学评价合格。",
}


def test_business_gets_its_project_code_reads_every_opinion_and_the_reply_verifies(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    factories.catalogue()
    founder = citizen(divisions["community"], username="founder")
    company = identity_services.register_business(
        founder,
        credit_code=generate_credit_code(random.Random(21), division_code="330106"),
        name="杭州西湖智造有限公司",
        division=divisions["district"],
    )
    base = live_server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()

    _sign_in(page, base, "founder")
    page.goto(f"{base}/applications/new/{factories.INVESTMENT}/")
    applying_for = page.locator("#applying-for")
    assert applying_for.get_by_label("Apply for").input_value() == str(company.pk)
    page.get_by_label("Project name").fill("西湖智能制造产业园")
    page.get_by_label("Total investment (10,000 yuan)").fill("52000")
    page.get_by_role("textbox", name=re.compile("^Site")).fill("杭州市西湖区三墩镇")
    page.get_by_role("textbox", name="What will be built").fill("新建厂房 12 万平方米")
    page.get_by_label("Industry").select_option("manufacturing")
    page.get_by_label("Project application report").set_input_files(
        {"name": "report.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}
    )
    page.get_by_label("Site plan").set_input_files(
        {"name": "site.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}
    )
    assert serious_violations(page) == []
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("submitted").first.wait_for()
    application = Application.objects.get()
    assert application.business == company

    acceptance = application.steps.get(key="acceptance")
    officer = _officer_page(browser, base, factories.officer(acceptance.department))
    _claim_and_approve(officer, base, application.ref)
    officer.context.close()
    application.refresh_from_db()
    code = application.project_code
    assert re.fullmatch(r"\d{4}-330106-13-02-000001", code)
    page.goto(f"{base}/applications/{application.ref}/")
    assert page.get_by_test_id("project-code").text_content() == code

    for step in application.steps.filter(status="open"):
        holder = factories.officer(step.department, step.role)
        step = services.claim_step(holder, step, version=step.version)
        services.approve_step(holder, step, version=step.version, note=OPINIONS[step.key])
    decision = application.steps.get(key="decision")
    approver = factories.officer(decision.department, "approver")
    decision = services.claim_step(approver, decision, version=decision.version)
    services.approve_step(approver, decision, version=decision.version, note="同意核准。")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED

    page.goto(f"{base}/applications/{application.ref}/")
    opinions = page.locator("#opinions")
    for key, text in OPINIONS.items():
        row = opinions.get_by_test_id(f"opinion-{key}")
        assert text in row.inner_text()
        assert "approved" in row.inner_text().lower()
    land = application.steps.get(key="land").department
    assert land.name_en in opinions.get_by_test_id("opinion-land").inner_text()
    assert serious_violations(page) == []
    page.get_by_role("button", name="简体中文").click()  # the switch on every page
    page.wait_for_load_state()
    opinions = page.locator("#opinions")
    assert land.name_zh in opinions.get_by_test_id("opinion-land").inner_text()
    assert OPINIONS["land"] in opinions.get_by_test_id("opinion-land").inner_text()
    assert "各部门意见" in page.content()
    assert serious_violations(page) == []
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()

    page.goto(f"{base}/credentials/wallet/")
    page.get_by_role("link", name="Investment project approval").click()
    assert code in page.locator("#credential-fields").inner_text()
    assert serious_violations(page) == []
    qr_content = page.locator("#qr-content").input_value()
    verifier = browser.new_context(locale="en-US").new_page()  # anyone, not signed in
    verifier.goto(f"{base}/verify/")
    verifier.get_by_label("QR content or credential").fill(qr_content)
    verifier.get_by_role("button", name="Verify").click()
    assert verifier.locator("#verdict").get_attribute("data-reason") == "valid"
    assert code in verifier.locator("#verified-fields").inner_text()
    assert serious_violations(verifier) == []

    verifier.goto(f"{base}/applications/projects/")
    assert serious_violations(verifier) == []
    verifier.get_by_label("Project code").fill(code)
    verifier.get_by_role("button", name="Find the project").click()
    verifier.wait_for_url(f"{base}/applications/projects/{code}/")
    stages = verifier.get_by_role("list", name="Approval stages")
    assert stages.get_by_role("heading").count() == 10
    assert stages.get_by_text("Approved").count() == 10
    assert "杭州西湖智造有限公司" in verifier.content()
    assert serious_violations(verifier) == []
    context.close()
