"""Two OneWindow instances, two regions, one cross-region query over real HTTP.

Region A (Zhejiang, 330000) and region B (Jiangsu, 320000) each run as a granian server on
loopback with their own SQLite file, keys and region code in a temporary folder, whatever
this run's DATABASE_URL says: the spawned servers never touch the test database, so the test
is the same in the SQLite and the PostgreSQL runs. Each region is set up and driven by
`tests/exchange/federation_region.py` (one process per region, which also runs the
`exchange-peer` command as an operator would) in that instance's environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from tests.instances import copy_migrated_sqlite, free_port, serve_command

ROOT = Path(__file__).resolve().parents[2]
GRANIAN = Path(sys.executable).with_name("granian")
CONSUMER = "330100-civil_affairs"
PROVIDER = "320100-public_security"
PURPOSE = "marriage_registration"
NOT_INHERITED = {
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "ONEWINDOW_TASKS_URL",
    "ONEWINDOW_SECRET_KEY",
    "ONEWINDOW_DATA_KEY",
    "ONEWINDOW_LEDGER_KEY",
}

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not GRANIAN.exists(), reason="granian is not installed"),
]


@dataclass
class Region:
    code: str
    folder: Path
    port: int
    driver: subprocess.Popen[str] | None = None
    logs: list[IO[bytes]] = field(default_factory=list)

    def _log(self, name: str) -> IO[bytes]:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.logs.append((self.folder / name).open("wb"))
        return self.logs[-1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            # Each region its own SQLite file and keys (generated into its folder), whatever
            # this run's database and the test settings' fixed keys are.
            if key not in NOT_INHERITED
        }
        return {
            **env,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
            "ONEWINDOW_VAR_DIR": str(self.folder),
            "ONEWINDOW_REGION_CODE": self.code,
            "ONEWINDOW_EXCHANGE_TIMEOUT": "5",
            "ONEWINDOW_PUBLIC_URL": self.url,
            # A revocation in one process is seen by the region's server at once.
            "ONEWINDOW_STATUS_LIST_SECONDS": "0",
            "ONEWINDOW_LOG_LEVEL": "WARNING",
        }

    def start_driver(self) -> None:
        """The region's own process that runs each step (tests/exchange/federation_region.py)."""
        # Our own interpreter and script, fixed arguments: nothing untrusted reaches it.
        self.driver = subprocess.Popen(
            [sys.executable, "-m", "tests.exchange.federation_region"],
            env=self.env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log("driver.log"),
            text=True,
        )

    def send(self, *step: str) -> None:
        assert self.driver is not None
        assert self.driver.stdin is not None
        self.driver.stdin.write(json.dumps(step) + "\n")
        self.driver.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.driver is not None
        assert self.driver.stdout is not None
        line = self.driver.stdout.readline()
        assert line, (self.folder / "driver.log").read_text()
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, *step: str) -> dict[str, Any]:
        self.send(*step)
        return self.receive()

    def command(self, *args: str) -> str:
        """`onewindow exchange-peer ...` in this region; its output."""
        answer = self.run("exchange-peer", *args)
        assert "output" in answer, answer
        output: str = answer["output"]
        return output

    def server(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603
            serve_command(self.port, workers=1),
            env=self.env,
            cwd=ROOT,
            stdout=self._log("server.log"),
            stderr=subprocess.STDOUT,
        )


