"""The portal's home as a browser without script gets it: life-event tiles that open the
catalogue filtered, hot services, services by department and level, where the person left
off, the elder version's six services, and the search box's suggestions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from onewindow.applications.models import Application, ApplicationStatus
from onewindow.catalog.life_events import LIFE_EVENTS_BY_SLUG
from onewindow.core.models import Division
from onewindow.web import portal
from onewindow.web.middleware import ELDER_COOKIE
from tests.applications import factories
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db


def test_every_home_tile_is_a_life_event_the_catalogue_filters_by(client: Client) -> None:
    factories.catalogue()

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    slugs = re.findall(r'href="/services/\?life_event=([a-z_]+)"', page)
    assert slugs == [slug for slug, _title in portal.HOME_LIFE_EVENTS]
    assert set(slugs) <= set(LIFE_EVENTS_BY_SLUG)
    births = client.get("/services/?life_event=birth").content.decode()
    assert factories.BIRTH in births


def test_home_lists_hot_services_most_filed_first_and_services_by_department_and_level(
    client: Client, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    resident = citizen(divisions["community"], username="filer")
    for _ in range(2):
        factories.file(resident, versions[factories.BIRTH], factories.BIRTH_FORM)
    factories.file(resident, versions[factories.COMPANY], factories.COMPANY_FORM)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    hot = page[page.index('id="hot-heading"') :]
    hot = hot[: hot.index("</ol>")]
    guides = re.findall(r'href="/services/([^/"]+)/"', hot)
    assert guides[:2] == [factories.BIRTH, factories.COMPANY]
    assert reverse("catalog:department", args=["public_security"]) in page
    assert "/services/?level=4" in page
    assert "按部门办事" in page


def test_hot_services_count_only_recent_filings_and_the_catalogue_fills_in(
    divisions: dict[str, Division],
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    resident = citizen(divisions["community"], username="lately")
    old = [factories.file(resident, versions[factories.BIRTH], factories.BIRTH_FORM)]
    old.append(factories.file(resident, versions[factories.BIRTH], factories.BIRTH_FORM))
    factories.file(resident, versions[factories.COMPANY], factories.COMPANY_FORM)
    Application.objects.filter(pk__in=[a.pk for a in old]).update(
        submitted_at=timezone.now() - portal.HOT_WINDOW - timedelta(days=1)
    )

    with CaptureQueriesContext(connection) as queries:
        overview = portal._load_overview()

    # Birth's two filings are older than the window: the company's one recent filing leads,
    # and the services filed online fill the rest in the catalogue's order.
    assert overview.hot_codes[0] == factories.COMPANY
    assert len(overview.hot_codes) == len(set(overview.hot_codes))
    table = Application._meta.db_table
    counted = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    assert len(counted) == 1  # one grouped read, bounded by the window
    assert '"submitted_at" >=' in counted[0]
    assert "JOIN" not in counted[0]
    if connection.vendor == "sqlite":  # PostgreSQL's planner seq-scans a table this small
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {counted[0]}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "COVERING INDEX application_recent" in plan


def test_home_shows_where_the_person_left_off(
    client: Client, divisions: dict[str, Division]
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    resident = citizen(divisions["community"], username="halfway")
    factories.draft_with_uploads(resident, versions[factories.COMPANY])
    asked = factories.file(resident, versions[factories.BIRTH], factories.BIRTH_FORM)
    asked.status = ApplicationStatus.AWAITING_SUPPLEMENTS  # as the officer's request leaves it
    asked.save(update_fields=["status"])
    client.force_login(resident)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    panel = page[page.index('data-testid="continue"') :]
    assert reverse("applications:new", args=[factories.COMPANY]) in panel
    assert reverse("applications:detail", args=[asked.ref]) in panel
    assert "Supplements asked of you" in panel


def test_the_elder_home_shows_six_services_and_one_primary_button(client: Client) -> None:
    factories.catalogue()
    client.cookies[ELDER_COOKIE] = "1"

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    assert page.count('class="ow-tile"') == 6
    for title in ("养老金资格认证", "医保服务", "社会保障卡", "老年卡", "12345", "代办"):
        assert title in page
    assert "life_event=" not in page  # the catalogue's tiles stay on the standard home
    filled = re.findall(r'class="usa-button(?![^"]*(?:--outline|--unstyled))[^"]*"', page)
    assert len(filled) == 1


def test_suggestions_come_from_the_catalogue_and_its_synonyms(client: Client) -> None:
    factories.catalogue()

    typed = client.get(reverse("web:suggest"), {"q": "公司"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    nothing = client.get(reverse("web:suggest"), {"q": " "})

    assert typed.status_code == 200
    assert "<option" in typed.content.decode()
    assert "公司" in typed.content.decode() or "企业" in typed.content.decode()
    assert "<option" not in nothing.content.decode()
