"""A buyer scans the QR on a product's label: the phone opens /v/ (and the verifier at
/verify/ takes the same text) and sees the certificate valid, naming the product, producer
and village; offline, the command-line verifier with the region's trust list says the same;
a revoked certificate is shown revoked; a changed digit never verifies."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from onewindow.core.models import Division
from onewindow.credentials import services as credentials
from onewindow.credentials import verify as credential_verify
from onewindow.credentials.models import Credential
from onewindow.credentials.verify import Reason, verify
from onewindow.identity.models import Department, User
from tests.identity.factories import officer
from tests.rural import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def label(agriculture: Department, farmer: User, divisions: dict[str, Division]) -> Credential:
    producer = factories.producer(farmer, divisions["village"], name="王阜茶园")
    listing = factories.listing(
        farmer, producer, certificates=("produce_compliance", "geographical_indication")
    )
    return listing.certificates.get(kind="produce_compliance")


def test_scanning_the_labels_qr_shows_the_certificate_valid(
    label: Credential, client: Client
) -> None:
    scanned = credentials.qr_url(label)

    phone = client.get(urlsplit(scanned).path)
    pasted = client.get("/verify/", follow=True)  # the old address of the verifier
    verifier = client.post("/credentials/verify/", {"credential": scanned})

    assert pasted.redirect_chain[-1][0].endswith("/credentials/verify/")
    for page in (phone, verifier):
        html = page.content.decode()
        assert page.status_code == 200
        assert 'data-reason="valid"' in html
        assert label.number in html
        assert "王阜茶园" in html
        assert "千岛湖高山茶" in html


def test_the_labels_qr_verifies_offline_with_the_trust_list(
    label: Credential, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trust_file = tmp_path / "trust-list.json"
    trust_file.write_text(json.dumps(credentials.trust_list_document()), encoding="utf-8")

    assert credential_verify.main(["--trust-list", str(trust_file), credentials.qr_url(label)]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["valid"] is True
    assert verdict["number"] == label.number
    assert verdict["status_checked"] is False  # offline: the status list was not read

    offline = verify(credentials.qr_url(label), credentials.trust())
    assert offline.reason is Reason.VALID
    scanned = credentials.qr_url(label)
    altered = scanned[:-1] + ("1" if scanned[-1] != "1" else "2")
    assert not verify(altered, credentials.trust()).is_valid


def test_a_revoked_certificate_scans_as_revoked(
    label: Credential, agriculture: Department, client: Client
) -> None:
    approver = officer(agriculture, roles=("approver",), username="agri-approver")
    credentials.change_status(approver, label, to="revoked", reason="抽检农药残留超标")

    page = client.get(urlsplit(credentials.qr_url(label)).path)

    assert 'data-reason="revoked"' in page.content.decode()
