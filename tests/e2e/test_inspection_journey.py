"""An inspector completes a drawn inspection on a 390 px phone: checklist, a finding on a
check, a photo, the business's signature, the result published; in English and in Chinese,
every page axe-clean and nothing wider than the screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.supervision.models import Inspection, InspectionStatus
from tests.e2e.test_journeys import serious_violations
from tests.supervision import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WORDS = {
    "en-US": {
        "passed": "Passed",
        "save": "Save the checklist",
        "check": "Check",
        "minor": "Minor",
        "what": "What was found",
        "record": "Record the finding",
        "photo": "Photo (JPEG, PNG or WebP, at most 5 MB)",
        "upload": "Upload the photo",
        "on_site": "On site",
        "signed": "Signed the record",
        "who": "Who signed",
        "complete": "Complete",
        "publish": "Publish the result",
        "published": "Result published",
        "saved": "Checklist saved.",
        "refused": "A finding must name the check of this inspection's checklist it breaks.",
    },
}


def _chinese() -> dict[str, str]:
    """The same words as the Chinese pages show them: supervision's own (context
    "supervision") where it has them, else whichever catalogue translates them."""

    def shown(text: str) -> str:
        own = translation.pgettext("supervision", text)
        return own if own != text else translation.gettext(text)

    with translation.override("zh-hans"):
        return {key: shown(text) for key, text in WORDS["en-US"].items()}


def _label(scope: Any, text: str) -> Any:
    """The label reading exactly `text` (合格 is inside 不合格)."""
    return scope.locator("label").filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$"))


def _phone_of(browser: Any, base: str, officer: User, locale: str) -> Any:
    client = Client()
    client.force_login(officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=officer).persistent_id
    session.save()
    context = browser.new_context(locale=locale, viewport=PHONE)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}]
    )
    return context.new_page()


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _inspect(page: Any, base: str, inspection: Inspection, words: dict[str, str]) -> None:
    page.goto(f"{base}/supervision/inspections/")
    assert serious_violations(page) == []
    page.get_by_role("link", name=inspection.ref).click()
    assert serious_violations(page) == []
    assert _fits(page)
    for check in page.locator("fieldset").filter(has=page.locator("legend")).all()[:3]:
        _label(check, words["passed"]).click()
    page.get_by_role("button", name=words["save"]).click()
    page.get_by_text(words["saved"]).wait_for()

    # A finding without its check is refused where the inspector sees it.
    page.get_by_label(words["what"]).fill("冷藏柜温度 9℃，超过 8℃")
    _label(page, words["minor"]).click()
    page.get_by_role("button", name=words["record"]).click()
    page.locator(".usa-error-message", has_text=words["refused"]).wait_for()
    assert serious_violations(page) == []

    page.get_by_label(words["check"]).select_option(index=3)
    page.get_by_label(words["what"]).fill("冷藏柜温度 9℃，超过 8℃")
    _label(page, words["minor"]).click()
    page.get_by_role("button", name=words["record"]).click()
    page.get_by_text("冷藏柜温度 9℃，超过 8℃").first.wait_for()
    page.get_by_label(words["photo"]).set_input_files(
        {"name": "fridge.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name=words["upload"]).click()
    _label(page, words["on_site"]).click()
    _label(page, words["signed"]).click()
    page.get_by_label(words["who"]).fill("张店长")
    page.get_by_role("button", name=words["complete"], exact=True).click()
    page.get_by_role("button", name=words["publish"]).click()
    page.locator("[data-testid=inspection-status]", has_text=words["published"]).wait_for()
    assert serious_violations(page) == []
    assert _fits(page)


def test_an_inspector_completes_an_inspection_on_a_phone_in_both_languages(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    world = factories.world(divisions)
    plan = factories.drawn_plan(world)
    base = live_server.url
    visits = list(Inspection.objects.filter(plan=plan).order_by("position"))

    for inspection, locale in zip(visits[:2], ("en-US", "zh-CN"), strict=True):
        inspector = inspection.inspectors.first()
        assert inspector is not None
        phone = _phone_of(browser, base, inspector.user, locale)
        _inspect(phone, base, inspection, WORDS[locale] if locale in WORDS else _chinese())
        inspection.refresh_from_db()
        assert inspection.status == InspectionStatus.PUBLISHED
        assert inspection.findings.count() == 1
        assert inspection.photos.count() == 1
        phone.context.close()

    public = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    public.goto(f"{base}/supervision/plans/{plan.ref}/")
    assert serious_violations(public) == []
    assert visits[0].ref in public.content()
    public.goto(f"{base}/supervision/algorithm/")
    assert serious_violations(public) == []
    public.context.close()
