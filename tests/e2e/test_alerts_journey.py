"""A public alert in a real browser: an author of the emergency management bureau draws the
area on the map form, a second officer approves, residents of the county see the banner and
the inbox message in Chinese and in English; the update and the cancellation follow. Every
page on the way passes axe-core."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from onewindow.alerts.models import Alert, MessageType, Status
from onewindow.core.models import Division
from tests.alerts import factories
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _compose(page: Any, headline_zh: str, headline_en: str) -> None:
    assert serious_violations(page) == []
    page.get_by_label("Headline (中文)").fill(headline_zh)
    page.get_by_label("Headline (English)").fill(headline_en)
    page.get_by_role("button", name="Submit").click()
    page.locator("[data-testid=alert-status]").wait_for()


def _approve(page: Any, base: str, ref: str) -> None:
    page.goto(f"{base}/alerts/{ref}/")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Approve and send").click()
    page.get_by_text("Approved and sent.").wait_for()
    assert page.locator("[data-testid=delivery-counts]").count() == 1


def test_an_alert_is_drawn_approved_seen_updated_and_cancelled(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    bureau = factories.bureau(divisions)
    citizen(divisions["village"], username="wang-nainai")
    english_reader = citizen(divisions["village"], username="tom")
    english_reader.preferred_language = "en"
    english_reader.save(update_fields=["preferred_language"])
    base = live_server.url
    author = _officer_page(browser, base, factories.author(bureau))
    approver = _officer_page(browser, base, factories.approver(bureau))

    author.goto(f"{base}/alerts/work/new/")
    assert serious_violations(author) == []
    now = timezone.localtime()
    author.get_by_label("Category").select_option("Met")
    author.get_by_label("Urgency").select_option("Expected")
    author.get_by_label("Severity").select_option("Severe")
    author.get_by_label("Certainty").select_option("Likely")
    author.get_by_label("Onset").fill(now.strftime("%Y-%m-%dT%H:%M"))
    author.get_by_label("Expires").fill((now + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"))
    for language, words in {
        "中文": ("台风", "今晚登陆，风力10级。", "请留在室内。", "淳安县王阜乡"),
        "English": ("Typhoon", "Landfall tonight.", "Stay indoors.", "Wangfu, Chun'an"),
    }.items():
        author.get_by_label(f"Event ({language})").fill(words[0])
        author.get_by_label(f"What is happening ({language})").fill(words[1])
        author.get_by_label(f"What people should do ({language})").fill(words[2])
        author.get_by_label(f"Area, in words ({language})").fill(words[3])
    author.get_by_label("Polygon").fill(
        " ".join(f"{lat},{lon}" for lat, lon in factories.AROUND_VILLAGE)
    )
    author.get_by_role("button", name="Show the area on the map").click()
    author.locator("[data-testid=area-map] polygon").wait_for()
    _compose(author, "台风橙色预警", "Orange typhoon warning")
    alert = Alert.objects.get()

    _approve(approver, base, alert.ref)

    chinese_context = browser.new_context(locale="en-US")
    chinese = chinese_context.new_page()
    _sign_in(chinese, base, "wang-nainai")
    chinese_context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": base}]
    )
    chinese.goto(f"{base}/")
    assert "台风橙色预警" in chinese.locator("[data-testid=alert-banner]").text_content()
    assert serious_violations(chinese) == []
    chinese.goto(f"{base}/inbox/")
    assert "【预警】台风橙色预警" in chinese.locator("[data-testid=inbox]").text_content()
    english = browser.new_context(locale="en-US").new_page()
    _sign_in(english, base, "tom")
    banner = english.locator("[data-testid=alert-banner]").text_content()
    assert "Orange typhoon warning" in banner
    english.goto(f"{base}/inbox/")
    assert "[Alert] Orange typhoon warning" in english.locator("[data-testid=inbox]").text_content()
    assert serious_violations(english) == []

    author.goto(f"{base}/alerts/{alert.ref}/")
    author.get_by_role("link", name="Write an update").click()
    _compose(author, "台风红色预警", "Red typhoon warning")
    update = Alert.objects.get(msg_type=MessageType.UPDATE)
    _approve(approver, base, update.ref)
    english.goto(f"{base}/")
    assert (
        "Update: Red typhoon warning"
        in english.locator("[data-testid=alert-banner]").text_content()
    )

    author.goto(f"{base}/alerts/{update.ref}/")
    author.get_by_role("link", name="Cancel this alert").click()
    _compose(author, "台风预警解除", "Typhoon warning lifted")
    cancel = Alert.objects.get(msg_type=MessageType.CANCEL)
    _approve(approver, base, cancel.ref)
    chinese.goto(f"{base}/")
    assert chinese.locator("[data-testid=alert-banner]").count() == 0
    chinese.goto(f"{base}/inbox/")
    assert "【解除】台风预警解除" in chinese.locator("[data-testid=inbox]").text_content()
    chinese.goto(f"{base}/alerts/{alert.ref}/")
    assert chinese.locator("[data-testid=alert-chain] li").count() == 3
    assert serious_violations(chinese) == []
    assert Alert.objects.filter(status=Status.PUBLISHED).count() == 3
