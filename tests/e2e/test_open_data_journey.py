"""Open data in a real browser: a journalist finds the city's education spending, downloads
it, opens a procurement contract and its supplier's credit profile; every page on the way
passes axe-core, in English and in Chinese."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.exchange.models import CreditProfile
from onewindow.identity.models import Role
from onewindow.transparency import services
from onewindow.transparency.models import Procurement, ProcurementStatus, Source
from onewindow.transparency.services import DatasetDefinition
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import officer
from tests.transparency import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _city(divisions: dict[str, Division]) -> Procurement:
    education = factories.education_bureau(divisions)
    publisher = officer(education, roles=(Role.DATA_PUBLISHER,), username="edu-publisher")
    factories.budgets(publisher, education)
    dataset = services.define_dataset(
        publisher,
        DatasetDefinition(
            name="education-spending-2025",
            title_zh="2025年教育支出（逐月）",
            title_en="Education spending 2025 (monthly)",
            notes_zh="教育支出逐月明细。",
            notes_en="Monthly spending on education.",
            organization=education,
            source=Source.SPENDING,
            parameters={"year": 2025, "function": "205"},
            groups=("finance", "education"),
            tags=("education", "spending"),
            k=1,
        ),
    )
    services.publish_release(publisher, dataset)
    processes = factories.procurements(education)
    contract = next(p for p in processes if p.status == ProcurementStatus.CONTRACT)
    CreditProfile.objects.create(
        credit_code=contract.supplier_credit_code,
        name=contract.supplier_name,
        legal_representative="周强",
        registration_status="存续",
        registration_authority="杭州市市场监督管理局",
        refreshed_at=timezone.now(),
        refreshed_by="test",
    )
    return contract


def _journey(page: Any, base: str, words: dict[str, str], tmp_path: Path) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name=words["open data"], exact=True).first.click()
    assert serious_violations(page) == []
    page.get_by_label(words["search"]).fill(words["query"])
    page.get_by_label(words["search"]).press("Enter")
    page.get_by_role("link", name=words["dataset"]).click()
    assert serious_violations(page) == []
    assert page.locator("[data-testid=licence]").count() == 1
    assert page.locator("[itemtype='https://schema.org/Dataset']").count() == 1
    with page.expect_download() as download:
        page.locator("[data-testid=download-csv]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 12 * 3  # three education lines a month
    assert {row["function_code"][:3] for row in rows} == {"205"}

    page.get_by_role("link", name=words["procurement"], exact=True).click()
    assert serious_violations(page) == []
    page.get_by_label(words["stage"]).select_option(ProcurementStatus.CONTRACT)
    page.get_by_role("button", name=words["search button"], exact=True).click()
    page.locator("[data-testid=processes] a").first.click()
    assert serious_violations(page) == []
    supplier = page.locator("[data-testid=supplier-profile]")
    name = supplier.text_content()
    supplier.click()
    page.wait_for_load_state()
    assert name
    assert name.strip() in page.content()
    assert page.locator("[data-testid=section-public-contracts] a").count() >= 1
    assert serious_violations(page) == []


def test_a_journalist_follows_education_spending_to_a_contract_and_its_supplier(
    browser: Any, live_server: Any, divisions: dict[str, Division], tmp_path: Path
) -> None:
    contract = _city(divisions)
    base = live_server.url

    english = browser.new_context(locale="en-US", accept_downloads=True).new_page()
    _journey(
        english,
        base,
        {
            "open data": "Open data",
            "search": "Search datasets",
            "search button": "Search",
            "query": "education spending",
            "dataset": "Education spending 2025 (monthly)",
            "procurement": "Procurement",
            "stage": "Stage",
        },
        tmp_path,
    )
    assert contract.supplier_credit_code in english.url

    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": base}])
    chinese = context.new_page()
    _journey(
        chinese,
        base,
        {
            "open data": "开放数据",
            "search": "搜索数据集",
            "search button": "搜索",
            "query": "教育支出",
            "dataset": "2025年教育支出（逐月）",
            "procurement": "政府采购",
            "stage": "阶段",
        },
        tmp_path,
    )
    assert chinese.locator("html").get_attribute("lang") == "zh-Hans"
