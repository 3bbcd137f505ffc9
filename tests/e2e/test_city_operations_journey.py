"""A city operator sees a sensor's event on the map (Leaflet on a plain background, under our
CSP), opens it from the marker and dispatches it; the department accepts it and closes it
with evidence. In English and in Chinese, every page axe-clean, no CSP violation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.alerts.models import DivisionExtent
from onewindow.cityops import boundaries, readings, services
from onewindow.cityops.models import Event, EventState
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind, Role, User
from tests.e2e.test_journeys import serious_violations
from tests.identity.factories import officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "dispatch": "Dispatch",
    "dispatched": "Dispatched",
    "accept": "Accept",
    "evidence": "Evidence: what was done",
    "close": "Close",
    "closed": "Closed",
    "departments": "Departments (the first leads; several for joint handling)",
}


def _words(locale: str) -> dict[str, str]:
    with translation.override("zh-hans" if locale == "zh-CN" else "en"):
        return {key: translation.gettext(text) for key, text in WORDS.items()}


def _signed_in(browser: Any, base: str, user: User, locale: str) -> Any:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    context = browser.new_context(locale=locale)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}]
    )
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            page.csp_errors.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def _city(divisions: dict[str, Division]) -> tuple[User, list[str]]:
    """An operator at the hotline centre and two water-level sensors; no emergency bureau
    yet, so their events wait, open, for the operator to dispatch."""
    hotline = Department.objects.create(
        code="330100-hotline",
        name_zh="杭州市12345热线中心",
        name_en="Hangzhou 12345 Hotline",
        kind=DepartmentKind.HOTLINE,
        division=divisions["city"],
    )
    operator = officer(hotline, roles=(Role.DISPATCHER,), username="operator")
    for key, (lat, lon) in {"district": (30.26, 120.13), "county": (29.62, 118.95)}.items():
        DivisionExtent.objects.create(
            division=divisions[key],
            south=lat - 0.1,
            west=lon - 0.1,
            north=lat + 0.1,
            east=lon + 0.1,
            centre_lat=lat,
            centre_lon=lon,
        )
    boundaries.generate_around_centres([divisions["district"], divisions["county"]])
    refs = []
    for index, (key, lat, lon) in enumerate(
        [("community", 30.26, 120.13), ("village", 29.62, 118.95)]
    ):
        sensor = services.register_sensor(
            operator,
            ref=f"water-{index}",
            kind="water_level",
            division=divisions[key],
            place=f"西溪水文站{index}",
            latitude=lat,
            longitude=lon,
        )
        when = timezone.now() - timedelta(minutes=5)
        message = readings.Message(sensor.ref, 3.6, "m", when)
        result = services.ingest([(services.Incoming("mqtt", "", b""), message)])
        refs.append(result.events[0].ref)
    return operator, refs


def test_an_operator_dispatches_a_sensor_event_from_the_map_and_the_department_closes_it(
    browser: Any, live_server: Any, divisions: dict[str, Division]
) -> None:
    operator, refs = _city(divisions)
    assert set(Event.objects.values_list("state", flat=True)) == {EventState.OPEN}
    emergency = Department.objects.create(
        code="330100-emergency",
        name_zh="杭州市应急管理局",
        name_en="Hangzhou Emergency Management Bureau",
        kind=DepartmentKind.EMERGENCY,
        division=divisions["city"],
    )
    handler = officer(emergency, roles=(Role.REVIEWER,), username="emergency-officer")
    base = live_server.url

    for ref, locale in zip(refs, ("en-US", "zh-CN"), strict=True):
        words = _words(locale)
        # The operator sees the event on the map and opens it from its marker
        page = _signed_in(browser, base, operator, locale)
        page.goto(f"{base}/city/")
        page.locator("#city-map path.leaflet-interactive").first.wait_for()
        assert serious_violations(page) == []
        markers = page.locator("#city-map path.leaflet-interactive")
        link = page.locator(f"#city-map a[data-event='{ref}']")
        for index in range(markers.count() - 1, -1, -1):
            markers.nth(index).click(force=True)
            if link.count():
                break
        link.click()
        page.wait_for_url(f"**/city/events/{ref}/")
        assert serious_violations(page) == []
        # and dispatches it to the emergency bureau
        page.get_by_label(words["departments"]).select_option(emergency.code)
        page.get_by_role("button", name=words["dispatch"], exact=True).click()
        page.locator("[data-testid=event-state]", has_text=words["dispatched"]).wait_for()
        assert serious_violations(page) == []
        assert page.csp_errors == []
        page.context.close()

        # The department finds it in its queue, accepts it and closes it with evidence
        work = _signed_in(browser, base, handler, locale)
        work.goto(f"{base}/city/work/")
        assert serious_violations(work) == []
        work.get_by_role("link", name=ref).click()
        work.get_by_role("button", name=words["accept"], exact=True).click()
        work.get_by_label(words["evidence"]).fill("已开闸泄洪，水位回落到 2.8 米")
        work.get_by_role("button", name=words["close"], exact=True).click()
        work.locator("[data-testid=event-state]", has_text=words["closed"]).wait_for()
        assert serious_violations(work) == []
        assert work.csp_errors == []
        work.context.close()

        event = Event.objects.get(ref=ref)
        assert event.state == EventState.CLOSED
        assert [s.action for s in event.steps.all()] == [
            "reported",
            "dispatched",
            "accepted",
            "part_done",
            "closed",
        ]
