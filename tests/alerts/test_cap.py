"""Every published message is CAP 1.2 valid against the OASIS schema, signed by its
department, listed in the Atom feeds, and read back by capparselib, a CAP parser from PyPI."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from capparselib.parsers import CAPParser  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import Client
from lxml import etree

from onewindow.alerts import cap, services
from onewindow.alerts.authoring import AreaDraft
from onewindow.alerts.models import Alert, MessageType
from onewindow.core.models import Division
from onewindow.identity.models import Department
from tests.alerts import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(divisions: dict[str, Division], django_capture_on_commit_callbacks: Any) -> list[Alert]:
    """A typhoon warning with a drawn polygon and a circle, its update, its cancellation."""
    bureau: Department = factories.bureau(divisions)
    author, approver = factories.author(bureau), factories.approver(bureau)
    areas = [
        AreaDraft("division", division_code="330127"),
        AreaDraft("polygon", points=factories.AROUND_VILLAGE),
        AreaDraft("circle", points=[(29.62, 118.95)], radius_km=5),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        original = services.approve_alert(
            approver, services.compose_alert(author, factories.typhoon(areas=areas))
        )
        update = services.approve_alert(
            approver,
            services.compose_alert(
                author,
                factories.typhoon(msg_type=MessageType.UPDATE, references=original.ref, areas=[]),
            ),
        )
        cancel = services.approve_alert(
            approver,
            services.compose_alert(
                author, factories.typhoon(msg_type=MessageType.CANCEL, references=update.ref)
            ),
        )
    return [original, update, cancel]


def test_every_message_validates_against_the_cap_schema(client: Client, chain: list[Alert]) -> None:
    for alert in chain:
        response = client.get(f"/alerts/{alert.ref}.xml")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/cap+xml")
        document = etree.fromstring(response.content)
        cap.schema().assertValid(document)
        ns = {"cap": cap.CAP_NAMESPACE}
        assert document.findtext("cap:msgType", namespaces=ns) == alert.msg_type
    cancel = etree.fromstring(client.get(f"/alerts/{chain[2].ref}.xml").content)
    references = cancel.findtext("cap:references", namespaces={"cap": cap.CAP_NAMESPACE})
    assert references is not None
    assert [entry.split(",")[1] for entry in references.split()] == [chain[0].ref, chain[1].ref]


def test_the_schema_refuses_what_cap_forbids(chain: list[Alert]) -> None:
    document = cap.alert_element(chain[0])
    status = document.find(f"{{{cap.CAP_NAMESPACE}}}status")
    assert status is not None
    status.text = "Maybe"
    assert not cap.schema().validate(document)


def test_the_signature_verifies_with_the_departments_published_key(
    client: Client, chain: list[Alert]
) -> None:
    alert = chain[0]
    document = client.get(f"/alerts/{alert.ref}.xml").content
    signature = client.get(f"/alerts/{alert.ref}.xml.jws").content.decode()
    encoded_header, empty, encoded_signature = signature.split(".")
    assert empty == ""
    header = json.loads(base64.urlsafe_b64decode(encoded_header + "=="))
    keys = client.get(f"/credentials/issuers/{alert.department.code}/jwks.json").json()["keys"]
    [key] = [key for key in keys if key["kid"] == header["kid"]]
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "=="))
    payload = base64.urlsafe_b64encode(document).rstrip(b"=").decode()
    signed = f"{encoded_header}.{payload}".encode()
    public.verify(base64.urlsafe_b64decode(encoded_signature + "=="), signed)
    with pytest.raises(InvalidSignature):
        public.verify(base64.urlsafe_b64decode(encoded_signature + "=="), signed + b"x")


def test_capparselib_reads_the_feed(client: Client, chain: list[Alert]) -> None:
    response = client.get("/alerts/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    alerts = CAPParser(response.content.decode()).as_dict()
    # In force: the cancellation only (it superseded the update, which superseded the alert).
    [cancel] = alerts
    assert str(cancel["cap_id"]) == chain[2].ref
    assert str(cancel["cap_message_type"]) == "Cancel"
    languages = {str(info["cap_language"]) for info in cancel["cap_info"]}
    assert languages == {"zh-CN", "en-US"}


def test_capparselib_reads_each_message(client: Client, chain: list[Alert]) -> None:
    original = chain[0]
    [parsed] = CAPParser(client.get(f"/alerts/{original.ref}.xml").content.decode()).as_dict()
    [chinese, english] = parsed["cap_info"]
    assert str(chinese["cap_headline"]) == "台风橙色预警"
    assert str(english["cap_event"]) == "Typhoon"
    [area] = english["cap_area"]
    assert [str(code["value"]) for code in area["geocodes"]] == ["330127"]
    assert str(area["polygons"][0]).startswith("29.5,118.8 ")
    assert str(area["circles"][0]) == "29.62,118.95 5"


def test_the_division_feed_lists_alerts_covering_it(client: Client, chain: list[Alert]) -> None:
    inside = client.get("/alerts/feed/330127201202.atom")
    outside = client.get("/alerts/feed/330106.atom")
    assert chain[2].ref.encode() in inside.content
    assert chain[2].ref.encode() not in outside.content
    assert client.get("/alerts/feed/999999.atom").status_code == 404
