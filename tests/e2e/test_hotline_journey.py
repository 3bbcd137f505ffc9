"""The citizen hotline in a real browser: an agent records a call, it routes to the
district's urban management, the department answers, the reporter is dissatisfied and the
case reopens, the second answer satisfies. Every page on the way passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.core import personal_data
from onewindow.core.models import Division
from onewindow.grievances.models import Case, CaseStatus
from onewindow.identity.models import MOBILE_CONTEXT
from tests.e2e.test_application_journeys import _officer_page, _sign_in
from tests.e2e.test_journeys import serious_violations
from tests.grievances import factories
from tests.identity.factories import citizen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page: Any, base: str, ref: str, reply: str) -> None:
    page.goto(f"{base}/hotline/work/")
    page.get_by_role("link", name=ref).click()
    if page.get_by_role("button", name="Accept the case").count():
        page.get_by_role("button", name="Accept the case").click()
        page.get_by_text("Done.").wait_for()
    page.get_by_label("Public answer").fill(reply)
    page.get_by_role("button", name="Send the answer").click()
    page.get_by_text("Done.").wait_for()


def _rate(page: Any, base: str, ref: str, level: str) -> None:
    page.goto(f"{base}/hotline/mine/")
    page.get_by_role("link", name=ref).click()
    assert serious_violations(page) == []
    page.locator("label.usa-radio__label", has_text=level).first.click()
    page.get_by_role("button", name="Send my rating").click()
    page.get_by_text("Thank you: your rating is recorded.").wait_for()


def test_a_call_is_routed_answered_reopened_once_and_closed_satisfied(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    world = factories.world(divisions)
    resident = citizen(divisions["community"], username="zhang-ayi")
    mobile = personal_data.decrypt(resident.mobile_encrypted, context=MOBILE_CONTEXT)
    base = live_server.url

    agent = _officer_page(browser, base, world.agent)
    agent.goto(f"{base}/hotline/console/")
    assert serious_violations(agent) == []
    agent.get_by_label("Caller's name").fill("张阿姨")
    agent.get_by_label("Callback number").fill(mobile)
    agent.get_by_label("What happened?").fill(factories.STREET_LIGHT)
    agent.get_by_label("Where is it?").select_option("330106001001")
    agent.get_by_role("button", name="Record the case").click()
    agent.get_by_text("recorded and sent to Xihu Urban Management Bureau").wait_for()
    assert serious_violations(agent) == []
    case = Case.objects.get()
    assert case.department == world.district_city

    department = _officer_page(browser, base, world.district_officer)
    _answer(department, base, case.ref, "已派人检查，灯泡已更换。")

    reporter = browser.new_context(locale="en-US").new_page()
    _sign_in(reporter, base, "zhang-ayi")
    _rate(reporter, base, case.ref, "Very dissatisfied")
    assert reporter.locator("[data-testid=case-status]").text_content() == "With the department"
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED
    assert case.reopen_count == 1

    _answer(department, base, case.ref, "线路故障已修复，路灯已连续三晚正常亮灯。")
    _rate(reporter, base, case.ref, "Very satisfied")
    assert reporter.locator("[data-testid=case-status]").text_content() == "Closed"
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.ratings.count() == 2

    reporter.goto(f"{base}/hotline/wall/?q=路灯")
    assert serious_violations(reporter) == []
    reporter.get_by_text("线路故障已修复").wait_for()
