"""The service assistant in a real browser, under the site's CSP: a resident asks in Chinese,
follows up, and applies from the answer; another asks something no guide may answer and
lands on the hotline's form with the question filled in. axe-core finds nothing serious in
either language, nor in elder mode."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from onewindow.core.models import Division
from tests.applications import factories
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MARRIAGE = "330000-CA-HY-001"


def _ask(page: Any, label: str, question: str, button: str) -> None:
    page.get_by_label(label).fill(question)
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_test_id("assistant-answer").wait_for()


def test_a_resident_asks_in_chinese_follows_up_and_applies_and_another_is_handed_over(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    factories.world(divisions)
    resident = citizen(divisions["community"], username="wang-ayi")
    base = live_server.url

    # In Chinese, signed in: the answer names its guide and quotes it.
    chinese = _signed_in(browser, base, resident, "zh-CN")
    page = chinese.new_page()
    page.goto(f"{base}/assistant/")
    assert serious_violations(page) == []
    _ask(page, "您的问题", "我们俩想去领结婚证，怎么办", "提问")
    assert page.get_by_test_id("answer-service").inner_text() == "内地居民结婚登记"
    assert MARRIAGE in page.get_by_test_id("answer-source").inner_text()
    assert page.locator("[data-testid=answer-passages] blockquote").count() >= 1
    assert serious_violations(page) == []

    # A follow-up keeps the service and answers what it asks: the materials.
    _ask(page, "就这个事项继续提问", "要带什么材料？", "提问")
    assert page.get_by_test_id("follow-up-note").is_visible()
    assert page.get_by_test_id("answer-service").inner_text() == "内地居民结婚登记"
    assert page.get_by_text("材料清单", exact=True).is_visible()

    # Elder mode: short answers, large buttons, still clean.
    page.get_by_test_id("elder-toggle").click()
    page.wait_for_load_state()
    page.goto(f"{base}/assistant/")
    _ask(page, "您的问题", "结婚登记", "提问")
    assert "usa-button--big" in (page.get_by_test_id("answer-apply").get_attribute("class") or "")
    assert page.locator("[data-testid=answer-passages] blockquote").count() <= 3
    assert serious_violations(page) == []

    # Apply from the answer: the application form of that service.
    page.get_by_test_id("answer-apply").click()
    page.wait_for_url(f"{base}/applications/new/{MARRIAGE}/")
    assert "内地居民结婚登记" in page.locator("h1").inner_text()
    chinese.close()

    # In English, not signed in, out of scope: no answer, the hotline's form filled in.
    english = browser.new_context(locale="en-US")
    page = english.new_page()
    page.goto(f"{base}/")
    page.get_by_label("Your question, in your own words").fill(
        "<b>My head hurts</b>, what medicine should I take?"
    )
    page.get_by_test_id("home-ask").click()
    page.get_by_test_id("answer-refused").wait_for()
    assert serious_violations(page) == []
    page.get_by_test_id("answer-hotline").click()
    page.wait_for_url("**/hotline/new/**")
    assert page.get_by_label("What happened?").input_value() == (
        "<b>My head hurts</b>, what medicine should I take?"
    )
    assert page.locator("input[value=consultation]").is_checked()
    english.close()


def _signed_in(browser: Any, base: str, user: Any, locale: str) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale=locale)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.session.session_key, "url": base}]
    )
    return context
