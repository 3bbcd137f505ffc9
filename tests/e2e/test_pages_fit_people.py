"""Every page in the journeys works for the person in front of it, in a real browser: the header
breaks no word in half (1280 px and a 390 px phone, English and Chinese, elder mode), the unread
badge covers nothing, axe-core finds nothing serious, and no page is wider than a phone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.applications.models import Application
from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.models import Event
from onewindow.web.middleware import ELDER_COOKIE
from tests.applications import factories
from tests.e2e.test_journeys import serious_violations
from tests.grievances import factories as hotline_factories
from tests.identity.factories import citizen

# db_agnostic: widths, line breaks and axe findings of rendered pages cannot depend on the
# database engine (the journeys in the other e2e tests run on both).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.db_agnostic,
]

WIDTHS = (1280, 390)
LANGUAGES = ("en", "zh-hans")

# Words broken across lines: for each visible header item, the line boxes its text occupies.
HEADER_LINES = """() => {
  const items = document.querySelectorAll(
    '.usa-nav__primary-item > a, .usa-nav__primary-item button, .ow-utility-bar button, ' +
    '.usa-logo a, .usa-search [type=submit]'
  );
  const broken = [];
  for (const item of items) {
    const box = item.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const walker = document.createTreeWalker(item, NodeFilter.SHOW_TEXT);
    const lineHeight = parseFloat(getComputedStyle(item).fontSize);
    const tops = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.textContent.trim()) continue;
      if (node.parentElement.closest('.usa-sr-only')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) if (rect.width > 0) tops.push(rect.top);
    }
    tops.sort((a, b) => a - b);
    let lines = tops.length ? 1 : 0;
    for (let i = 1; i < tops.length; i++) if (tops[i] - tops[i - 1] > lineHeight / 2) lines++;
    if (lines > 1) broken.push(item.innerText.trim().replace(/\\s+/g, ' '));
  }
  return broken;
}"""

# The unread count must sit beside "Inbox", not over it.
BADGE_OVERLAP = """() => {
  const badge = document.querySelector('.ow-unread-count');
  if (!badge) return null;
  const link = badge.closest('a');
  const walker = document.createTreeWalker(link, NodeFilter.SHOW_TEXT);
  walker.nextNode();
  const range = document.createRange();
  range.selectNodeContents(walker.currentNode);
  const word = range.getBoundingClientRect();
  const tag = badge.getBoundingClientRect();
  if (word.width === 0 || tag.width === 0) return null;
  const overlaps = !(tag.left >= word.right - 0.5 || tag.right <= word.left + 0.5 ||
                     tag.top >= word.bottom - 0.5 || tag.bottom <= word.top + 0.5);
  if (!overlaps) return null;
  return `${link.innerText}: badge ${JSON.stringify(tag)} over ${JSON.stringify(word)}`;
}"""

TOO_WIDE = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const culprits = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .slice(-3)
    .map((el) => el.tagName.toLowerCase() + '.' + String(el.className).split(' ').join('.'));
  return `${document.documentElement.scrollWidth} px > ${width} px: ${culprits.join(', ')}`;
}"""


@dataclass
class World:
    citizen: User
    officer: User
    application: Application
    step_pk: int
    case_ref: str


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    catalogue = factories.catalogue()
    hotline = hotline_factories.world(divisions)
    resident = citizen(divisions["community"], username="mother")
    application = factories.file(resident, catalogue[factories.BIRTH], factories.BIRTH_FORM)
    step = application.steps.get()
    officer = factories.officer(step.department, username="registrar")
    case = hotline_factories.online(resident, divisions["community"])
    for _ in range(12):  # a two-digit unread count, the widest badge
        notify.send(
            resident,
            Event.APPLICATION_RECEIVED,
            context={"ref": application.ref, "service_name": "出生登记"},
            subject_ref=application.ref,
        )
    del hotline
    ledger.integrate_pending()  # a checkpoint, its root hash and proofs: long unbroken lines
    return World(resident, officer, application, step.pk, case.ref)


def _session_cookie(base: str, user: User | None) -> list[dict[str, str]]:
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key or "", "url": base}]


def _visits(browser: Any, base: str, user: User | None) -> Iterator[tuple[str, Any]]:
    """A page per width, language and elder mode, signed in as `user`."""
    for width in WIDTHS:
        for language in LANGUAGES:
            for elder in (False, True):
                context = browser.new_context(
                    locale="en-US", viewport={"width": width, "height": 844 if width < 600 else 900}
                )
                context.add_cookies(
                    [
                        *_session_cookie(base, user),
                        {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base},
                        {"name": ELDER_COOKIE, "value": "1" if elder else "0", "url": base},
                    ]
                )
                yield f"{width}px {language}{' elder' if elder else ''}", context.new_page()
                context.close()


def _problems(browser: Any, base: str, user: User | None, paths: list[str]) -> list[str]:
    problems: list[str] = []
    for label, page in _visits(browser, base, user):
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response is not None, path
            assert response.status == 200, f"{path}: {response.status}"
            where = f"{path} at {label}"
            if "elder" not in label:
                problems += [f"{where}: axe {violation}" for violation in serious_violations(page)]
            if page.viewport_size["width"] < 600:
                wide = page.evaluate(TOO_WIDE)
                if wide:
                    problems.append(f"{where}: wider than the phone: {wide}")
                # The phone's menu is a drawer: open it to see its items.
                page.locator(".usa-menu-btn").click()
            problems += [
                f"{where}: word broken in {item!r}" for item in page.evaluate(HEADER_LINES)
            ]
            overlap = page.evaluate(BADGE_OVERLAP)
            if overlap:
                problems.append(f"{where}: unread badge covers {overlap}")
    return problems


def test_citizens_pages_fit_every_width_language_and_elder_mode(
    browser: Any, live_server: Any, world: World
) -> None:
    paths = [
        "/",
        "/services/",
        "/services/?q=birth",
        f"/services/{factories.BIRTH}/",
        "/applications/",
        f"/applications/{world.application.ref}/",
        "/credentials/wallet/",
        "/credentials/verify/",
        "/inbox/",
        "/account/profile/",
        "/hotline/",
        "/hotline/new/",
        "/hotline/wall/",
        f"/hotline/cases/{world.case_ref}/",
        "/ledger/",
        f"/ledger/?ref={world.application.ref}&index=0",
    ]

    assert _problems(browser, live_server.url, world.citizen, paths) == []


def test_officers_and_visitors_pages_fit_every_width_language_and_elder_mode(
    browser: Any, live_server: Any, world: World
) -> None:
    officer_paths = [
        "/account/officer/",
        "/applications/work/",
        f"/applications/work/steps/{world.step_pk}/",
    ]
    visitor_paths = [
        "/",
        "/account/sign-in/",
        "/account/register/",
        "/ledger/",
        "/credentials/verify/",
    ]
    visitor_paths += ["/hotline/track/"]

    problems = _problems(browser, live_server.url, world.officer, officer_paths)
    problems += _problems(browser, live_server.url, None, visitor_paths)

    assert problems == []
