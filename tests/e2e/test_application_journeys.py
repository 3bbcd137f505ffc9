"""Applications end to end in a real browser: a company founded through one window, and a
birth registration that needs supplements. Every page on the way passes axe-core."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.applications.models import Application, ApplicationStatus
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.identity import services as identity_services
from onewindow.identity.models import User
from tests.applications import factories
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import PASSWORD, citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Account name, mobile number or resident ID number").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").last.click()
    page.wait_for_url(f"{base}/")


def _officer_page(browser: Any, base: str, officer: User) -> Any:
    """A browser signed in as an officer whose second factor is already confirmed."""
    client = Client()
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=officer).persistent_id
    session.save()
    context = browser.new_context(locale="en-US")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}]
    )
    return context.new_page()


def _claim_and_approve(page: Any, base: str, ref: str, *, check_axe: bool = False) -> None:
    page.goto(f"{base}/applications/work/")
    if check_axe:
        assert serious_violations(page) == []
    page.get_by_role("link", name=ref).click()
    page.get_by_role("button", name="Claim this step").click()
    if check_axe:
        assert serious_violations(page) == []
    page.get_by_role("button", name="Approve this step").click()
    page.get_by_text("Approved.").wait_for()


def test_business_agent_founds_a_company_and_five_departments_approve_in_parallel(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    factories.catalogue()
    founder = citizen(divisions["community"])
    business = identity_services.register_business(
        founder,
        credit_code=generate_credit_code(random.Random(5), division_code="330106"),
        name="杭州云帆控股有限公司",
        division=divisions["district"],
    )
    agent = citizen(divisions["community"], username="agent")
    identity_services.authorise_agent(business, by=founder, agent=agent)
    base = live_server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()

    _sign_in(page, base, "agent")
    page.goto(f"{base}/services/?q=start+a+company")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Company establishment", exact=False).first.click()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Apply online").click()
    page.get_by_label("Company name").fill("杭州云帆数字科技有限公司")
    page.get_by_label("Registered capital (10,000 yuan)").fill("500")
    page.get_by_role("textbox", name="Business scope").fill("软件开发；数据处理服务")
    page.get_by_role("textbox", name="Registered address").fill("杭州市西湖区文三路 90 号")
    page.get_by_label("Employees at start").fill("8")
    page.get_by_label("Physical seals to engrave").fill("3")
    page.get_by_label("Articles of association").set_input_files(
        {"name": "articles.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}
    )
    page.get_by_label("Proof of the registered address").set_input_files(
        {"name": "lease.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}
    )
    page.get_by_label("Apply for").select_option(label=business.name)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("submitted").first.wait_for()
    application = Application.objects.get()
    assert application.business == business
    assert application.steps.count() == 5
    assert serious_violations(page) == []

    for number, step in enumerate(application.steps.order_by("pk")):
        officer = factories.officer(step.department)
        officer_page = _officer_page(browser, base, officer)
        _claim_and_approve(officer_page, base, application.ref, check_axe=number == 0)
        officer_page.context.close()

    page.goto(f"{base}/applications/{application.ref}/")
    assert page.locator("#application-status").text_content() == "Approved"
    timeline = page.get_by_role("list", name="Progress")
    assert timeline.get_by_text("Approved").count() == 5
    assert page.get_by_text("recorded in the ledger at index").count() >= 6
    assert serious_violations(page) == []
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    context.close()


def test_birth_registration_supplements_two_items_then_is_approved(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    factories.catalogue()
    parent = citizen(divisions["community"], username="mother")
    base = live_server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    _sign_in(page, base, "mother")

    page.goto(f"{base}/services/330000-PSB-HJ-001/")
    page.get_by_role("link", name="Apply online").click()
    page.get_by_label("Baby's name").fill("王小宝")
    page.get_by_label("Baby's sex").select_option("female")
    page.get_by_label("Date of birth").fill("2026-11-01")
    page.get_by_label("Birth medical certificate number").fill("Q330012345")
    page.get_by_label("Register into the household of").select_option("mother")
    page.get_by_label("Household register (head and own pages)").set_input_files(
        {"name": "register.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}
    )
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("submitted").first.wait_for()
    application = Application.objects.get(applicant=parent)
    review = application.steps.get()

    reviewer = factories.officer(review.department)
    officer_page = _officer_page(browser, base, reviewer)
    officer_page.goto(f"{base}/applications/work/steps/{review.pk}/")
    officer_page.get_by_role("button", name="Claim this step").click()
    officer_page.get_by_label("Household register (head and own pages)").fill(
        "The head-of-household page is missing."
    )
    officer_page.get_by_label("Anything else missing or wrong").fill(
        "The certificate number does not match the hospital's record."
    )
    assert serious_violations(officer_page) == []
    officer_page.get_by_role("button", name="Send the request").click()
    officer_page.locator(".usa-alert", has_text="Supplements requested").wait_for()

    page.goto(f"{base}/applications/{application.ref}/")
    items = page.locator("#supplement-items li")
    assert items.count() == 2
    assert serious_violations(page) == []
    page.get_by_label("New file for “Household register (head and own pages)”").set_input_files(
        {"name": "register-full.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}
    )
    page.get_by_label("Your answer").fill("Full register attached; the number is Q330012346.")
    page.get_by_role("button", name="Send the supplements").click()
    page.get_by_text("the departments have your supplements").wait_for()

    officer_page.goto(f"{base}/applications/work/steps/{review.pk}/")
    officer_page.get_by_role("button", name="Approve this step").click()
    officer_page.get_by_text("Approved.").wait_for()
    officer_page.context.close()
    final = application.steps.get(key="approve")
    approver_page = _officer_page(browser, base, factories.officer(final.department, "approver"))
    _claim_and_approve(approver_page, base, application.ref)
    approver_page.context.close()

    page.goto(f"{base}/applications/{application.ref}/")
    assert page.locator("#application-status").text_content() == "Approved"
    context.close()
