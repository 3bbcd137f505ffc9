"""A demo served on another port names that address everywhere it writes one.

`make demo PORT=...` passes the port to the platform through ONEWINDOW_PUBLIC_URL; this test
asks the Makefile what it would pass for a free port, serves OneWindow there with granian (its
own SQLite file and keys, as in the federation test), and follows every link the platform
wrote from outside, as a verifier, a map widget or a citizen would: the credential's issuer
and status lists, the trust list, the printed QR, Open311 discovery and a notification.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from georeport import GeoReport

from onewindow.credentials import formats
from onewindow.credentials import verify as credential_verify
from tests.exchange.test_federation import ROOT, Region, _stop, _wait_until_serving
from tests.instances import copy_migrated_sqlite, free_port

pytestmark = [pytest.mark.servers]


@dataclass
class Demo(Region):
    public_url: str = ""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "ONEWINDOW_PUBLIC_URL": self.public_url}


def _make_public_url(port: int) -> str:
    """What `make demo PORT=<port>` exports as ONEWINDOW_PUBLIC_URL."""
    env = {"PATH": "/usr/bin:/bin"}  # no ONEWINDOW_PUBLIC_URL of this shell leaks in
    # Our own Makefile, fixed arguments.
    answer = subprocess.run(  # noqa: S603
        ["make", "-s", "--no-print-directory", "public-url", f"PORT={port}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return answer.stdout.strip()


def _get(url: str) -> tuple[int, str]:
    # Only URLs the platform wrote, checked by the caller to be on our loopback server.
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def demo(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Demo]:
    port = free_port()
    assert port != 8000
    site = Demo("330000", tmp_path / "demo", port, public_url=_make_public_url(port))
    # The run's one migrated database, copied (as in the federation test), then what
    # `make demo` runs next.
    copy_migrated_sqlite(migrated_sqlite, site.folder)
    subprocess.run(  # our own CLI, as `make demo` runs it
        [sys.executable, "-m", "onewindow.config.cli", "collectstatic", "--noinput", "-v0"],
        env=site.env,
        cwd=ROOT,
        check=True,
        timeout=180,
    )
    processes: list[subprocess.Popen[Any]] = []
    try:
        site.start_driver()
        assert site.driver is not None
        processes.append(site.driver)
        assert site.run("seed", site.code)["region"] == site.code
        server = site.server()
        processes.append(server)
        _wait_until_serving(site, server)
        yield site
    finally:
        for process in processes:
            _stop(process)
        for log in site.logs:
            log.close()


def test_a_demo_on_another_port_writes_that_address_into_every_link(
    demo: Demo, tmp_path: Path
) -> None:
    url = demo.url
    assert demo.public_url == url  # the Makefile passed the port through

    # The credential: its issuer and status lists are on this server, and they answer.
    issued = demo.run("issue")
    issuer_signed = issued["sd_jwt"].split("~", 1)[0]
    claims = jwt.decode(issuer_signed, options={"verify_signature": False})
    assert claims["iss"].startswith(f"{url}/")
    status_urls = [entry["statusListCredential"] for entry in claims["credentialStatus"]]
    assert len(status_urls) == 2
    assert all(link.startswith(f"{url}/") for link in status_urls)
    # The IETF SD-JWT VC way: the issuer's keys at the well-known place under its host.
    issuer = urlsplit(claims["iss"])
    status, body = _get(f"{url}/.well-known/jwt-vc-issuer{issuer.path}")
    assert status == 200, body
    metadata = json.loads(body)
    assert metadata["issuer"] == claims["iss"]
    keys = {key["kid"]: key for key in metadata["jwks"]["keys"]}
    seal = jwt.PyJWK(keys[jwt.get_unverified_header(issuer_signed)["kid"]])
    assert jwt.decode(issuer_signed, seal, algorithms=["EdDSA"])["vct"]
    for link in status_urls:
        status, token = _get(link)
        assert status == 200
        assert jwt.decode(token, seal, algorithms=["EdDSA"])["id"] == link

    # The trust list names this address for every issuer.
    status, body = _get(f"{url}/credentials/trust-list.json")
    trust_list = json.loads(body)
    for entry in trust_list["issuers"]:
        assert entry["id"].startswith(f"{url}/")
        assert entry["status_list"].startswith(f"{url}/")

    # The printed QR opens this server's verification page for that credential.
    assert issued["qr_url"].startswith(f"{url}/v/")
    status, page = _get(issued["qr_url"])
    assert status == 200
    assert 'data-reason="valid"' in page, page[page.find('id="verdict"') - 200 :][:1500]

    # Offline verification from the scanned URL, reading the status lists over HTTP.
    trust_file = tmp_path / "trust-list.json"
    trust_file.write_text(body, encoding="utf-8")
    trust = credential_verify.TrustList.load(trust_file)
    online = credential_verify.verify(
        issued["qr_url"], trust, status=credential_verify.fetch_status_lookup(trust)
    )
    assert online.is_valid
    assert online.status_checked

    # Open311 discovery, JSON and XML, names this server; a real client follows it.
    status, body = _get(f"{url}/open311/v2/discovery.json")
    endpoint = json.loads(body)["endpoints"][0]["url"]
    assert endpoint == f"{url}/open311/v2"
    status, body = _get(f"{url}/open311/v2/discovery.xml")
    assert ET.fromstring(body).findtext("endpoints/endpoint/url") == endpoint  # noqa: S314
    assert GeoReport(endpoint).get_service_list()

    # The holder's notification: the e-mail and the SMS link to this server.
    sent = demo.run("notification")
    link = f"{url}{sent['link']}"
    assert sent["link"].startswith("/credentials/wallet/")
    assert link in sent["email"]
    assert link in sent["sms"]


def test_an_online_check_says_why_status_was_not_checked(tmp_path: Path) -> None:
    """`onewindow-credential-verify --online` against a status list nobody serves."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    port = free_port()  # nothing listens there
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    issuer = f"http://127.0.0.1:{port}/credentials/issuers/330100-civil_affairs"
    trust_file = tmp_path / "trust-list.json"
    trust_file.write_text(
        json.dumps(
            {
                "type": credential_verify.TRUST_LIST_TYPE,
                "region": {"code": "330000"},
                "issuers": [
                    {
                        "id": issuer,
                        "status_list": f"http://127.0.0.1:{port}/credentials/status/x/{{purpose}}.jwt",
                        "keys": [
                            {"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": formats.b64url(raw)}
                        ],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    credential = formats.issue_sd_jwt(
        {
            "iss": issuer,
            "credentialSubject": {"credentialNumber": "330100-MC-20261124-000001"},
            "credentialStatus": [{"statusListIndex": "7", "statusPurpose": "revocation"}],
        },
        {"holderName": "李小雨"},
        key=key,
        kid="k1",
    )

    # Our own interpreter and module; the arguments are this test's.
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "onewindow.credentials.verify",
            "--trust-list",
            str(trust_file),
            "--online",
            credential,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )

    verdict = json.loads(result.stdout)
    assert verdict["valid"] is True
    assert verdict["status_checked"] is False
    assert f"127.0.0.1:{port}" in verdict["status_detail"]
    assert "could not be fetched" in verdict["status_detail"]
