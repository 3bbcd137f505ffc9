"""The paper result in a real browser: a citizen asks for post on the form (no script needed
to show the address), the hall posts it, the citizen follows it; a pickup is handed over
with the code. Every page on the way passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import Application, Delivery
from onewindow.core.models import Division
from tests.applications import factories
from tests.applications.test_delivery import CARD_FORM, _approve
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_result_is_posted_and_another_handed_over_at_the_hall(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    departments = factories.departments(divisions)
    versions = factories.catalogue()
    applicant = citizen(divisions["community"], username="applicant")
    clerk = factories.officer(departments["330106-market_supervision"], "window_clerk")
    base = live_server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()

    _sign_in(page, base, "applicant")
    page.goto(f"{base}/applications/new/{factories.SOCIAL_SECURITY_CARD}/")
    assert serious_violations(page) == []
    page.get_by_label("Bank for the card's financial account").select_option("icbc")
    page.get_by_label("Recent passport-style photo").set_input_files(
        files=[{"name": "photo.pdf", "mimeType": "application/pdf", "buffer": factories.PDF}]
    )
    # One postal address, shown only once delivery by post is chosen.
    assert page.get_by_label("Postal address (if posted)").count() == 0
    page.get_by_label("How to receive the result").select_option("electronic")
    assert page.locator("#postal-address").is_hidden()
    page.get_by_label("How to receive the result").select_option("post")
    assert page.locator("#postal-address").is_visible()
    page.get_by_label("Road, number, building and room").fill("文三路 90 号 3 幢 201 室")
    page.get_by_label("Postal code").fill("31001")
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("A postal code has 6 digits.").first.wait_for()
    assert serious_violations(page) == []
    page.get_by_label("Postal code").fill("310012")
    page.get_by_label("Township or street").select_option(label="Beishan Subdistrict")
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("submitted").first.wait_for()
    application = _approve(Application.objects.get(applicant=applicant))

    clerk_page = _officer_page(browser, base, clerk)
    clerk_page.goto(f"{base}/applications/work/deliveries/")
    assert serious_violations(clerk_page) == []
    clerk_page.get_by_role("link", name=application.ref).click()
    assert serious_violations(clerk_page) == []
    clerk_page.get_by_role("link", name="Show the full address").click()
    clerk_page.get_by_text("文三路 90 号 3 幢 201 室").wait_for()
    clerk_page.get_by_label("Carrier").select_option("ems")
    clerk_page.get_by_label("Tracking number").fill("EA123456789CN")
    clerk_page.get_by_role("button", name="Record as posted").click()
    clerk_page.get_by_text("Recorded as posted").wait_for()

    page.goto(f"{base}/applications/{application.ref}/")
    assert serious_violations(page) == []
    assert "EA123456789CN" in page.locator("#delivery-tracking").inner_text()
    assert page.locator("#delivery-status").text_content() == "Posted"
    assert "文三路 90" not in page.content()  # masked for everyone but the waybill's writer

    pickup = _approve(
        factories.file(
            applicant, versions[factories.SOCIAL_SECURITY_CARD], CARD_FORM, delivery="pickup"
        )
    )
    page.goto(f"{base}/applications/{pickup.ref}/")
    code = page.locator("#pickup-code").inner_text()
    assert code == paper_delivery.pickup_code_of(Delivery.objects.get(application=pickup))
    clerk_page.goto(f"{base}/applications/work/deliveries/?view=pickup")
    clerk_page.get_by_role("link", name=pickup.ref).click()
    clerk_page.get_by_label("Pickup code the applicant presents").fill("00000000")
    clerk_page.get_by_role("button", name="Hand over").click()
    clerk_page.get_by_text("not the pickup code").first.wait_for()
    assert serious_violations(clerk_page) == []
    clerk_page.get_by_label("Pickup code the applicant presents").fill(code)
    clerk_page.get_by_role("button", name="Hand over").click()
    clerk_page.get_by_text("Handed over; the applicant has been told.").wait_for()
    assert Delivery.objects.get(application=pickup).status == "handed_over"
    context.close()
