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

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from onewindow.applications.models import Upload
from onewindow.core.models import Division
from tests.applications import factories
from tests.copied_database import Database
from tests.identity.factories import citizen
from tests.instances import CLI, GRANIAN, ROOT, Site, crashable_site, session_for

FILE = "/api/v1/applications"
CLIENTS = 4
PER_CLIENT = 8
KILL_AFTER = 10  # acknowledged filings before the crash
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


def _seed(divisions: dict[str, Division]) -> tuple[list[str], list[Filing]]:
    """Citizens with a session each and PER_CLIENT drafts each, through the real services."""
    factories.departments(divisions)
    version = factories.catalogue()[factories.BIRTH]
    sessions: list[str] = []
    filings: list[Filing] = []
    for slot in range(CLIENTS):
        person = citizen(divisions["community"])
        sessions.append(session_for(person))
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


@pytest.fixture
def crash_site(tmp_path: Path) -> Iterator[tuple[Database, Site]]:
    with crashable_site(tmp_path) as both:
        yield both


def _rush(site: Site, sessions: list[str], filings: list[Filing]) -> None:
    """Every client files its drafts one after another; the site is killed once KILL_AFTER
    filings are acknowledged, and the rest of the rush meets a dead server."""
    acknowledged = threading.Semaphore(0)

    def client(slot: int) -> None:
        for filing in (f for f in filings if f.client == slot):
            answer = site.post(FILE, sessions[slot], filing.key, filing.body)
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
            answers[filing.key] = site.post(FILE, sessions[slot], filing.key, filing.body)

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
