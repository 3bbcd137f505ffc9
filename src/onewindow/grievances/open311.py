"""Open311 GeoReport v2 at /open311/v2/: services, service definitions, requests (GET and
POST), one request and a request's id from its token, in JSON and XML, plus the discovery
document (JSON and XML) naming this site's configured public address.

Plain Django views, not django-ninja: the standard fixes its own paths (format suffixes),
form-encoded POST bodies, XML documents and its error format (a list of {code, description}
with the HTTP status), none of which fit the problem+json API at /api/v1/. Reads are public
(as the standard intends, and readable from other sites' pages: see
web.middleware.PublicReadCorsMiddleware) and show no personal data: descriptions and answers
are desensitised and the address is the division's name. Coordinates are the place of the
problem, returned as precisely as they were given, and `media_url` as the partner gave it.
Posting needs a partner's `api_key`. Requests are created at once, so a request's token is
its id: `tokens/<id>` answers for any request that exists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.core import ratelimit
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.ratelimit import RateLimited
from onewindow.core.site import public_url
from onewindow.core.text_input import xml_text
from onewindow.grievances import classifier, selectors, services, text
from onewindow.grievances.intake import Contact, Location, submit_case
from onewindow.grievances.models import (
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    ContactPreference,
    Urgency,
)
from onewindow.identity.models import DepartmentKind

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 200
SPEC = "http://wiki.open311.org/GeoReport_v2"


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _xml(root: str, item: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        _fill(element, row)
    return _document(top)


def _document(top: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode").encode()


def _fill(element: ET.Element, row: Mapping[str, Any]) -> None:
    """Every text goes through `xml_text`: ElementTree writes a control character as is
    (a malformed document) and fails on a lone surrogate, and rows stored before input was
    checked may hold either."""
    for key, value in row.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            singular = {
                "attributes": "attribute",
                "values": "value",
                "endpoints": "endpoint",
                "formats": "format",
            }.get(key, "item")
            for entry in value:
                sub = ET.SubElement(child, singular)
                if isinstance(entry, Mapping):
                    _fill(sub, entry)
                else:
                    sub.text = xml_text(str(entry))
        elif isinstance(value, Mapping):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = xml_text(str(value))


def _respond(
    fmt: str, root: str, item: str, rows: Sequence[Mapping[str, Any]], *, status: int = 200
) -> HttpResponse:
    if fmt == "xml":
        body = _xml(root, item, rows)
    else:
        body = json.dumps(rows, ensure_ascii=False).encode("utf-8")
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    response = _respond(
        fmt if fmt in FORMATS else "json",
        "errors",
        "error",
        [{"code": error.status, "description": error.description}],
        status=error.status,
    )
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def refused_input(request: HttpRequest, messages: Sequence[str]) -> HttpResponse:
    """Input refused before any view ran (control characters, lone surrogates: see
    `web.middleware.PlainInputMiddleware`), in Open311's error format: 400, one error per
    field (each message names its field), in the format the path asks for."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _respond(
        fmt,
        "errors",
        "error",
        [{"code": 400, "description": message} for message in messages],
        status=400,
    )


