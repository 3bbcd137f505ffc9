"""A field study in a real browser: an analyst designs it (counties, questionnaire, seed) and
the sample is drawn; a village agent answers the questionnaire with two residents; the analyst
publishes the report; anyone reads the public dashboard and the report, in English and in
Chinese. Every page on the way passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from onewindow.core.models import Division
from onewindow.insights.models import Response, Study, StudyStatus
from tests.e2e.test_application_journeys import _officer_page
from tests.e2e.test_journeys import serious_violations
from tests.insights import factories, history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SATISFACTION = "Overall, how satisfied are you with government services?"


def _answer(page: Any, *, satisfaction: str) -> None:
    page.get_by_role("link", name="Answer with the resident").first.click()
    assert serious_violations(page) == []
    page.get_by_role("group", name="Have you used a government service online").get_by_text(
        "No", exact=True
    ).click()
    page.get_by_role("group", name=SATISFACTION).get_by_text(satisfaction, exact=True).click()
    page.get_by_label("how many times did you go to a service hall?").fill("2")
    page.get_by_role("button", name="Record the answers").click()
    page.get_by_text("Answers recorded.").wait_for()


def test_analyst_designs_agent_answers_twice_report_published_public_reads(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    history.plant(divisions, months=history.MONTHS, per_cell=8)
    analyst_user = factories.analyst(divisions["city"])
    factories.standard_questionnaire(analyst_user)
    agent_user = factories.station_agent(divisions["village"])
    base = live_server.url
    analyst = _officer_page(browser, base, analyst_user)

    analyst.goto(f"{base}/insights/work/")
    assert serious_violations(analyst) == []
    analyst.get_by_role("link", name="Design a study").click()
    assert serious_violations(analyst) == []
    analyst.get_by_label("Title (Chinese)").fill("城乡数字鸿沟调查")
    analyst.get_by_label("Title (English)").fill("Urban–rural digital divide survey")
    analyst.get_by_label("Questionnaire").select_option(index=1)
    analyst.get_by_text("Chun'an County (330127)").click()  # USWDS draws the box on the label
    analyst.get_by_text("Xihu District (330106)").click()
    analyst.get_by_label("Sample size").fill("12")
    analyst.get_by_label("Seed").fill("2026")
    analyst.get_by_role("button", name="Draw the sample").click()
    analyst.get_by_text("Study designed and its sample drawn.").wait_for()
    assert serious_violations(analyst) == []
    study = Study.objects.get()

    agent = _officer_page(browser, base, agent_user)
    agent.goto(f"{base}/insights/visits/")
    assert serious_violations(agent) == []
    _answer(agent, satisfaction="4")
    _answer(agent, satisfaction="2")
    assert Response.objects.filter(study=study, channel="assisted").count() == 2

    analyst.goto(f"{base}/insights/work/studies/{study.ref}/")
    assert (
        "2 of 12 answered, 2 with a village agent."
        in analyst.locator("[data-testid=responses-total]").text_content()
    )
    analyst.get_by_role("button", name="Publish the report").click()
    analyst.get_by_text("Report published.").wait_for()
    assert serious_violations(analyst) == []
    study.refresh_from_db()
    assert study.status == StudyStatus.PUBLISHED

    for language, heading, link in (
        ("en", "How public services reach people", "Urban–rural digital divide survey"),
        ("zh-hans", "公共服务惠及群众情况", "城乡数字鸿沟调查"),
    ):
        context = browser.new_context(locale="en-US")
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
        )
        citizen = context.new_page()
        citizen.goto(f"{base}/insights/")
        assert citizen.get_by_role("heading", level=1).text_content() == heading
        assert citizen.locator("[data-testid=public-indicators] tbody tr").count() >= 5
        assert serious_violations(citizen) == []
        citizen.get_by_role("link", name=link).click()
        citizen.locator("[data-testid=methods]").wait_for()
        assert serious_violations(citizen) == []
        citizen.goto(f"{base}/insights/indicators/online-share/")
        assert serious_violations(citizen) == []
        context.close()
