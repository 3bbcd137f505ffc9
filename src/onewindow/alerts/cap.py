"""An alert as OASIS CAP 1.2 XML, its detached signature, and the Atom feed of alerts.

The XML is built with lxml and checked against the OASIS schema (`data/CAP-v1.2.xsd`, with
its notice). The signature is a detached JWS (RFC 7515, appendix F) over the exact bytes
served at `/alerts/<ref>.xml`, made with the issuing department's Ed25519 seal: anyone
verifies it with the department's published key (`/credentials/issuers/<code>/jwks.json`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.utils import timezone
from lxml import etree

from onewindow.alerts.models import Alert, AreaKind
from onewindow.core.site import public_url
from onewindow.core.text_input import xml_text
from onewindow.credentials import formats, seals

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
SCHEMA_PATH = Path(__file__).parent / "data" / "CAP-v1.2.xsd"
CAP_LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}
DIVISION_CODE_NAME = "GB/T 2260"  # the geocode valueName of a division code
SIGNATURE_TYPE = "cap+jws"


class InvalidCap(ValueError):
    """The XML breaks the CAP 1.2 schema (a bug: every alert is checked before it is served)."""


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def cap_time(moment: datetime) -> str:
    """CAP's dateTime: local time with its offset, no fractions, never "Z"."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def sender(alert: Alert) -> str:
    host = public_url().split("://", 1)[-1].split("/", 1)[0] or "onewindow.example"
    return f"{alert.department.code}@{host}"


def identifier(alert: Alert) -> str:
    return alert.ref


def reference_of(alert: Alert) -> str:
    """How other messages reference this one: "sender,identifier,sent"."""
    assert alert.sent_at is not None
    return f"{sender(alert)},{identifier(alert)},{cap_time(alert.sent_at)}"


def _text(parent: etree._Element, name: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NAMESPACE}}}{name}")
    element.text = xml_text(value)
    return element


def alert_element(alert: Alert) -> etree._Element:
    """The `<alert>` element of a published alert (CAP element order, as the schema wants)."""
    assert alert.sent_at is not None, "only published alerts are CAP messages"
    root = etree.Element(f"{{{CAP_NAMESPACE}}}alert", nsmap={None: CAP_NAMESPACE})
    _text(root, "identifier", identifier(alert))
    _text(root, "sender", sender(alert))
    _text(root, "sent", cap_time(alert.sent_at))
    _text(root, "status", "Actual")
    _text(root, "msgType", alert.msg_type)
    _text(root, "scope", "Public")
    earlier: list[str] = []
    previous = alert.references
    while previous is not None:
        earlier.insert(0, reference_of(previous))
        previous = previous.references
    if earlier:
        _text(root, "references", " ".join(earlier))
    areas = list(alert.areas.all())
    for info in sorted(alert.infos.all(), key=lambda block: block.language != "zh-hans"):
        block = etree.SubElement(root, f"{{{CAP_NAMESPACE}}}info")
        _text(block, "language", CAP_LANGUAGES[info.language])
        _text(block, "category", alert.category)
        _text(block, "event", info.event)
        _text(block, "urgency", alert.urgency)
        _text(block, "severity", alert.severity)
        _text(block, "certainty", alert.certainty)
        _text(block, "onset", cap_time(alert.onset))
        _text(block, "expires", cap_time(alert.expires))
        department = alert.department
        _text(
            block,
            "senderName",
            department.name_zh if info.language == "zh-hans" else department.name_en,
        )
        _text(block, "headline", info.headline)
        _text(block, "description", info.description)
        _text(block, "instruction", info.instruction)
        _text(block, "web", alert.web or public_url(f"/alerts/{alert.ref}/"))
        if alert.contact:
            _text(block, "contact", alert.contact)
        area_element = etree.SubElement(block, f"{{{CAP_NAMESPACE}}}area")
        _text(area_element, "areaDesc", info.area_description)
        for area in areas:
            if area.kind == AreaKind.POLYGON:
                _text(
                    area_element,
                    "polygon",
                    " ".join(f"{lat:g},{lon:g}" for lat, lon in area.points),
                )
        for area in areas:
            if area.kind == AreaKind.CIRCLE:
                (lat, lon) = area.points[0]
                _text(area_element, "circle", f"{lat:g},{lon:g} {area.radius_km:g}")
        for area in areas:
            if area.kind == AreaKind.DIVISION and area.division is not None:
                geocode = etree.SubElement(area_element, f"{{{CAP_NAMESPACE}}}geocode")
                _text(geocode, "valueName", DIVISION_CODE_NAME)
                _text(geocode, "value", area.division.code)
    return root


def to_xml(alert: Alert) -> bytes:
    """The alert's CAP 1.2 document; raises InvalidCap if it breaks the schema."""
    root = alert_element(alert)
    if not schema().validate(root):
        raise InvalidCap(str(schema().error_log.last_error))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sign(alert: Alert, document: bytes) -> str:
    """A detached compact JWS over `document` (header..signature), by the department's seal."""
    seal = seals.seal_of(alert.department)
    header = {"alg": formats.JWS_ALGORITHM, "kid": seal.kid, "typ": SIGNATURE_TYPE}
    encoded_header = formats.b64url(json.dumps(header, separators=(",", ":")).encode())
    signing_input = f"{encoded_header}.{formats.b64url(document)}".encode("ascii")
    return f"{encoded_header}..{formats.b64url(seal.private.sign(signing_input))}"


def atom_feed(alerts: Iterable[Alert], *, title: str, self_path: str) -> bytes:
    """An Atom feed (RFC 4287) whose entries link to each alert's CAP document and carry it
    as their content, as CAP feeds do."""
    atom = f"{{{ATOM_NAMESPACE}}}"
    feed = etree.Element(f"{atom}feed", nsmap={None: ATOM_NAMESPACE})
    items = list(alerts)
    etree.SubElement(feed, f"{atom}id").text = public_url(self_path)
    etree.SubElement(feed, f"{atom}title").text = title
    updated = max((alert.sent_at for alert in items if alert.sent_at), default=timezone.now())
    etree.SubElement(feed, f"{atom}updated").text = cap_time(updated)
    etree.SubElement(feed, f"{atom}link", rel="self", href=public_url(self_path))
    author = etree.SubElement(feed, f"{atom}author")
    etree.SubElement(author, f"{atom}name").text = "OneWindow"
    for alert in items:
        assert alert.sent_at is not None
        info = alert.info("zh-hans")
        entry = etree.SubElement(feed, f"{atom}entry")
        etree.SubElement(entry, f"{atom}id").text = public_url(f"/alerts/{alert.ref}.xml")
        etree.SubElement(entry, f"{atom}title").text = xml_text(info.headline)
        etree.SubElement(entry, f"{atom}updated").text = cap_time(alert.sent_at)
        etree.SubElement(entry, f"{atom}summary").text = xml_text(info.description)
        etree.SubElement(
            entry,
            f"{atom}link",
            rel="alternate",
            type="application/cap+xml",
            href=public_url(f"/alerts/{alert.ref}.xml"),
        )
        content = etree.SubElement(entry, f"{atom}content", type="text/xml")
        content.append(alert_element(alert))
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