def _handle(fmt: str, build: Any) -> HttpResponse:
    if fmt not in FORMATS:
        return _error("json", Open311Error(404, _("Formats are json and xml.")))
    try:
        response: HttpResponse = build()
        return response
    except Open311Error as error:
        return _error(fmt, error)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _service(code: str) -> dict[str, Any]:
    category = classifier.CATEGORIES[code]
    kind = category.department_kind
    group = str(DepartmentKind(kind).label) if kind in DepartmentKind.values else kind
    return {
        "service_code": code,
        "service_name": selectors.category_label(code),
        "description": selectors.category_label(code),
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": group,
    }


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    document = {
        "changeset": "2026-11-24T00:00:00+08:00",
        "contact": _("The 12345 citizen hotline centre"),
        "key_service": _("Partner keys are issued by the platform administrator."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": public_url("/open311/v2"),
                "changeset": "2026-11-24T00:00:00+08:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }

    def build() -> HttpResponse:
        if fmt == "xml":
            root = ET.Element("discovery")
            _fill(root, document)
            return HttpResponse(
                b'<?xml version="1.0" encoding="utf-8"?>'
                + ET.tostring(root, encoding="unicode").encode(),
                content_type=FORMATS["xml"],
            )
        return HttpResponse(json.dumps(document, ensure_ascii=False), content_type=FORMATS[fmt])

    return _handle(fmt, build)


@require_GET
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _handle(
        fmt,
        lambda: _respond(fmt, "services", "service", [_service(c) for c in classifier.CATEGORIES]),
    )


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    def build() -> HttpResponse:
        if code not in classifier.CATEGORIES:
            raise Open311Error(404, _("No service has the code %(code)s.") % {"code": code})
        definition = {
            "service_code": code,
            "attributes": [
                {
                    "variable": True,
                    "code": "division_code",
                    "datatype": "string",
                    "required": False,
                    "datatype_description": _(
                        "Administrative division code (6, 9 or 12 digits) of the place; "
                        "defaults to the partner's jurisdiction."
                    ),
                    "order": 1,
                    "description": _("Where is it?"),
                },
                {
                    "variable": True,
                    "code": "case_type",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": "",
                    "order": 2,
                    "description": _("What kind of case is it? (default: complaint)"),
                    "values": [{"key": k, "name": str(v)} for k, v in CaseKind.choices],
                },
                {
                    "variable": True,
                    "code": "urgency",
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": "",
                    "order": 3,
                    "description": _("How urgent is it? (default: ordinary)"),
                    "values": [{"key": k, "name": str(v)} for k, v in Urgency.choices],
                },
            ],
        }
        if fmt == "xml":
            root = ET.Element("service_definition")
            _fill(root, definition)
            return HttpResponse(_document(root), content_type=FORMATS["xml"])
        return HttpResponse(json.dumps(definition, ensure_ascii=False), content_type=FORMATS[fmt])

    return _handle(fmt, build)


def _public_request(case: Case, updated: datetime | None) -> dict[str, Any]:
    status = "open" if case.is_open else "closed"
    notes = ""
    if case.status == CaseStatus.MERGED and case.merged_into is not None:
        notes = _("Merged into %(ref)s.") % {"ref": case.merged_into.ref}
    elif case.public_reply:
        notes = text.desensitise(case.public_reply)
    code = case.category or case.proposed_category

    def coordinate(value: Any) -> float | None:
        # The stored decimal, normalised (30.25924400 → 30.259244): as precise as given.
        return float(value) if value is not None else None

    return {
        "service_request_id": case.ref,
        "status": status,
        "status_notes": notes,
        "service_name": selectors.category_label(code) if code else "",
        "service_code": code,
        "description": text.desensitise(case.text),
        "agency_responsible": case.department.name if case.department else "",
        "service_notice": "",
        "requested_datetime": _iso(case.received_at),
        "updated_datetime": _iso(updated or case.received_at),
        "expected_datetime": _iso(case.resolve_due),
        "address": case.division.name,
        "address_id": "",
        "zipcode": "",
        "lat": coordinate(case.latitude),
        "long": coordinate(case.longitude),
        "media_url": case.media_url,
    }


def _requests(cases: Any) -> list[dict[str, Any]]:
    rows = list(
        cases.select_related("department", "division", "merged_into").annotate(
            updated=Max("events__at")
        )[:MAX_RESULTS]
    )
    return [_public_request(case, case.updated) for case in rows]


def _parse_date(value: str, name: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise Open311Error(
            400, _("%(name)s must be a W3C date-time with a time zone.") % {"name": name}
        )
    return parsed


def _search(request: HttpRequest) -> list[dict[str, Any]]:
    params = request.GET
    cases = selectors.open311_requests()
    if params.get("service_request_id"):
        ids = [i.strip() for i in params["service_request_id"].split(",") if i.strip()]
        return _requests(cases.filter(ref__in=ids[:MAX_RESULTS]).order_by("-received_at"))
    end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
    start = (
        _parse_date(params["start_date"], "start_date")
        if params.get("start_date")
        else end - timedelta(days=90)
    )
    if start > end or end - start > timedelta(days=90):
        raise Open311Error(400, _("The date range may not be reversed or span more than 90 days."))
    cases = cases.filter(received_at__gte=start, received_at__lte=end)
    if params.get("service_code"):
        cases = cases.filter(category__in=params["service_code"].split(","))
    status = params.get("status", "")
    if status:
        wanted = set(status.split(","))
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, _("status is open or closed."))
        if wanted == {"open"}:
            cases = cases.filter(status__in=[CaseStatus.DISPATCHING, CaseStatus.ASSIGNED])
        elif wanted == {"closed"}:
            cases = cases.exclude(status__in=[CaseStatus.DISPATCHING, CaseStatus.ASSIGNED])
    return _requests(cases.order_by("-received_at"))


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = services.client_for_key(data.get("api_key", ""))
    if client is None:
        raise Open311Error(403, _("Invalid api_key received: the request was not created."))
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    if code not in classifier.CATEGORIES:
        raise Open311Error(404, _("No service has the code %(code)s.") % {"code": code})
    lat, lon, address = data.get("lat", ""), data.get("long", ""), data.get("address_string", "")
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat and long must be given together."))
    if not ((lat and lon) or address.strip() or data.get("address_id")):
        raise Open311Error(
            400, _("A location is required: lat and long, address_string or address_id.")
        )
    division = client.division
    division_code = data.get("attribute[division_code]", "").strip()
    if division_code:
        found = Division.objects.filter(code=division_code).first()
        if found is None or not found.is_within(client.division):
            raise Open311Error(
                400,
                _("attribute[division_code] is not a division in your jurisdiction."),
            )
        division = found
    kind = data.get("attribute[case_type]", CaseKind.COMPLAINT) or CaseKind.COMPLAINT
    urgency = data.get("attribute[urgency]", Urgency.ORDINARY) or Urgency.ORDINARY
    name = " ".join(p for p in (data.get("first_name", ""), data.get("last_name", "")) if p)
    phone = data.get("phone", "")
    try:
        ratelimit.hit(ratelimit.HOTLINE_PER_PARTNER, f"partner:{client.pk}")
        case = submit_case(
            kind=kind,
            text_in=data.get("description", ""),
            location=Location(
                division=division, latitude=lat or None, longitude=lon or None, address=address
            ),
            channel=Channel.OPEN311,
            contact=Contact(
                name=name,
                phone=phone,
                email=data.get("email", ""),
                anonymous=not name,
                preference=ContactPreference.SMS if phone else ContactPreference.NONE,
            ),
            urgency=urgency,
            ip=_client_ip(request),
            api_client=client,
            category=code,
            media_url=data.get("media_url", ""),
        )
    except RateLimited as error:
        raise Open311Error(
            429, str(error), retry_after=int(error.params.get("retry_after", 3600))
        ) from None
    except DomainError as error:
        errors = error.params.get("errors")
        if isinstance(errors, Mapping):
            detail = "; ".join(f"{_open311_field(k)}: {v}" for k, v in errors.items())
        else:
            detail = f"{_open311_field(error.field or '')}: {error}" if error.field else str(error)
        raise Open311Error(400, detail) from None
    notice = _("Answered within %(days)s; follow it at /open311/v2/requests/%(ref)s.json") % {
        "days": timezone.localtime(case.resolve_due).date().isoformat(),
        "ref": case.ref,
    }
    return _respond(
        fmt,
        "service_requests",
        "request",
        [
            {
                "service_request_id": case.ref,
                "token": case.ref,
                "service_notice": notice,
                "account_id": None,
            }
        ],
        status=201,
    )


def _open311_field(name: str) -> str:
    return {
        "text": "description",
        "location": "lat/long",
        "kind": "attribute[case_type]",
        "urgency": "attribute[urgency]",
        "name": "first_name",
        "address": "address_string",
    }.get(name, name)


@require_GET
def token(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    """GET Service Request ID from a token: requests are created at once, so the token a
    POST returns is the request's id, and it names the request for as long as it exists."""

    def build() -> HttpResponse:
        if not selectors.open311_requests().filter(ref=token_id).exists():
            raise Open311Error(404, _("No request has the token %(token)s.") % {"token": token_id})
        return _respond(
            fmt,
            "service_requests",
            "request",
            [{"service_request_id": token_id, "token": token_id}],
        )

    return _handle(fmt, build)


@csrf_exempt  # partner apps authenticate with their api_key, not a session
@require_http_methods(["GET", "POST"])
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _handle(fmt, lambda: _post(request, fmt))
    return _handle(fmt, lambda: _respond(fmt, "service_requests", "request", _search(request)))


@require_GET
def request_detail(request: HttpRequest, ref: str, fmt: str) -> HttpResponse:
    def build() -> HttpResponse:
        rows = _requests(selectors.open311_requests().filter(ref=ref))
        if not rows:
            raise Open311Error(404, _("No request has the id %(id)s.") % {"id": ref})
        return _respond(fmt, "service_requests", "request", rows)

    return _handle(fmt, build)
