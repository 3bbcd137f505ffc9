"""Mutual recognition between two OneWindow instances on loopback: a marriage certificate
issued in Zhejiang (330000) verifies in Jiangsu (320000) once Jiangsu imports Zhejiang's
signed trust list, pinned by its anchor key's thumbprint; Jiangsu then reads its status from
Zhejiang's published status list, so a revocation there shows here. The same for a health
and travel code, whose revocation when the resident is marked at risk shows at once."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from onewindow.credentials.verify import TrustList, verify
from tests.exchange.test_federation import Region, running_regions

pytestmark = [pytest.mark.servers]


@pytest.fixture(scope="module")
def regions(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[tuple[Region, Region]]:
    """One pair of regions for the module (starting them is most of each test's time): the
    tests do not depend on each other, since each recognises the other region's issuers."""
    with running_regions(tmp_path_factory.mktemp("regions"), migrated_sqlite) as both:
        yield both


def test_a_credential_from_another_region_verifies_once_its_trust_list_is_imported(
    regions: tuple[Region, Region],
) -> None:
    zhejiang, jiangsu = regions
    issued = zhejiang.run("issue")
    assert zhejiang.run("verify", issued["qr"])["valid"] is True

    # Not recognised yet: Jiangsu does not know Zhejiang's seal.
    assert jiangsu.run("verify", issued["qr"])["reason"] == "unknown_key"
    assert jiangsu.run("verify", issued["sd_jwt"])["reason"] == "unknown_issuer"

    thumbprint, trust_list_url = zhejiang.run("credentials", "anchor")["output"].split()
    assert trust_list_url == f"{zhejiang.url}/credentials/trust-list.jwt"
    # A trust list offered under another anchor is refused, and nothing is recognised.
    wrong = jiangsu.run(
        "credentials", "trust-import", "--url", trust_list_url, "--thumbprint", "A" * 43
    )
    assert "anchor key" in wrong["error"]
    assert jiangsu.run("verify", issued["qr"])["reason"] == "unknown_key"

    imported = jiangsu.run(
        "credentials", "trust-import", "--url", trust_list_url, "--thumbprint", thumbprint
    )
    assert "output" in imported, imported  # what the import said instead (it failed once in CI)
    assert imported["output"].startswith("recognised 330000")

    for text in (issued["qr"], issued["sd_jwt"]):
        verdict = jiangsu.run("verify", text)
        assert verdict["valid"] is True
        assert verdict["region"] == "330000"
        assert verdict["status_checked"] is True  # Zhejiang's status list, over HTTP
        assert verdict["issuer"] == f"{zhejiang.url}/credentials/issuers/330100-civil_affairs"

    zhejiang.run("revoke", issued["id"])
    assert jiangsu.run("verify", issued["qr"])["reason"] == "revoked"


def test_a_health_code_from_another_region_verifies_with_its_trust_list_and_its_revocation_shows(
    regions: tuple[Region, Region],
) -> None:
    # Jiangsu's health department issues; a Zhejiang checkpoint verifies (the other test
    # recognises the other way round, so neither depends on the other).
    zhejiang, jiangsu = regions
    green = jiangsu.run("health-code")
    thumbprint, trust_list_url = jiangsu.run("credentials", "anchor")["output"].split()
    zhejiang.run("credentials", "trust-import", "--url", trust_list_url, "--thumbprint", thumbprint)

    # A Zhejiang checkpoint scans the printed QR (a URL of Jiangsu's site) and the SD-JWT.
    for text in (green["qr_url"], green["sd_jwt"]):
        verdict = zhejiang.run("verify", text)
        assert verdict["valid"] is True
        assert verdict["region"] == "320000"
        assert verdict["kind"] == "HealthCodeCredential"
        assert verdict["subject"]["colour"] == "green"
        assert verdict["status_checked"] is True
    # Offline, with nothing but Jiangsu's trust list: valid, its status not checked.
    with urllib.request.urlopen(f"{jiangsu.url}/credentials/trust-list.json") as response:  # noqa: S310
        trust = TrustList([json.loads(response.read())])
    offline = verify(green["qr_url"], trust)
    assert offline.is_valid
    assert offline.status_checked is False
    assert offline.valid_until is not None
    assert offline.valid_from is not None
    assert offline.valid_until - offline.valid_from == timedelta(hours=24)

    red = jiangsu.run("health-colour", "red")  # the resident is marked at risk

    assert zhejiang.run("verify", green["qr_url"])["reason"] == "revoked"
    now_red = zhejiang.run("verify", red["qr_url"])
    assert now_red["valid"] is True
    assert now_red["subject"]["colour"] == "red"
