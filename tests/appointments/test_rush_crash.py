"""`kill -9` in the middle of a booking rush: no slot overbooked, no confirmation lost, no
booking given twice.

Real processes as `make demo` runs them (granian with 2 workers and `onewindow worker`, from
tests/applications/test_crash.py), on a copy of this test's database: a SQLite file, or a
PostgreSQL database when this run is on PostgreSQL. Client threads, one resident each, book
the same few slots (more requests than places), each request with its own Idempotency-Key;
once some are confirmed the server and the worker are killed with SIGKILL and restarted,
and every request is sent again with its own key and body. Then: every confirmation the
clients saw is there under the same reference, every retry of it answers the same, each
slot holds exactly as many bookings as its count says and no more than its capacity, and
every place was taken once.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from onewindow.appointments.models import Slot
from onewindow.core.models import Division
from tests.appointments import factories
from tests.copied_database import Database
from tests.identity.factories import citizen
from tests.instances import GRANIAN, Site, crashable_site, session_for

BOOK = "/api/v1/appointments"
CLIENTS = 4
SLOTS = 8
CAPACITY = 2
KILL_AFTER = 5  # confirmations before the crash

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not GRANIAN.exists(), reason="granian is not installed"),
]


@dataclass
class Request:
    client: int
    key: str
    body: bytes
    status: int | None = None
    answer: bytes = b""


def _seed(divisions: dict[str, Division]) -> tuple[list[str], list[Request]]:
    hall = factories.hall(divisions["district"], capacity=CAPACITY)
    ahead = timezone.now() + timedelta(hours=3)
    slots = list(
        Slot.objects.filter(window__hall=hall, window__number=1, starts_at__gt=ahead).order_by(
            "starts_at"
        )[:SLOTS]
    )
    assert len(slots) == SLOTS
    sessions, requests = [], []
    rng = random.Random(21)
    for client in range(CLIENTS):
        sessions.append(session_for(citizen(divisions["community"])))
        # Every client asks for every slot once, in its own order: 2 requests a place.
        for slot in rng.sample(slots, len(slots)):
            body = json.dumps({"slot": slot.pk, "service_code": factories.CARD}).encode()
            requests.append(Request(client, str(uuid.uuid4()), body))
    return sessions, requests


@pytest.fixture
def crash_site(tmp_path: Path) -> Iterator[tuple[Database, Site]]:
    with crashable_site(tmp_path) as both:
        yield both


def _run(site: Site, sessions: list[str], requests: list[Request], *, kill_after: int) -> None:
    confirmed = threading.Semaphore(0)

    def client(slot: int) -> None:
        for request in (r for r in requests if r.client == slot and r.status is None):
            answer = site.post(BOOK, sessions[slot], request.key, request.body)
            if answer is not None:
                request.status, request.answer = answer
                if request.status == 201:
                    confirmed.release()

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(CLIENTS)]
    for thread in threads:
        thread.start()
    if kill_after:
        for _ in range(kill_after):
            assert confirmed.acquire(timeout=60), "the rush stalled before the crash"
        site.kill()
    for thread in threads:
        thread.join(timeout=120)


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_rush_overbooks_nothing_and_loses_no_confirmation(
    divisions: dict[str, Division], crash_site: tuple[Database, Site]
) -> None:
    database, site = crash_site
    sessions, requests = _seed(divisions)
    database.copy_test_database()
    site.database_url = database.url
    site.start()

    _run(site, sessions, requests, kill_after=KILL_AFTER)
    seen = {r.key: json.loads(r.answer)["ref"] for r in requests if r.status == 201}
    first_answers = {r.key: r.answer for r in requests if r.status == 201}
    assert len(seen) >= KILL_AFTER
    assert all(r.status in (None, 201, 409) for r in requests), [r.answer for r in requests]
    assert any(r.status is None for r in requests), "the crash came after the rush"

    site.start()
    _run(site, sessions, requests, kill_after=0)  # the unanswered ones, with their own keys
    assert all(r.status in (201, 409) for r in requests), [r.answer for r in requests]
    for request in requests:  # and the confirmed ones again: the same answer, byte for byte
        if request.key in first_answers:
            again = site.post(BOOK, sessions[request.client], request.key, request.body)
            assert again == (201, first_answers[request.key])

    stored = dict(
        database.rows(
            "SELECT idempotency_key, ref FROM appointments_booking WHERE status = 'booked'"
        )
    )
    # 0 lost: every confirmation a client saw is there, under the reference it was given.
    assert {key: stored.get(key) for key in seen} == seen
    # Every 201 is a booking and every booking was answered 201 to its key.
    assert {r.key for r in requests if r.status == 201} == set(stored)
    # 0 overbooked, and each count is the truth: every place taken once, none twice.
    counts = database.rows(
        "SELECT s.id, s.capacity, s.booked, "
        "(SELECT COUNT(*) FROM appointments_booking b WHERE b.slot_id = s.id "
        "AND b.status = 'booked') FROM appointments_slot s WHERE s.booked > 0"
    )
    assert [row for row in counts if row[2] > row[1] or row[2] != row[3]] == []
    assert sum(row[3] for row in counts) == len(stored) == SLOTS * CAPACITY
