"""Once-only in a real browser: a citizen applies for a social security card whose identity
record is fetched from public security, the officer sees it verified, and the citizen finds
that access, with its purpose, under "who read my data". Every page passes axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.applications.models import Application, FetchStatus
from onewindow.core.models import Division
from onewindow.exchange import services as exchange
from onewindow.exchange.models import DataService
from onewindow.exchange.seed import seed_data_services
from tests.applications import factories
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen, resident_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_applies_with_a_fetched_household_record_and_sees_who_read_it(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    departments = factories.departments(divisions)
    factories.catalogue()
    seed_data_services()
    household = DataService.objects.get(code="public_security.household_registration")
    number = resident_id()
    citizen(divisions["community"], username="resident", id_number=number)
    exchange.load_records(
        household,
        [
            (
                number,
                {
                    "name": "王小明",
                    "sex": "male",
                    "birth_date": "1985-06-15",
                    "household_division": "330106001001",
                    "household_head": "王大明",
                },
            )
        ],
    )
    bureau = departments["330100-human_resources"]
    grant = exchange.request_grant(
        factories.officer(bureau),
        household,
        purpose=factories.SOCIAL_SECURITY_CARD,
        fields=["name", "household_division"],
    )
    exchange.approve_grant(
        factories.officer(household.provider, "data_steward"),
        grant,
        fields=["name", "household_division"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    base = live_server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()

    _sign_in(page, base, "resident")
    page.goto(f"{base}/services/{factories.SOCIAL_SECURITY_CARD}/")
    page.get_by_role("link", name="Apply online").click()
    fetched_section = page.locator("#fetched-for-you")
    assert "Household registration lookup" in fetched_section.inner_text()
    assert household.provider.name_en in fetched_section.inner_text()
    page.get_by_label("Bank for the card's financial account").select_option("icbc")
    page.get_by_label("Recent passport-style photo").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": factories.PNG}
    )
    page.get_by_role("button", name="Submit the application").click()
    # Not confirmed: nothing is filed, and the page says what to do.
    page.get_by_text("Confirm that the platform may fetch").first.wait_for()
    assert not Application.objects.exists()
    assert serious_violations(page) == []
    page.locator("label[for=id_fetch_consent]").click()  # USWDS styles the label as the box
    page.get_by_role("button", name="Submit the application").click()
    page.get_by_text("submitted").first.wait_for()
    application = Application.objects.get()
    assert application.fetched_materials.get().status == FetchStatus.FETCHED
    assert "Verified at the source" in page.content()
    assert serious_violations(page) == []

    officer_page = _officer_page(browser, base, factories.officer(bureau))
    officer_page.goto(f"{base}/applications/work/")
    officer_page.get_by_role("link", name=application.ref).click()
    verified = officer_page.locator("section.ow-fetched--fetched").text_content() or ""
    assert "Verified at the source" in verified
    assert "王小明" in verified
    assert "330106001001" in verified
    assert serious_violations(officer_page) == []
    officer_page.context.close()

    page.goto(f"{base}/my-data/")
    row = page.locator("#data-accesses tbody tr.ow-access--exchange_fetch").first
    text = row.inner_text()
    assert bureau.name_en in text
    assert "Social security card application" in text  # the purpose, by name
    assert application.ref in text
    assert serious_violations(page) == []
    context.close()
