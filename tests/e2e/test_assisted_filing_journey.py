"""Assisted filing in a real browser: a village service-station agent, with the resident at
the station, sends the consent code to the resident's phone, types in what the resident
reads back, and files a social security card application for them. The resident then
signs in at home and finds the application, with who filed it, and the consent under
"account security". Every page on the way passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.applications.models import Application
from onewindow.core.models import Division
from onewindow.identity import sms
from onewindow.identity.models import AgentConsent
from tests.applications import factories
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen, last_sms_code, resident_id
from tests.identity.test_assisted_filing import agent  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_village_agent_files_for_a_resident_after_the_residents_code(
    browser: Any,
    live_server: Any,
    divisions: dict[str, Division],
    agent: Any,  # noqa: F811
) -> None:
    factories.departments(divisions)
    factories.catalogue()
    number = resident_id(division_code="330127")
    resident = citizen(divisions["village"], username="grandma", id_number=number)
    base = live_server.url
    sms.outbox.clear()

    station = _officer_page(browser, base, agent)  # TOTP already confirmed
    station.goto(f"{base}/account/assist/")
    assert serious_violations(station) == []
    station.get_by_label("Resident's ID number").fill(number)
    station.get_by_role("button", name="Ask for consent").click()
    station.get_by_label("Code the resident received by SMS").wait_for()
    assert serious_violations(station) == []
    code = last_sms_code()
    station.get_by_label("Code the resident received by SMS").fill(code)
    station.get_by_role("button", name="Record consent").click()
    banner = station.get_by_test_id("acting-for")
    banner.wait_for()
    assert "Filed by agent 何建国 for resident 王**" in banner.inner_text()

    station.goto(f"{base}/services/{factories.SOCIAL_SECURITY_CARD}/")
    station.get_by_role("link", name="Apply online").click()
    station.get_by_text("You are filing for 王**").wait_for()  # the form page, not the guide
    station.get_by_label("Bank for the card's financial account").select_option("icbc")
    station.get_by_label("Recent passport-style photo").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": factories.PNG}
    )
    assert serious_violations(station) == []
    station.get_by_role("button", name="Submit the application").click()
    station.get_by_text("submitted").first.wait_for()
    application = Application.objects.get()
    assert (application.applicant, application.filed_by) == (resident, agent)
    assert application.channel == "village_agent"
    assert "何建国" in station.get_by_test_id("filed-by").inner_text()
    assert serious_violations(station) == []
    station.context.close()

    context = browser.new_context(locale="en-US")
    home = context.new_page()
    _sign_in(home, base, "grandma")
    home.goto(f"{base}/applications/")
    row = home.get_by_role("row").filter(has_text=application.ref)
    assert "filed by 何建国" in row.inner_text()
    assert serious_violations(home) == []
    row.get_by_role("link", name=application.ref).click()
    filed_by = home.get_by_test_id("filed-by").inner_text()
    assert "Village service-station agent 何建国" in filed_by
    assert "with their consent" in filed_by
    assert "by 何建国 for the applicant" in home.content()  # the record of every step
    assert serious_violations(home) == []
    home.goto(f"{base}/account/security/")
    consents = home.locator("#agent-consents").inner_text()
    assert "何建国" in consents
    assert "One-time code" in consents
    assert serious_violations(home) == []
    assert AgentConsent.objects.get(agent=agent, resident=resident).is_valid
    context.close()
