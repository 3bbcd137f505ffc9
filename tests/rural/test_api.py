"""The partner API over HTTP: the feed read with an API key, orders signed with the partner's
secret (HMAC over the body, timestamped), idempotent; problem+json naming the rule for every
refusal; the public catalogue; producers registering themselves."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.core.models import Division
from onewindow.identity.models import Department, User
from onewindow.rural import signing
from onewindow.rural.models import Listing, Partner, Sale
from tests.identity.factories import citizen, resident_id
from tests.rural import factories

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def listing(agriculture: Department, farmer: User, divisions: dict[str, Division]) -> Listing:
    return factories.listing(farmer, factories.producer(farmer, divisions["village"]), quantity=10)


def _post_order(
    client: Client,
    key: str,
    body: dict[str, Any],
    *,
    secret: str | None = None,
    idempotency_key: str = "k1",
    signed_at: Any = None,
    tamper: bool = False,
) -> Any:
    raw = json.dumps(body).encode()
    headers = {"X-Api-Key": key, "Idempotency-Key": idempotency_key}
    if secret is not None:
        headers[signing.SIGNATURE_HEADER] = signing.sign(
            secret, raw, at=signed_at or timezone.now()
        )
    if tamper:
        raw = raw.replace(b'"quantity": 2', b'"quantity": 9')
    return client.post(f"{API}/rural/orders", raw, content_type="application/json", headers=headers)


def _order(listing: Listing, order_id: str = "T-1", quantity: int = 2) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "listing": listing.ref,
        "quantity": quantity,
        "unit": listing.unit,
        "unit_price_fen": listing.price_fen,
    }


def _partner() -> tuple[Partner, str, str]:
    partner, key = factories.partner()
    return partner, key, key.split(".", 1)[1]


def test_the_feed_needs_a_partners_key(client: Client, listing: Listing) -> None:
    _partner_row, key, _secret = _partner()

    anonymous = client.get(f"{API}/rural/feed")
    wrong = client.get(f"{API}/rural/feed", headers={"X-Api-Key": key[:-2] + "xx"})
    good = client.get(f"{API}/rural/feed", headers={"X-Api-Key": key})

    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert wrong["Content-Type"] == "application/problem+json"
    assert wrong.json()["type"].endswith("partner_key_invalid")
    assert good.status_code == 200
    assert [item["ref"] for item in good.json()["items"]] == [listing.ref]


def test_a_withdrawn_partner_reads_nothing(client: Client, listing: Listing) -> None:
    partner, key, _secret = _partner()
    Partner.objects.filter(pk=partner.pk).update(is_active=False)
    assert client.get(f"{API}/rural/feed", headers={"X-Api-Key": key}).status_code == 401


def test_a_signed_order_is_counted_once_however_often_it_is_sent(
    client: Client, listing: Listing
) -> None:
    _partner_row, key, secret = _partner()

    first = _post_order(client, key, _order(listing), secret=secret)
    retried = _post_order(client, key, _order(listing), secret=secret)
    new_key = _post_order(client, key, _order(listing), secret=secret, idempotency_key="k2")

    assert first.status_code == 201
    assert first.json()["counted"] is True
    assert retried.status_code == 201
    assert retried["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    assert new_key.status_code == 200
    assert new_key.json()["counted"] is False
    assert Sale.objects.count() == 1
    listing.refresh_from_db()
    assert listing.quantity_available == 8


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ({"secret": None}, "signature_missing"),
        ({"secret": "not-the-secret"}, "signature_invalid"),
        ({"tamper": True}, "signature_invalid"),
        ({"signed_at": timezone.now() - timedelta(minutes=6)}, "signature_expired"),
    ],
)
def test_an_unsigned_forged_altered_or_replayed_order_is_refused(
    client: Client, listing: Listing, how: dict[str, Any], code: str
) -> None:
    _partner_row, key, secret = _partner()
    how = {"secret": secret, **how}

    answer = _post_order(client, key, _order(listing), **how)

    assert answer.status_code == 401, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["type"].endswith(code)
    assert answer.json()["errors"][0]["field"] == signing.SIGNATURE_HEADER
    assert not Sale.objects.exists()


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"listing": "LNOSUCH"}, 404, "unknown_listing", "listing"),
        ({"quantity": 11}, 409, "quantity_above_stock", "quantity"),
        ({"unit": "kg"}, 400, "unit_mismatch", "unit"),
        ({"unit_price_fen": 1.28}, 422, None, None),
    ],
)
def test_an_order_that_breaks_a_rule_is_a_problem_document_naming_it(
    client: Client,
    listing: Listing,
    changes: dict[str, Any],
    status: int,
    code: str | None,
    field: str | None,
) -> None:
    _partner_row, key, secret = _partner()

    answer = _post_order(client, key, {**_order(listing), **changes}, secret=secret)

    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    if code:
        assert answer.json()["type"].endswith(code)
        assert answer.json()["errors"][0]["field"] == field
    assert not Sale.objects.exists()


def test_the_public_catalogue_searches_by_village_and_season(
    client: Client, listing: Listing
) -> None:
    found = client.get(f"{API}/rural/listings", {"village": "330127"}).json()["items"]
    elsewhere = client.get(f"{API}/rural/listings", {"village": "330182"}).json()["items"]
    season = next(
        name for name, months in _seasons().items() if listing.harvest_date.month in months
    )
    in_season = client.get(f"{API}/rural/listings", {"season": season}).json()["items"]

    assert [item["ref"] for item in found] == [listing.ref] == [item["ref"] for item in in_season]
    assert elsewhere == []
    certificate = found[0]["certificates"][0]
    assert certificate["kind"] == "produce_compliance"
    assert "/v/" in certificate["qr_url"]
    producer = client.get(f"{API}/rural/producers/{found[0]['producer_ref']}")
    assert producer.status_code == 200
    assert producer.json()["village_code"] == listing.village.code
    assert client.get(f"{API}/rural/producers/PNOSUCH").status_code == 404


def _seasons() -> dict[str, tuple[int, ...]]:
    from onewindow.rural.selectors import SEASONS

    return SEASONS


def test_a_resident_registers_and_lists_over_the_api(
    client: Client, agriculture: Department, farmer: User, divisions: dict[str, Division]
) -> None:
    declaration = {
        "kind": "family_farm",
        "name": "王阜家庭农场",
        "village": divisions["village"].code,
        "land_mu": "42.5",
        "main_products": "高山蔬菜",
    }
    assert (
        client.post(
            f"{API}/rural/producers", declaration, content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(farmer)

    registered = client.post(
        f"{API}/rural/producers",
        declaration,
        content_type="application/json",
        headers={"Idempotency-Key": "r1"},
    )
    ref = registered.json()["ref"]
    product = {
        "product": "高山萝卜",
        "category": "vegetables",
        "quantity": 50,
        "unit": "jin",
        "price_fen": 300,
        "harvest_date": timezone.now().date().isoformat(),
    }
    refused = client.post(
        f"{API}/rural/producers/{ref}/listings",
        product,
        content_type="application/json",
        headers={"Idempotency-Key": "l1"},
    )
    listed = client.post(
        f"{API}/rural/producers/{ref}/listings",
        {**product, "certificates": ["produce_compliance"]},
        content_type="application/json",
        headers={"Idempotency-Key": "l2"},
    )

    assert registered.status_code == 201
    assert refused.status_code == 400
    assert refused.json()["type"].endswith("certificate_required")
    assert listed.status_code == 201
    assert listed.json()["certificates"][0]["kind"] == "produce_compliance"
    client.force_login(citizen(divisions["village"], id_number=resident_id(division_code="330127")))
    hidden = client.post(
        f"{API}/rural/producers/{ref}/listings",
        {**product, "certificates": ["produce_compliance"]},
        content_type="application/json",
        headers={"Idempotency-Key": "l3"},
    )
    assert hidden.status_code == 404


def test_a_sale_time_without_an_offset_is_read_as_beijing_time(
    client: Client, listing: Listing
) -> None:
    _partner_row, key, secret = _partner()
    local = timezone.localtime().replace(tzinfo=None, microsecond=0) - timedelta(hours=1)

    answer = _post_order(
        client, key, {**_order(listing), "sold_at": local.isoformat()}, secret=secret
    )

    assert answer.status_code == 201, answer.content
    sale = Sale.objects.get()
    assert timezone.localtime(sale.sold_at).replace(tzinfo=None) == local


def test_a_cursor_past_every_key_is_an_empty_page_not_an_error(
    client: Client, listing: Listing
) -> None:
    _partner_row, key, _secret = _partner()
    huge = 10**30

    feed = client.get(f"{API}/rural/feed", {"cursor": huge}, headers={"X-Api-Key": key})
    catalogue = client.get(f"{API}/rural/listings", {"cursor": huge})

    assert feed.status_code == 200
    assert feed.json()["items"] == []
    assert catalogue.status_code == 200
