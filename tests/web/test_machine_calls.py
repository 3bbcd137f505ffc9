"""Calls of programs (the JSON API, the exchange's signed calls) pass what only pages need:
their answers carry a fixed policy that allows nothing instead of the pages' one, and no
messages or elder mode are worked out for them. What protects them stays: a session's writes
need the CSRF token, an officer's session the second factor, and problem documents are in
the caller's language. The API's docs page is a page and keeps the pages' policy."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from onewindow.core.models import Division
from onewindow.web.middleware import (
    MACHINE_POLICY,
    ElderModeMiddleware,
    PageMessageMiddleware,
    is_machine_call,
)
from tests.identity import factories

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"


def test_api_answers_carry_the_policy_that_allows_nothing(client: Client) -> None:
    answer = client.get("/api/v1/services")
    refused = client.get("/api/v1/me")
    unknown = client.get("/api/v1/no-such-thing")

    assert answer.status_code == 200
    for response in (answer, refused, unknown):
        assert response[CSP] == MACHINE_POLICY
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_signed_exchange_calls_carry_the_policy_that_allows_nothing(client: Client) -> None:
    answer = client.post("/exchange/v1/nobody/nothing", b"x", content_type="application/jose")

    assert answer.status_code == 404
    assert answer[CSP] == MACHINE_POLICY


def test_pages_and_the_api_docs_page_keep_the_pages_policy(client: Client) -> None:
    for path in ("/", "/api/v1/docs", "/exchange/credit/"):
        policy = client.get(path)[CSP]

        assert "default-src 'self'" in policy, path
        assert "script-src 'self'" in policy, path
        assert policy != MACHINE_POLICY


def test_which_paths_are_machine_calls() -> None:
    requests = RequestFactory()
    machine = ["/api/v1/services", "/api/v1/openapi.json", "/exchange/v1/a/b"]
    pages = ["/", "/api/v1/docs", "/exchange/", "/exchange/credit/", "/applications/", "/healthz"]

    assert [is_machine_call(requests.get(path)) for path in machine] == [True] * len(machine)
    assert [is_machine_call(requests.get(path)) for path in pages] == [False] * len(pages)


def test_a_session_write_through_the_api_still_needs_the_csrf_token(
    divisions: dict[str, Division],
) -> None:
    person = factories.citizen(divisions["community"])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    browser.get("/")  # the page gives the browser its CSRF cookie
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value

    without = browser.post("/api/v1/me/sessions/999999/end")
    with_token = browser.post("/api/v1/me/sessions/999999/end", headers={"X-CSRFToken": token})

    assert without.status_code == 403
    assert with_token.status_code == 404  # past the CSRF check: no such session of theirs


def test_an_officer_needs_the_second_factor_for_the_api_too(
    divisions: dict[str, Division],
) -> None:
    officer = factories.officer(factories.department(divisions["city"]))
    browser = Client()
    browser.force_login(officer)

    answer = browser.get("/api/v1/tasks")

    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/second_factor_required")


@pytest.mark.parametrize(
    ("headers", "cookie", "title"),
    [
        ({"Accept-Language": "zh-CN"}, None, "请先登录。"),
        ({"Accept-Language": "en"}, None, "Sign in first."),
        ({"Accept-Language": "en"}, "zh-hans", "请先登录。"),  # the site's language switch
    ],
)
def test_problem_documents_are_in_the_callers_language(
    client: Client, headers: dict[str, str], cookie: str | None, title: str
) -> None:
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie

    answer = client.get("/api/v1/me", headers=headers)

    assert answer.status_code == 401
    assert answer["Content-Language"] == ("zh-hans" if "请" in title else "en")
    assert answer.json()["title"] == title


def _passes(middleware_class: type, path: str) -> HttpRequest:
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    request = RequestFactory().get(path)
    request.session = SessionStore()
    request.user = AnonymousUser()
    request.COOKIES["onewindow_elder"] = "1"
    middleware_class(view)(request)
    return seen[0]


def test_messages_and_elder_mode_are_worked_out_for_pages_only() -> None:
    page = _passes(ElderModeMiddleware, "/services/")
    call = _passes(ElderModeMiddleware, "/api/v1/services")
    page_with_messages = _passes(PageMessageMiddleware, "/services/")
    call_without = _passes(PageMessageMiddleware, "/api/v1/services")

    assert page.elder_mode is True  # type: ignore[attr-defined]
    assert not hasattr(call, "elder_mode")
    messages.info(page_with_messages, "saved")
    assert not hasattr(call_without, "_messages")
