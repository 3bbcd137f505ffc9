"""A partner platform's client (requests, as integrators write one) against a live OneWindow
(granian and its worker as `make demo` runs them, on this test's own copy of the database):
it pages through the feed from cursor 0 and sees every listing exactly once; it reports
orders signed with its secret, retries them (the same Idempotency-Key, and again under a new
one) and they are counted once; forged, altered and stale messages are refused; a listing
that changed meanwhile comes round again after the cursor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.rural import signing
from tests.copied_database import Database
from tests.identity.factories import citizen, resident_id
from tests.instances import GRANIAN, Site, crashable_site
from tests.rural import factories

LISTINGS = 23
PAGE = 5

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(not GRANIAN.exists(), reason="granian is not installed"),
]


class PartnerClient:
    """What a partner platform writes: an API key on every call, its secret signing posts."""

    def __init__(self, base: str, key: str) -> None:
        self.base = f"{base}/api/v1/rural"
        self.secret = key.split(".", 1)[1]
        self.session = requests.Session()
        self.session.headers["X-Api-Key"] = key

    def changes_since(self, cursor: int) -> tuple[list[dict[str, Any]], int]:
        seen: list[dict[str, Any]] = []
        while True:
            answer = self.session.get(
                f"{self.base}/feed", params={"cursor": cursor, "limit": PAGE}, timeout=10
            )
            answer.raise_for_status()
            page = answer.json()
            seen.extend(page["items"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return seen, cursor

    def report(
        self,
        order: dict[str, Any],
        *,
        key: str,
        at: datetime | None = None,
        secret: str | None = None,
    ) -> requests.Response:
        body = json.dumps(order, ensure_ascii=False).encode()
        signature = signing.sign(secret or self.secret, body, at=at or datetime.now().astimezone())
        return self.session.post(
            f"{self.base}/orders",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": key,
                signing.SIGNATURE_HEADER: signature,
            },
            timeout=10,
        )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Database, Site]]:
    with crashable_site(tmp_path) as (database, served):
        yield database, served


@pytest.mark.django_db(transaction=True)
def test_a_partner_client_pages_the_feed_and_reports_orders_once(
    site: tuple[Database, Site], divisions: dict[str, Division]
) -> None:
    database, served = site
    factories.agriculture(divisions["city"])
    farmers: list[User] = [
        citizen(divisions["village"], id_number=resident_id(division_code="330127"))
        for _ in range(3)
    ]
    producers = [
        factories.producer(farmer, divisions["village"], name=f"农户{n}")
        for n, farmer in enumerate(farmers)
    ]
    refs = [
        factories.listing(farmers[n % 3], producers[n % 3], product=f"高山茶{n}", quantity=10).ref
        for n in range(LISTINGS)
    ]
    _partner, key = factories.partner()
    database.copy_test_database()
    served.database_url = database.url
    served.start()
    client = PartnerClient(f"http://127.0.0.1:{served.port}", key)

    seen, cursor = client.changes_since(0)
    assert sorted(item["ref"] for item in seen) == sorted(refs)  # every listing, once
    assert len(seen) == len({item["ref"] for item in seen}) == LISTINGS

    order = {
        "order_id": "HN-1001",
        "listing": refs[0],
        "quantity": 3,
        "unit": "jin",
        "unit_price_fen": 12_800,
    }
    first = client.report(order, key="a")
    replayed = client.report(order, key="a")
    resent = client.report(order, key="b")
    # The first body's signature on a body with another quantity: altered on the way.
    original = json.dumps(order, ensure_ascii=False).encode()
    altered = client.session.post(
        f"{client.base}/orders",
        data=json.dumps({**order, "quantity": 9}, ensure_ascii=False).encode(),
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": "c",
            signing.SIGNATURE_HEADER: signing.sign(
                client.secret, original, at=datetime.now().astimezone()
            ),
        },
        timeout=10,
    )
    forged = client.report({**order, "order_id": "HN-1002"}, key="d", secret="guessed")
    stale = client.report(
        {**order, "order_id": "HN-1003"},
        key="e",
        at=datetime.now().astimezone() - timedelta(minutes=10),
    )

    assert first.status_code == 201
    assert first.json()["counted"] is True
    assert replayed.status_code == 201
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert resent.status_code == 200
    assert resent.json()["counted"] is False
    assert [answer.status_code for answer in (altered, forged, stale)] == [401, 401, 401]
    assert stale.json()["type"].endswith("signature_expired")
    assert altered.headers["Content-Type"] == "application/problem+json"
    [(sales, quantity)] = database.rows("SELECT COUNT(*), SUM(quantity) FROM rural_sale")
    assert (sales, quantity) == (1, 3)

    # The sold listing changed: it, and only it, comes round again after the cursor.
    changed, _ = client.changes_since(cursor)
    assert [(item["ref"], item["quantity_available"]) for item in changed] == [(refs[0], 7)]
