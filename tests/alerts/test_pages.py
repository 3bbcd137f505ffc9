"""The alert pages as people use them: an officer composes on the form (errors land on the
fields), a second officer approves on the alert's page and sees the figures; anyone reads
the list and the alert, in Chinese and English; a village agent marks a resident told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.alerts.models import Alert, AlertDelivery, Status
from onewindow.core.models import Division
from onewindow.identity.models import User, UserKind
from tests.alerts import factories
from tests.identity.factories import PASSWORD, citizen
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db


def _form(**changes: str) -> dict[str, str]:
    now = timezone.localtime()
    form = {
        "msg_type": "Alert",
        "category": "Met",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "onset": now.strftime("%Y-%m-%dT%H:%M"),
        "expires": (now + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"),
        "zh_event": "台风",
        "zh_headline": "台风橙色预警",
        "zh_description": "今晚登陆。",
        "zh_instruction": "请留在室内。",
        "zh_area_description": "淳安县王阜乡",
        "en_event": "Typhoon",
        "en_headline": "Orange typhoon warning",
        "en_description": "Landfall tonight.",
        "en_instruction": "Stay indoors.",
        "en_area_description": "Wangfu Township, Chun'an",
        "polygon": " ".join(f"{lat},{lon}" for lat, lon in factories.AROUND_VILLAGE),
    }
    form.update(changes)
    return form


def test_an_officer_composes_and_a_second_officer_approves_on_the_pages(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    bureau = factories.bureau(divisions)
    resident = citizen(divisions["village"])
    author = verified_client(factories.author(bureau))
    assert author.get("/alerts/work/new/").status_code == 200

    refused = author.post("/alerts/work/new/", _form(polygon="29.5,118.8 29.5,119.1 29.8,119.1"))
    assert refused.status_code == 200
    assert "A polygon needs at least four points" in refused.content.decode()
    preview = author.post("/alerts/work/new/", {**_form(), "preview": "1"})
    assert 'data-testid="area-map"' in preview.content.decode()
    assert not Alert.objects.exists()

    sent = author.post("/alerts/work/new/", _form())
    alert = Alert.objects.get()
    assert sent["Location"] == f"/alerts/{alert.ref}/"
    approver = verified_client(factories.approver(bureau))
    assert alert.ref in approver.get("/alerts/work/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        approver.post(f"/alerts/{alert.ref}/approve/")

    alert.refresh_from_db()
    assert alert.status == Status.PUBLISHED
    page = approver.get(f"/alerts/{alert.ref}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="delivery-counts"' in page
    assert AlertDelivery.objects.get(alert=alert).recipient == resident


def test_the_public_reads_the_list_and_the_alert_in_both_languages(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    from onewindow.alerts import services

    bureau = factories.bureau(divisions)
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_alert(factories.approver(bureau), alert)
    visitor = Client()
    chinese = visitor.get("/alerts/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = visitor.get("/alerts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "台风橙色预警" in chinese
    assert "预警信息" in chinese
    assert "Orange typhoon warning" in english
    page = visitor.get(f"/alerts/{alert.ref}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Stay indoors, away from rivers and slopes." in page
    assert 'data-testid="delivery-counts"' not in page  # figures are for the department
    assert visitor.get("/alerts/A000000-00000000-0000/").status_code == 404


def test_a_pending_alert_is_not_public(divisions: dict[str, Division]) -> None:
    from onewindow.alerts import services

    bureau = factories.bureau(divisions)
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    assert Client().get(f"/alerts/{alert.ref}/").status_code == 404
    assert Client().get(f"/alerts/{alert.ref}.xml").status_code == 404


def test_a_village_agent_marks_a_resident_told(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onewindow.alerts import services

    bureau = factories.bureau(divisions)
    resident = citizen(divisions["village"])
    User.objects.filter(pk=resident.pk).update(mobile_encrypted="", mobile_hash=None)
    agent = User.objects.create_user(
        username="agent",
        password=PASSWORD,
        kind=UserKind.STATION_AGENT,
        division=divisions["village"],
    )
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_alert(factories.approver(bureau), alert)
    browser = verified_client(agent)
    page = browser.get("/alerts/visits/").content.decode()
    assert resident.real_name in page
    visit = AlertDelivery.objects.get(alert=alert)
    browser.post(f"/alerts/visits/{visit.pk}/informed/")
    visit.refresh_from_db()
    assert visit.informed_by == agent
    assert Client().get("/alerts/visits/").status_code == 302  # sign in first


def test_a_resident_names_a_place(divisions: dict[str, Division]) -> None:
    resident = citizen(divisions["community"])
    browser = Client()
    browser.force_login(resident)
    browser.post("/alerts/places/", {"kind": "parents", "division": "330127201202"})
    page = browser.get("/alerts/places/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Wangfu Village 2" in page
    refused = browser.post("/alerts/places/", {"kind": "parents", "division": "999"})
    assert "No division has this code." in refused.content.decode()