def _wait_until_serving(region: Region, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, (region.folder / "server.log").read_text()
        try:
            with urllib.request.urlopen(f"{region.url}/exchange/v1/jwks.json", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"region {region.code} did not start: see {region.folder}/server.log")


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.stdin is not None:  # a driver ends at the end of its input
        process.stdin.close()
    else:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


@contextmanager
def running_regions(folder: Path, migrated_sqlite: Path) -> Iterator[tuple[Region, Region]]:
    """Zhejiang and Jiangsu seeded and serving, until the block ends."""
    a = Region("330000", folder / "a", free_port())
    b = Region("320000", folder / "b", free_port())
    # One migration for the whole run, copied: both regions start from the same empty schema.
    for region in (a, b):
        copy_migrated_sqlite(migrated_sqlite, region.folder)
    processes: list[subprocess.Popen[Any]] = []
    try:
        for region in (a, b):
            region.start_driver()
            assert region.driver is not None
            processes.append(region.driver)
            region.send("seed", region.code)
        servers = [a.server(), b.server()]
        processes += servers
        for region in (a, b):
            assert region.receive()["region"] == region.code
        for region, server in zip((a, b), servers, strict=True):
            _wait_until_serving(region, server)
        yield a, b
    finally:
        for process in processes:
            _stop(process)
        for log in (*a.logs, *b.logs):
            log.close()


@pytest.fixture
def regions(tmp_path: Path, migrated_sqlite: Path) -> Iterator[tuple[Region, Region]]:
    with running_regions(tmp_path, migrated_sqlite) as both:
        yield both


def test_a_cross_region_query_answers_granted_fields_only_and_both_regions_log_it(
    regions: tuple[Region, Region],
) -> None:
    a, b = regions
    ask = ("call", b.code, PROVIDER, CONSUMER, PURPOSE)

    # A knows B, but B does not know A yet: B refuses a key it has no registry entry for.
    assert "registered 320000" in a.command(
        "add", "--code", b.code, "--name", "Jiangsu", "--url", b.url
    )
    unregistered = a.run(*ask)
    assert (unregistered["status"], unregistered["error"]) == (401, "signature_refused")

    # B registers A (fetching A's keys over HTTP): A is now known, but has no grant.
    assert "registered 330000" in b.command(
        "add", "--code", a.code, "--name", "Zhejiang", "--url", a.url
    )
    ungranted = a.run(*ask)
    assert (ungranted["status"], ungranted["error"]) == (403, "grant_refused")

    # B's steward grants A's civil affairs two fields for one purpose.
    granted = b.command(
        "grant", "--code", a.code, "--consumer", CONSUMER, "--service",
        "public_security.household_registration", "--purpose", PURPOSE,
        "--fields", "name,household_division", "--days", "30", "--steward", "steward",
    )  # fmt: skip
    grant_number = granted.split()[1].rstrip(":")

    answered = a.run(*ask)
    assert answered["answer"]["found"] is True
    assert answered["answer"]["data"] == {"name": "陈小红", "household_division": "320106"}
    assert answered["answer"]["iss"] == PROVIDER

    # A request altered after signing is refused by B.
    tampered = a.run("tamper", b.code, PROVIDER, CONSUMER, PURPOSE)
    assert tampered == {"status": 401, "content_type": "application/problem+json"}

    # B revokes: the next call is refused.
    assert "revoked" in b.command("revoke", "--grant", grant_number, "--steward", "steward")
    revoked = a.run(*ask)
    assert (revoked["status"], revoked["error"]) == (403, "grant_refused")
    assert "revoked" in revoked["message"]

    a_log, b_log = a.run("log"), b.run("log")
    assert [(c["status"], c["http_status"]) for c in a_log["outgoing"]] == [
        ("refused", 401),
        ("refused", 403),
        ("answered", 200),
        ("refused", 403),
    ]
    assert all(c["peer"] == b.code and c["in_ledger"] for c in a_log["outgoing"])
    incoming = b_log["incoming"]
    assert [m["status"] for m in incoming] == [
        "refused",
        "refused",
        "answered",
        "refused",
        "refused",
    ]
    # An unknown key and a broken signature name nobody; the others name A's department.
    assert incoming[0]["peer"] is None
    assert incoming[3]["peer"] is None
    for message in (incoming[1], incoming[2], incoming[4]):
        assert (message["peer"], message["remote_consumer"]) == (a.code, CONSUMER)
        assert message["consumer"] is None
    assert all(message["in_ledger"] for message in incoming)
    assert incoming[2]["about_a_known_person"]  # B's resident sees A's read on "my data"
    assert "revoked" in incoming[4]["reason"]
