"""A health and travel code in a real browser: a resident (in Chinese) gets their code and
sees its QR; an approver of the health department (in English) marks them yellow with a
reason; the resident's page shows the new colour, a checkpoint scanning the old QR (the /v/
address a phone camera opens, and the same address pasted into /verify/) sees it revoked and
the new one valid, and the resident finds the department's read on "who read my data".
Every page on the way passes axe-core."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from onewindow.alerts import health_codes
from onewindow.core.models import Division
from onewindow.credentials import services as credentials
from onewindow.identity.models import Department, DepartmentKind
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import citizen, officer, resident_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scan(page: Any, base: str, qr: str) -> str:
    """What a phone camera does with the QR: open the address it holds (on this server)."""
    page.goto(base + urlsplit(qr).path)
    assert serious_violations(page) == []
    return str(page.locator("#verdict").get_attribute("data-reason"))


def _paste(page: Any, base: str, qr: str) -> str:
    """What a checkpoint's scanner does at /verify/: paste the QR's content."""
    page.goto(f"{base}/verify/")
    page.get_by_label("QR content or credential").fill(qr)
    page.get_by_role("button", name="Verify").click()
    page.locator("#verdict").wait_for()
    assert serious_violations(page) == []
    return str(page.locator("#verdict").get_attribute("data-reason"))


def test_a_code_is_shown_recoloured_revoked_at_a_checkpoint_and_the_read_is_seen(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    health = Department.objects.create(
        code="330100-health",
        name_zh="杭州市卫生健康委员会",
        name_en="Hangzhou Health Commission",
        kind=DepartmentKind.HEALTH,
        division=divisions["city"],
    )
    resident = citizen(divisions["village"], username="wang-nainai", id_number=resident_id())
    base = live_server.url

    context = browser.new_context(locale="en-US")
    mine = context.new_page()
    _sign_in(mine, base, "wang-nainai")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": base}])
    mine.goto(f"{base}/alerts/health-code/")
    assert serious_violations(mine) == []
    mine.get_by_role("button", name="领取我的码").click()
    mine.locator("#health-colour").wait_for()
    assert mine.locator("#health-colour").get_attribute("data-colour") == "green"
    assert mine.locator("#health-colour").text_content() == "绿码"
    assert mine.locator("figure.ow-qr svg").is_visible()
    assert serious_violations(mine) == []
    old = health_codes.current_code(resident)
    assert old is not None
    assert old.number in mine.locator("main").text_content()
    old_qr = credentials.qr_url(old)

    checkpoint = browser.new_context(locale="en-US").new_page()
    assert _scan(checkpoint, base, old_qr) == "valid"

    approver = _officer_page(browser, base, officer(health, roles=("approver",)))
    approver.goto(f"{base}/alerts/health-codes/")
    assert serious_violations(approver) == []
    approver.get_by_label("Resident ID number").fill(resident.plain_id_number())
    approver.get_by_label("Code colour").select_option("yellow")
    approver.get_by_label("Reason (kept by the department, never shown to checkpoints)").fill(
        "Close contact of a confirmed case"
    )
    approver.get_by_role("button", name="Set the colour").click()
    approver.get_by_text("The previous code is revoked.").wait_for()
    assert serious_violations(approver) == []

    mine.goto(f"{base}/alerts/health-code/")
    assert mine.locator("#health-colour").get_attribute("data-colour") == "yellow"
    assert mine.locator("#health-colour").text_content() == "黄码"
    new = health_codes.current_code(resident)
    assert new is not None
    assert new.pk != old.pk
    assert new.number in mine.locator("main").text_content()
    assert serious_violations(mine) == []

    assert _scan(checkpoint, base, old_qr) == "revoked"
    assert _paste(checkpoint, base, old_qr) == "revoked"
    verdict = checkpoint.locator("#verdict").text_content()
    assert "Revoked" in verdict
    assert "Close contact" not in checkpoint.content()  # the reason stays with the department
    assert _paste(checkpoint, base, credentials.qr_url(new)) == "valid"
    assert "Yellow" in checkpoint.locator("#verified-fields").text_content()

    mine.goto(f"{base}/my-data/")
    accesses = mine.locator("#data-accesses").text_content()
    assert "健康通行码码色，由卫生健康部门设定" in accesses
    assert "杭州市卫生健康委员会" in accesses
    assert new.number in accesses
    assert serious_violations(mine) == []
