"""Mutual recognition between two OneWindow instances on loopback: a marriage certificate
issued in Zhejiang (330000) verifies in Jiangsu (320000) once Jiangsu imports Zhejiang's
signed trust list, pinned by its anchor key's thumbprint; Jiangsu then reads its status from
Zhejiang's published status list, so a revocation there shows here."""

from __future__ import annotations

import pytest

from tests.exchange.test_federation import Region, regions  # noqa: F401  # the fixture

pytestmark = [pytest.mark.servers]


def test_a_credential_from_another_region_verifies_once_its_trust_list_is_imported(
    regions: tuple[Region, Region],  # noqa: F811
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
    assert imported["output"].startswith("recognised 330000")

    for text in (issued["qr"], issued["sd_jwt"]):
        verdict = jiangsu.run("verify", text)
        assert verdict["valid"] is True
        assert verdict["region"] == "330000"
        assert verdict["status_checked"] is True  # Zhejiang's status list, over HTTP
        assert verdict["issuer"] == f"{zhejiang.url}/credentials/issuers/330100-civil_affairs"

    zhejiang.run("revoke", issued["id"])
    assert jiangsu.run("verify", issued["qr"])["reason"] == "revoked"
