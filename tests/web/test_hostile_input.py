"""Hostile text to every write the platform offers: no server error, nothing stored with a
control character, Open311's XML still well-formed.

The writes are found, not listed: API operations from the OpenAPI document, page forms by
rendering every page of the URL conf (as a resident and as an officer) and reading their
<form method="post">, so an endpoint or form added later is covered without touching this
file. Each hostile value goes into every field at once, then (for the values no rule refuses
up front: long text, RTL override, template syntax) into one field at a time with the others
plausible, so the handler's own checks run too.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from onewindow.grievances.models import Case
from tests.applications.factories import PDF
from tests.web import hostile

pytestmark = pytest.mark.django_db

# Refused before any view runs; one request with every field hostile proves it.
REFUSED = ("lone surrogate", "NUL", "percent-encoded NUL", "vertical tab", "escape")
# Accepted as text, so the handler's own checks meet it.
PASSABLE = ("100,000 characters", "RTL override", "template syntax")
# Also into one field at a time, the others plausible (bounded: the run stays short).
ONE_AT_A_TIME = ("100,000 characters",)
# Also into hidden fields (versions, next addresses, tokens).
INTO_HIDDEN = ("NUL", "100,000 characters", "template syntax")
STORED_NEVER = ("\x00", "\x0b", "\x1b")
FORM_ENCODED = "application/x-www-form-urlencoded"
# Pages whose forms end the session or that are not forms for people (protocol endpoints).
SKIPPED_PREFIXES = ("/api/", "/static/", "/exchange/v1/", "/open311/", "/o/", "/ledger/api/")


@pytest.fixture
def world(divisions: dict[str, Any]) -> hostile.World:
    return hostile.build(divisions)


def test_hostile_text_to_every_api_write_is_never_a_server_error(world: hostile.World) -> None:
    document = hostile.browser(None).get("/api/v1/openapi.json").json()
    writes = list(_api_writes(document))
    assert len(writes) > 40  # the whole document, not a sample

    failures = []
    sent = 0
    for user in (None, world.resident, world.officer):
        browser = hostile.browser(user)
        for method, path, operation in writes:
            url = _fill_path(path, world)
            for label, body, media in _api_bodies(document, operation, user is None):
                response = _send(browser, method, url, body, media)
                sent += 1
                if response.status_code >= 500:
                    failures.append((user and user.username, method, path, label))
    assert sent > 500
    assert failures == []
    _assert_nothing_stored_with_control_characters()


def test_hostile_text_to_every_page_form_is_never_a_server_error(world: hostile.World) -> None:
    failures = []
    forms_seen: set[tuple[str, ...]] = set()
    for user in (None, world.resident, world.officer):
        reader = hostile.browser(user)
        for page in _pages(world):
            response = reader.get(page)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for action, fields in _post_forms(response.content.decode(), page):
                # The shell's forms (language, elder mode, sign-out) are on every page.
                form = (str(user), action, *sorted(fields))
                if form in forms_seen:
                    continue
                forms_seen.add(form)
                for label, data in _form_bodies(fields):
                    # A fresh browser each time: a form may sign out or switch language.
                    answer = hostile.browser(user).post(
                        action, _urlencoded(data), content_type=FORM_ENCODED
                    )
                    if answer.status_code >= 500:
                        failures.append((user and user.username, action, label))
    assert len(forms_seen) > 20
    assert failures == []
    _assert_nothing_stored_with_control_characters()


def test_hostile_text_to_open311_never_breaks_its_xml(world: hostile.World) -> None:
    client = Client(raise_request_exception=False)
    fields = ("description", "first_name", "address_string", "email", "phone")
    statuses = set()
    for label, value in hostile.HOSTILE.items():
        for field in (*fields, "all"):
            form = {
                "api_key": world.partner_key,
                "service_code": "city.street_lighting",
                "description": "北山街道的路灯坏了一个多月，晚上很黑，请尽快修理。",
                "address_string": "北山街道",
            }
            form.update(dict.fromkeys(fields if field == "all" else (field,), value))
            for fmt in ("json", "xml"):
                response = client.post(
                    f"/open311/v2/requests.{fmt}", _urlencoded(form), content_type=FORM_ENCODED
                )
                statuses.add(response.status_code)
                assert response.status_code < 500, (label, field, fmt)
                if fmt == "xml":
                    ET.fromstring(response.content)  # noqa: S314  (our own output)

    assert {201, 400} <= statuses
    feed = client.get("/open311/v2/requests.xml")
    assert feed.status_code == 200
    ET.fromstring(feed.content)  # noqa: S314
    for case in Case.objects.all():
        ET.fromstring(client.get(f"/open311/v2/requests/{case.ref}.xml").content)  # noqa: S314
    _assert_nothing_stored_with_control_characters()


# --- the API, from its OpenAPI document ----------------------------------------------------


def _api_writes(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in ("post", "put", "patch"):
            if method in item:
                yield method, path, item[method]


def _fill_path(path: str, world: hostile.World) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: world.path_value(m.group(1)), path)


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            options = [_resolve(document, s) for s in schema[combined]]
            return next((s for s in options if s.get("type") != "null"), options[0])
    return schema


def _value(document: dict[str, Any], schema: dict[str, Any], text: str, depth: int = 0) -> Any:
    """A value of `schema` whose every string is `text` (enums keep a valid choice)."""
    schema = _resolve(document, schema)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        properties = schema.get("properties", {})
        if not properties:
            return {"name": text}  # a free-form object, like an application's form
        return {name: _value(document, sub, text, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        return [_value(document, schema.get("items", {}), text, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return "2026-12-01T10:00:00+08:00"
    if schema.get("format") == "date":
        return "2026-12-01"
    return text


def _api_bodies(
    document: dict[str, Any], operation: dict[str, Any], anonymous: bool
) -> Iterator[tuple[str, Any, str]]:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return
    media, spec = next(iter(content.items()))
    schema = spec.get("schema", {})
    for label in REFUSED:
        yield label, _value(document, schema, hostile.HOSTILE[label]), media
    if anonymous:
        return
    plausible = _value(document, schema, "北山")
    if not isinstance(plausible, dict):
        return
    for label in PASSABLE:
        text = hostile.HOSTILE[label]
        yield label, _value(document, schema, text), media
        if label not in ONE_AT_A_TIME:
            continue
        for name, value in plausible.items():
            if isinstance(value, str):
                yield f"{label} in {name}", {**plausible, name: text}, media


def _send(browser: Client, method: str, url: str, body: Any, media: str) -> Any:
    headers = {"Idempotency-Key": "hostile-1"}
    if media == "multipart/form-data":
        data = {
            key: (_upload() if key in ("file", "upload", "content") else value)
            for key, value in body.items()
        }
        return browser.generic(method.upper(), url, **_multipart(data), headers=headers)
    if media == "application/json":
        payload = json.dumps(body, ensure_ascii=True)  # \\ud800 travels as JSON says it
        return browser.generic(
            method.upper(), url, payload, content_type="application/json", headers=headers
        )
    return browser.generic(method.upper(), url, body, content_type=media, headers=headers)


def _urlencoded(data: dict[str, str]) -> str:
    """The body a client sends; a lone surrogate goes as the bytes it would be in UTF-8."""
    return urlencode(data, encoding="utf-8", errors="surrogatepass")


def _as_received(value: Any) -> Any:
    """What a server decodes from a multipart field: invalid UTF-8 becomes U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")


