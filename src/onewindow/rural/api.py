"""Rural e-commerce over JSON: the public catalogue and producer pages; the partner feed
(`X-Api-Key`, changes since a cursor, paged); partners' orders (`X-Api-Key`, signed with
`OneWindow-Signature`, `Idempotency-Key`); producers' own registration and listings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import APIKeyHeader, django_auth

from onewindow.core import idempotency
from onewindow.core.errors import documented_problems
from onewindow.core.models import Division
from onewindow.credentials import services as credentials
from onewindow.identity.decorators import signed_in_user
from onewindow.rural import selectors, services, signing
from onewindow.rural.models import Listing, Partner, Producer

router = Router(tags=["rural e-commerce"])
MAX_CURSOR = 2**62  # a cursor past any key (a larger integer overflows the database's)


class PartnerKey(APIKeyHeader):
    param_name = signing.KEY_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Partner:
        return signing.partner_for_key(key or "")


class CertificateOut(Schema):
    kind: str
    number: str
    status: str
    valid_until: datetime | None
    qr_url: str


class ListingOut(Schema):
    ref: str
    product: str
    category: str
    producer_ref: str
    producer_name: str
    village_code: str
    village_name: str
    unit: str
    price_fen: int
    quantity_available: int
    harvest_date: date
    is_open: bool
    certificates: list[CertificateOut]


class FeedItemOut(ListingOut):
    position: int


class ListingPage(Schema):
    items: list[ListingOut]
    next_cursor: int | None


class FeedPage(Schema):
    items: list[FeedItemOut]
    next_cursor: int
    has_more: bool


class ProducerOut(Schema):
    ref: str
    kind: str
    name: str
    village_code: str
    village_name: str
    land_mu: str
    main_products: str
    workers: int
    has_credit_code: bool


def listing_out(listing: Listing) -> dict[str, Any]:
    return {
        "ref": listing.ref,
        "product": listing.product,
        "category": listing.category,
        "producer_ref": listing.producer.ref,
        "producer_name": listing.producer.name,
        "village_code": listing.village.code,
        "village_name": listing.village.name_zh,
        "unit": listing.unit,
        "price_fen": listing.price_fen,
        "quantity_available": listing.quantity_available,
        "harvest_date": listing.harvest_date,
        "is_open": listing.is_open,
        "position": listing.feed_position,
        "certificates": [
            {
                "kind": credential.kind,
                "number": credential.number,
                "status": credential.status,
                "valid_until": credential.valid_until,
                "qr_url": credentials.qr_url(credential),
            }
            for credential in listing.certificates.all()
        ],
    }


def producer_out(producer: Producer) -> dict[str, Any]:
    return {
        "ref": producer.ref,
        "kind": producer.kind,
        "name": producer.name,
        "village_code": producer.village.code,
        "village_name": producer.village.name_zh,
        "land_mu": str(producer.land_mu),
        "main_products": producer.main_products,
        "workers": producer.workers,
        "has_credit_code": producer.business_id is not None,
    }


@router.get(
    "/rural/listings",
    response=ListingPage,
    summary="The public catalogue of rural products: search, by village (any division code) "
    "and harvest season",
    auth=None,
)
def catalogue(
    request: HttpRequest,
    q: str = "",
    village: str = "",
    season: str = "",
    category: str = "",
    cursor: int | None = None,
) -> dict[str, Any]:
    found = selectors.catalogue(query=q, village=village, season=season, category=category)
    if cursor is not None:
        cursor = min(max(cursor, 0), MAX_CURSOR)
        found = found.filter(pk__lt=cursor).order_by("-pk")
    else:
        found = found.order_by("-pk")
    page = list(found.prefetch_related("certificates")[: selectors.PAGE_SIZE + 1])
    more = len(page) > selectors.PAGE_SIZE
    page = page[: selectors.PAGE_SIZE]
    return {
        "items": [listing_out(listing) for listing in page],
        "next_cursor": page[-1].pk if more else None,
    }


@router.get("/rural/listings/{ref}", response=ListingOut, summary="One listing", auth=None)
def listing_detail(request: HttpRequest, ref: str) -> dict[str, Any]:
    return listing_out(selectors.listing(ref))


@router.get("/rural/producers/{ref}", response=ProducerOut, summary="One producer", auth=None)
def producer_detail(request: HttpRequest, ref: str) -> dict[str, Any]:
    return producer_out(selectors.producer(ref))


@router.get(
    "/rural/feed",
    response=FeedPage,
    summary="Partner feed: listings changed after `cursor` (0 at first), oldest change first; "
    "read again from `next_cursor` until `has_more` is false (X-Api-Key)",
    auth=PartnerKey(),
)
def feed(request: HttpRequest, cursor: int = 0, limit: int = selectors.PAGE_SIZE) -> dict[str, Any]:
    cursor = min(max(cursor, 0), MAX_CURSOR)
    size = min(max(limit, 1), 200)
    page = selectors.feed(cursor, limit=size + 1)
    more = len(page) > size
    page = page[:size]
    return {
        "items": [listing_out(listing) for listing in page],
        "next_cursor": page[-1].feed_position if page else cursor,
        "has_more": more,
    }


class OrderIn(Schema):
    order_id: str
    listing: str
    quantity: int
    unit: str
    unit_price_fen: int
    sold_at: datetime | None = None


class SaleOut(Schema):
    ref: str
    listing: str
    order_id: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    sold_at: datetime
    counted: bool  # false when this order was already recorded


@router.post(
    "/rural/orders",
    response={201: SaleOut, 200: SaleOut},
    summary="A partner reports an order (X-Api-Key, OneWindow-Signature over the body, "
    "Idempotency-Key); the same order id again is counted once",
    auth=PartnerKey(),
    openapi_extra=documented_problems(401),
)
def report_order(request: HttpRequest, payload: OrderIn) -> HttpResponse:
    partner: Partner = request.auth  # type: ignore[attr-defined]
    signing.check_signature(
        partner,
        request.headers.get(signing.SIGNATURE_HEADER, ""),
        request.body,
        now=timezone.now(),
    )

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        order = services.PartnerOrder(
            order_id=payload.order_id,
            listing_ref=payload.listing,
            quantity=payload.quantity,
            unit=payload.unit,
            unit_price_fen=payload.unit_price_fen,
            sold_at=payload.sold_at,
        )

        def write() -> tuple[int, dict[str, Any]]:
            sale, created = services.report_order(partner, order)
            return (201 if created else 200), {
                "ref": sale.ref,
                "listing": payload.listing,
                "order_id": sale.partner_order_id,
                "quantity": sale.quantity,
                "unit_price_fen": sale.unit_price_fen,
                "amount_fen": sale.amount_fen,
                "sold_at": sale.sold_at,
                "counted": created,
            }

        return write

    return idempotency.answer_once(request, owner=f"rural-partner:{partner.pk}", check=check)


class ProducerIn(Schema):
    kind: str
    name: str
    village: str  # the village's division code
    land_mu: str
    main_products: str
    workers: int = 1
    credit_code: str = ""


@router.post(
    "/rural/producers",
    response={201: ProducerOut},
    summary="Register myself as a producer (Idempotency-Key)",
    auth=django_auth,
)
def register_producer(request: HttpRequest, payload: ProducerIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        declaration = services.ProducerDeclaration(
            kind=payload.kind,
            name=payload.name,
            village=Division.objects.filter(code=payload.village).first(),
            land_mu=payload.land_mu,
            main_products=payload.main_products,
            workers=payload.workers,
            credit_code=payload.credit_code,
        )

        def write() -> tuple[int, dict[str, Any]]:
            return 201, producer_out(services.register_producer(user, declaration))

        return write

    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)


class ListingIn(Schema):
    product: str
    category: str
    quantity: int
    unit: str
    price_fen: int
    harvest_date: date
    certificates: list[str] = []


@router.post(
    "/rural/producers/{ref}/listings",
    response={201: ListingOut},
    summary="List a product of my producer, with its certificates (Idempotency-Key)",
    auth=django_auth,
)
def list_product(request: HttpRequest, ref: str, payload: ListingIn) -> HttpResponse:
    user = signed_in_user(request)

    def check(key: str) -> Callable[[], tuple[int, dict[str, Any]]]:
        producer = selectors.access_producer(user, ref)
        draft = services.ListingDraft(
            product=payload.product,
            category=payload.category,
            quantity=payload.quantity,
            unit=payload.unit,
            price_fen=payload.price_fen,
            harvest_date=payload.harvest_date,
            certificates=tuple(payload.certificates),
        )

        def write() -> tuple[int, dict[str, Any]]:
            return 201, listing_out(services.list_product(user, producer, draft))

        return write

    return idempotency.answer_once(request, owner=f"user:{user.pk}", check=check)
