"""`kill -9` in the middle of a rush of filings loses nothing and files nothing twice.

Real processes, as `make demo` runs them: granian (2 workers) and `onewindow worker`, on a
database of this test's own (a copy of the migrated test database holding the map, the
catalogue, citizens with sessions and drafts with their uploads: a SQLite file, or a
PostgreSQL database created from the test database as template and dropped at the end, when
this run is on PostgreSQL). Several client threads file, each request with its own
Idempotency-Key; once some are acknowledged, the server's process group and the worker are
killed with SIGKILL. Both restart; every request that got no answer is sent again with its
own key and body, and so is every acknowledged one. Then: every acknowledged application is
there, each draft became exactly one application, every retry answered with the first
result, no task was left behind, and both audits are clean.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import IO, Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from onewindow.applications.models import Upload
from onewindow.core.models import Division
from onewindow.identity.models import User
from tests.applications import factories
from tests.copied_database import Database
from tests.exchange.test_federation import free_port
from tests.identity.factories import citizen

ROOT = Path(__file__).resolve().parents[2]
GRANIAN = Path(sys.executable).with_name("granian")
CLI = [sys.executable, "-m", "onewindow.config.cli"]
CLIENTS = 4
PER_CLIENT = 8
KILL_AFTER = 10  # acknowledged filings before the crash
CSRF = "0123456789abcdef0123456789abcdef"  # an unmasked secret, in cookie and header
AUDITS = """
from django.core.management import call_command
call_command("ledger", "integrate")
call_command("audit_decisions")
call_command("ledger", "audit")
"""

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not GRANIAN.exists(), reason="granian is not installed"),
]


@dataclass
class Filing:
    """One request as a client sends it, and what it was answered."""

    client: int
    key: str
    body: bytes
    uploads: list[int]
    status: int | None = None
    answer: bytes = b""


def _session(user: User) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "onewindow.identity.backends.IdentifierBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


def _seed(divisions: dict[str, Division]) -> tuple[list[str], list[Filing]]:
    """Citizens with a session each and PER_CLIENT drafts each, through the real services."""
    factories.departments(divisions)
    version = factories.catalogue()[factories.BIRTH]
    sessions: list[str] = []
    filings: list[Filing] = []
    for slot in range(CLIENTS):
        person = citizen(divisions["community"])
        sessions.append(_session(person))
        for _ in range(PER_CLIENT):
            draft = factories.draft_with_uploads(person, version)
            body = {
                "service_code": factories.BIRTH,
                "form": factories.BIRTH_FORM,
                "delivery": "electronic",
                "draft": draft.pk,
            }
            uploads = list(Upload.objects.filter(draft=draft).values_list("pk", flat=True))
            filings.append(Filing(slot, str(uuid.uuid4()), json.dumps(body).encode(), uploads))
    return sessions, filings


class Site:
    """The server (granian, its own process group) and the worker, started and killed."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.database_url = database_url
        self.port = 0
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.logs: list[IO[bytes]] = []

    @property
    def env(self) -> dict[str, str]:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "ONEWINDOW_TASKS_URL"}
        }
        return {
            **inherited,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "onewindow.config.settings",
            "DATABASE_URL": self.database_url,
            # The test settings' keys: the citizens' data and sessions were made with them.
            "ONEWINDOW_SECRET_KEY": os.environ["ONEWINDOW_SECRET_KEY"],
            "ONEWINDOW_DATA_KEY": os.environ["ONEWINDOW_DATA_KEY"],
            "ONEWINDOW_VAR_DIR": str(self.folder),
            "ONEWINDOW_ALLOWED_HOSTS": "127.0.0.1",
            "ONEWINDOW_DEBUG": "0",
            "ONEWINDOW_TICK_SECONDS": "2",
            "ONEWINDOW_WORKER_BEAT_SECONDS": "0.5",
            "ONEWINDOW_DB_POOL_SIZE": "4",
            "ONEWINDOW_LOG_LEVEL": "WARNING",
        }

    def _log(self, name: str) -> IO[bytes]:
        self.logs.append((self.folder / name).open("ab"))
        return self.logs[-1]

    def start(self) -> None:
        self.port = free_port()
        # Our own interpreter and granian, fixed arguments: nothing untrusted reaches them.
        self.server = subprocess.Popen(  # noqa: S603
            [
                str(GRANIAN),
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "2",
                "--no-ws",
                "onewindow.config.wsgi:application",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self._log("server.log"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 reaches every worker
        )
        self.worker = subprocess.Popen(  # noqa: S603
            [*CLI, "worker"],
            env=self.env,
            cwd=ROOT,
            stdout=self._log("worker.log"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.server.poll() is None, (self.folder / "server.log").read_text()
            assert self.worker.poll() is None, (self.folder / "worker.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            try:
                answer = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                answer.request("GET", "/healthz")
                if answer.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)

    def kill(self) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop(self) -> None:
        for process in (self.server, self.worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for log in self.logs:
            log.close()
        self.logs.clear()

    def post(self, session: str, filing: Filing) -> tuple[int, bytes] | None:
        """Send one filing; None when no answer came (refused, cut off, timed out)."""
        try:
            link = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            link.request(
                "POST",
                "/api/v1/applications",
                body=filing.body,
                headers={
                    "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                    "X-CSRFToken": CSRF,
                    "Content-Type": "application/json",
                    "Idempotency-Key": filing.key,
                },
            )
            answer = link.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException):
            return None


@pytest.fixture
def crash_site(tmp_path: Path) -> Iterator[tuple[Database, Site]]:
    database = Database(tmp_path)
    site = Site(tmp_path, "")
    try:
        yield database, site
    finally:
        site.stop()
        database.drop()


def _rush(site: Site, sessions: list[str], filings: list[Filing]) -> None:
    """Every client files its drafts one after another; the site is killed once KILL_AFTER
    filings are acknowledged, and the rest of the rush meets a dead server."""
    acknowledged = threading.Semaphore(0)

    def client(slot: int) -> None:
        for filing in (f for f in filings if f.client == slot):
            answer = site.post(sessions[slot], filing)
            if answer is not None:
                filing.status, filing.answer = answer
                if filing.status == 201:
                    acknowledged.release()

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        assert acknowledged.acquire(timeout=60), "the rush stalled before the crash"
    site.kill()
    for thread in threads:
        thread.join(timeout=60)


def _retry(site: Site, sessions: list[str], filings: list[Filing]) -> dict[str, bytes]:
    """Every filing again with its own key and body, a thread per client; the answers."""
    answers: dict[str, tuple[int, bytes] | None] = {}

    def client(slot: int) -> None:
        for filing in (f for f in filings if f.client == slot):
            answers[filing.key] = site.post(sessions[slot], filing)

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    refused = {key: answer for key, answer in answers.items() if not answer or answer[0] != 201}
    assert refused == {}, "retries not answered 201"
    return {key: answer[1] for key, answer in answers.items() if answer is not None}


def _drained(database: Database, seconds: float = 45) -> list[tuple[Any, ...]]:
    """Wait until no task is ready or running; the tasks as (path, status, worker ids)."""
    deadline = time.monotonic() + seconds
    while True:
        tasks = database.rows(
            "SELECT task_path, status, worker_ids FROM django_tasks_database_dbtaskresult"
        )
        waiting = [t for t in tasks if t[1] in ("READY", "RUNNING")]
        if not waiting or time.monotonic() > deadline:
            return tasks
        time.sleep(0.25)


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_rush_loses_no_acknowledged_filing_and_files_none_twice(
    divisions: dict[str, Division], crash_site: tuple[Database, Site]
) -> None:
    database, site = crash_site
    sessions, filings = _seed(divisions)
    database.copy_test_database()
    site.database_url = database.url
    site.start()

    _rush(site, sessions, filings)
    acknowledged = {f.key: json.loads(f.answer)["ref"] for f in filings if f.status == 201}
    unanswered = [f for f in filings if f.status is None]
    assert len(acknowledged) >= KILL_AFTER
    assert all(f.status in (None, 201) for f in filings), [f.answer for f in filings]
    assert unanswered, "the crash came after the rush: nothing was left to retry"

    site.start()
    answers = _retry(site, sessions, filings)

    # Every retry answers with the first result: byte for byte where it was seen.
    for filing in filings:
        if filing.status == 201:
            assert answers[filing.key] == filing.answer
    stored = dict(database.rows("SELECT idempotency_key, ref FROM applications_application"))
    # 0 acknowledged filings lost, and each retry names the application its key filed.
    assert {key: stored.get(key) for key in acknowledged} == acknowledged
    assert {f.key: json.loads(answers[f.key])["ref"] for f in filings} == {
        f.key: stored[f.key] for f in filings
    }
    # 0 duplicates: one application per key, per body (its draft's uploads), and in all.
    assert len(stored) == len(filings)
    application_of = dict(database.rows("SELECT id, application_id FROM applications_upload"))
    for filing in filings:
        owners = {application_of[pk] for pk in filing.uploads}
        assert len(owners) == 1
        assert None not in owners

    tasks = _drained(database)
    assert [t for t in tasks if t[1] != "SUCCESSFUL"] == []
    site.stop()

    # Both audits after the last checkpoint: the operator's commands, in one process (each
    # start of Django costs seconds on a loaded machine).
    audits = subprocess.run(  # noqa: S603
        [*CLI, "shell", "-c", AUDITS],
        env=site.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert audits.returncode == 0, audits.stdout + audits.stderr
    assert "Every filing, decision and issuance matches the ledger" in audits.stdout
    assert "intact:" in audits.stdout
