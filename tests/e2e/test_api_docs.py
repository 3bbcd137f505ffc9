"""The API's docs page in a real browser, under the site's CSP."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_in_chromium_under_our_csp_without_a_violation(
    page: Any, live_server: Any
) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    external: list[str] = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:")
            else None
        ),
    )

    response = page.goto(f"{live_server.url}/api/v1/docs")

    assert response is not None
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # Swagger UI drew the document: its title and every tag (collapsed: with every operation
    # open it stopped drawing partway through a 130-operation document), and a tag, opened,
    # lists its operations, one per row.
    page.get_by_role("heading", name="OneWindow API").wait_for(timeout=20_000)
    schema = page.request.get(f"{live_server.url}/api/v1/openapi.json").json()
    tags = {
        tag
        for operations in schema["paths"].values()
        for o in operations.values()
        for tag in o["tags"]
    }
    page.locator(".opblock-tag").nth(len(tags) - 1).wait_for()
    assert page.locator(".opblock-tag").count() == len(tags)
    page.locator("#operations-tag-hotline").click()
    route = page.locator('.opblock-summary-path[data-path="/api/v1/hotline/dispatch/{ref}"]')
    route.wait_for()
    assert page.locator(".opblock").count() > 10
    # Open one operation: its body schema is the dispatcher's, not the delivery's.
    route.click()
    example = page.locator(".opblock-body .body-param__example").first
    example.wait_for()
    assert '"category"' in example.inner_text()
    assert '"carrier"' not in example.inner_text()
    violations = [
        line
        for line in console
        if "Content Security Policy" in line or line.startswith(("error:", "pageerror:"))
    ]
    assert violations == []
    assert external == []
