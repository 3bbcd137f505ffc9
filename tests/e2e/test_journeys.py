"""The citizen's first visit, in a real browser, checked by axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from onewindow.core.models import Division
from tests.identity import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

axe = Axe()


def serious_violations(page: Any) -> list[str]:
    results = axe.run(page)
    return [
        f"{violation['id']}: {violation['help']} at {[n['target'] for n in violation['nodes']]}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def test_citizen_signs_in_switches_language_and_elder_mode_and_pages_pass_axe(
    page: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    citizen = factories.citizen(divisions["street"], username="xiaoming")
    base = live_server.url

    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert serious_violations(page) == []

    page.goto(f"{base}/account/register/")
    assert serious_violations(page) == []

    page.goto(f"{base}/account/sign-in/")
    assert serious_violations(page) == []
    page.get_by_label("Account name, mobile number or resident ID number").fill(citizen.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").last.click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("heading", name="My applications").is_visible()

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="我的办件").is_visible()
    assert serious_violations(page) == []

    page.get_by_test_id("elder-toggle").click()
    page.wait_for_load_state()
    assert "elder-mode" in (page.locator("html").get_attribute("class") or "")
    font_size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert float(font_size.removesuffix("px")) >= 20
    assert serious_violations(page) == []

    page.goto(f"{base}/account/profile/")
    assert citizen.masked_id_number in page.content()
    assert serious_violations(page) == []

    # Both choices were remembered on the account, not only in this browser.
    citizen.refresh_from_db()
    assert citizen.preferred_language == "zh-hans"
    assert citizen.prefers_elder_mode


def test_registration_errors_are_announced_and_accessible(
    page: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    page.goto(f"{live_server.url}/account/register/")
    page.get_by_label("Resident ID number").fill("110105194912310021")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()

    assert page.locator(".usa-error-message").count() >= 1
    assert page.get_by_label("Resident ID number").input_value() == "110105194912310021"
    assert serious_violations(page) == []