def _multipart(data: dict[str, Any]) -> dict[str, Any]:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    flat = {
        key: _as_received(
            json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
        )
        for key, value in data.items()
    }
    return {"data": encode_multipart(BOUNDARY, flat), "content_type": MULTIPART_CONTENT}


# --- page forms, found by rendering every page of the URL conf -------------------------------


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _pages(world: hostile.World) -> list[str]:
    def value(parameter: re.Match[str]) -> str:
        return world.path_value(parameter.group(1))

    pages = set()
    for route in _routes(get_resolver().url_patterns):
        if any(character in route for character in "^$()?[]\\"):
            continue  # a regular expression route (protocol endpoints)
        page = "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)
        if not page.startswith(SKIPPED_PREFIXES):
            pages.add(page)
    return sorted(pages)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str], set[str]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attributes}
        if tag == "form":
            if found.get("method", "get").lower() == "post":
                self.forms.append((found.get("action", ""), {}, set()))
            else:
                self.forms.append(("", {}, {"<get>"}))
            return
        if not self.forms or "name" not in found:
            if tag == "option" and self._select and self.forms:
                self.forms[-1][1].setdefault(self._select, found.get("value", ""))
            return
        _action, fields, hidden = self.forms[-1]
        name = found["name"]
        if tag == "select":
            self._select = name
        elif tag == "input" and found.get("type") == "hidden":
            fields[name] = found.get("value", "")
            hidden.add(name)
        elif tag == "input" and found.get("type") in ("file", "submit", "button", "image"):
            return
        elif tag in ("input", "textarea"):
            fields.setdefault(name, found.get("value", "") or "北山")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _post_forms(html: str, page: str) -> Iterator[tuple[str, dict[str, tuple[str, bool]]]]:
    parser = _Forms()
    parser.feed(html)
    for action, fields, hidden in parser.forms:
        if "<get>" in hidden:
            continue
        target = urlsplit(action).path or page
        if target.startswith(SKIPPED_PREFIXES):
            continue
        yield target, {name: (value, name in hidden) for name, value in fields.items()}


def _form_bodies(fields: dict[str, tuple[str, bool]]) -> Iterator[tuple[str, dict[str, str]]]:
    plausible = {name: value for name, (value, _hidden) in fields.items()}
    visible = [name for name, (_value, is_hidden) in fields.items() if not is_hidden]
    editable = [name for name in fields if name != "csrfmiddlewaretoken"]
    for label, text in hostile.HOSTILE.items():
        yield label, {**plausible, **dict.fromkeys(visible, text)}
        if label in INTO_HIDDEN:
            yield f"{label} in hidden fields too", {**plausible, **dict.fromkeys(editable, text)}
        if label in ONE_AT_A_TIME and len(visible) > 1:
            for name in visible:
                yield f"{label} in {name}", {**plausible, name: text}


# --- what was stored ----------------------------------------------------------------------


def _assert_nothing_stored_with_control_characters() -> None:
    stored = []
    for model in apps.get_models():
        text_fields = [
            field.name
            for field in model._meta.get_fields()
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
            and field.concrete
        ]
        for field in text_fields:
            for pk, value in model._default_manager.values_list("pk", field).iterator():
                shown = value if isinstance(value, str) else json.dumps(value)
                if any(bad in shown for bad in STORED_NEVER) or "\\u0000" in shown:
                    stored.append((model.__name__, pk, field))
    assert stored == []
