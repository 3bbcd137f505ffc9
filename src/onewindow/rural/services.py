"""Every write of rural e-commerce: registering producers, listing products with their
certificates, partners' orders and agents' offline sales, handovers at the village station.

Each use case runs in one transaction with its ledger entry. Stock moves only through one
conditional UPDATE (`quantity_available >= n`), so two sales racing for the last units cannot
both succeed and nothing is sold twice; a partner's order id is unique per partner, so a
replayed order is answered with the sale already recorded."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal_data
from onewindow.core.calendar import SHANGHAI
from onewindow.core.divisions import Level, UrbanRural
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.core.validators import validate_credit_code
from onewindow.credentials import services as credentials
from onewindow.credentials.models import Credential, CredentialStatus
from onewindow.identity import selectors as identity
from onewindow.identity import services as identity_services
from onewindow.identity.models import Business, Department, DepartmentKind, User, UserKind
from onewindow.ledger import services as ledger
from onewindow.rural.models import (
    NEEDS_COMPLIANCE_CERTIFICATE,
    Category,
    FeedClock,
    Listing,
    ListingChange,
    Partner,
    Producer,
    ProducerKind,
    RegisteredVia,
    Sale,
    SaleChannel,
    Unit,
)

SECRET_CONTEXT = "rural.partner-secret"  # noqa: S105  # a key-derivation label
MAX_LAND_MU = Decimal("100000")
MAX_QUANTITY = 1_000_000
MAX_PRICE_FEN = 10_000_000  # ¥100,000 per unit
CERTIFICATE_KINDS = ("produce_compliance", "geographical_indication", "organic_food", "green_food")
COMPLIANCE = "produce_compliance"
STATEMENTS = {
    COMPLIANCE: "不使用禁用农药兽药、停用兽药和非法添加物，常规农药兽药残留不超标",
    "geographical_indication": "地理标志农产品，按登记的产地和标准生产",
    "organic_food": "有机产品认证",
    "green_food": "绿色食品标志许可",
}
ORDER_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class StockExhausted(Conflict):
    code = "quantity_above_stock"


def _ref(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(5).upper()}"


def _village(division: Division | None) -> Division:
    if division is None or division.level != Level.VILLAGE:
        raise DomainError(
            _("Choose the village (a village-level division) where the producer farms."),
            code="village_required",
            field="village",
        )
    if division.urban_rural and UrbanRural.is_urban(division.urban_rural):
        raise DomainError(
            _("Rural e-commerce registers producers in rural villages, not urban communities."),
            code="village_not_rural",
            field="village",
        )
    return division


def _land(value: Decimal | str | float) -> Decimal:
    try:
        land = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        land = Decimal(-1)
    if not Decimal(0) <= land <= MAX_LAND_MU:
        raise DomainError(
            _("Declare the land farmed in mu, from 0 to 100,000."),
            code="land_invalid",
            field="land_mu",
        )
    return land


@dataclass(frozen=True)
class ProducerDeclaration:
    """What a producer declares about themself."""

    kind: str
    name: str
    village: Division | None
    land_mu: Decimal | str
    main_products: str
    workers: int = 1
    credit_code: str = ""


def register_producer(
    by: User, declaration: ProducerDeclaration, *, resident: User | None = None
) -> Producer:
    """A resident registers themself online, or a village agent registers `resident` under
    the resident's valid recorded consent. A cooperative needs its unified social credit code
    (GB 32100); a family farm may give one; the business is registered on the way if it is
    new. Raises PermissionDenied (no consent, not an agent), DomainError naming the field."""
    if by.kind == UserKind.CITIZEN:
        if resident is not None and resident != by:
            raise PermissionDenied(_("A resident registers only themself."))
        resident, via, consent = by, RegisteredVia.ONLINE, None
    elif by.kind == UserKind.STATION_AGENT:
        if resident is None:
            raise NotFound(_("Unknown producer: no such resident."), code="unknown_producer")
        consent = identity_services.valid_consent(by, resident)
        if consent is None:
            raise PermissionDenied(
                _("The producer's recorded consent is missing or has expired."),
                code="consent_missing",
            )
        via = RegisteredVia.VILLAGE_AGENT
    else:
        raise PermissionDenied(_("Only the producer or a village agent registers a producer."))
    if declaration.kind not in ProducerKind.values:
        raise DomainError(_("Choose the kind of producer."), code="kind_invalid", field="kind")
    name = declaration.name.strip()
    if not 1 <= len(name) <= 100:
        raise DomainError(
            _("Give the producer's name (1 to 100 characters)."), code="name_invalid", field="name"
        )
    products = declaration.main_products.strip()
    if not 1 <= len(products) <= 200:
        raise DomainError(
            _("Name the main products (1 to 200 characters)."),
            code="products_invalid",
            field="main_products",
        )
    if not 1 <= declaration.workers <= 10_000:
        raise DomainError(
            _("Give the number of people working, from 1 to 10,000."),
            code="workers_invalid",
            field="workers",
        )
    village = _village(declaration.village)
    land = _land(declaration.land_mu)
    code = declaration.credit_code.strip().upper()
    if declaration.kind == ProducerKind.COOPERATIVE and not code:
        raise DomainError(
            _("A cooperative is registered with its unified social credit code."),
            code="credit_code_required",
            field="credit_code",
        )
    if code:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            raise DomainError(
                error.messages[0], code="credit_code_invalid", field="credit_code"
            ) from None
    if Producer.objects.filter(
        resident=resident, business__isnull=not code, kind=declaration.kind
    ).exists():
        raise Conflict(_("This producer is already registered."), code="producer_registered")
    with transaction.atomic():
        business = None
        if code:
            business = Business.objects.filter(credit_code=code).first()
            if business is None:
                business = identity_services.register_business(
                    resident, credit_code=code, name=name, division=village
                )
            elif business.legal_representative_id != resident.pk:
                raise PermissionDenied(
                    _("The business with this credit code is represented by someone else."),
                    code="business_not_represented",
                )
        producer = Producer.objects.create(
            ref=f"P{village.code[:6]}{secrets.token_hex(3).upper()}",
            kind=declaration.kind,
            name=name,
            resident=resident,
            business=business,
            village=village,
            land_mu=land,
            main_products=products,
            workers=declaration.workers,
            registered_via=via,
            registered_by=by,
            consent=consent,
        )
        ledger.record(
            "rural.producer_registered",
            subject_ref=producer.ref,
            actor_role="village_agent" if consent else "producer",
            department="platform",
            payload={"kind": producer.kind, "via": via, "consent": consent.pk if consent else None},
        )
    return producer


def may_act_for(user: User, producer: Producer) -> bool:
    """The producer's own resident, or a village agent with the resident's valid consent."""
    if user.pk == producer.resident_id:
        return True
    return (
        user.kind == UserKind.STATION_AGENT
        and identity_services.valid_consent(user, producer.resident) is not None
    )


def _issuer(village: Division) -> Department:
    return identity.competent_department(
        village, kind=DepartmentKind.AGRICULTURE, level=Level.COUNTY
    )


def _positive(value: object, *, field: str, most: int, message: object, code: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
        raise DomainError(message, code=code, field=field)  # type: ignore[arg-type]
    return value


def check_price(price_fen: object, unit: str) -> int:
    """A price is whole fen per unit of the fixed list: 12.5 (yuan) or "per catty" is refused."""
    if unit not in Unit.values:
        raise DomainError(
            _("The unit must be one of: %(units)s."),
            code="unit_invalid",
            field="unit",
            params={"units": ", ".join(Unit.values)},
        )
    return _positive(
        price_fen,
        field="price_fen",
        most=MAX_PRICE_FEN,
        message=_(
            "The price is a whole number of fen (1 yuan = 100 fen) per unit, from 1 to 10,000,000."
        ),
        code="price_not_in_fen",
    )


def check_quantity(quantity: object) -> int:
    return _positive(
        quantity,
        field="quantity",
        most=MAX_QUANTITY,
        message=_("The quantity is a whole number of units, from 1 to 1,000,000."),
        code="quantity_invalid",
    )


def _wind_feed_clock() -> None:
    """Take the feed clock's row lock until the caller's transaction ends (one upsert, so a
    missing row is made): a change keyed after this commits after every smaller key."""
    quote = connection.ops.quote_name
    table, column = quote(FeedClock._meta.db_table), quote("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('id')}, {column}) VALUES (1, 1) "  # noqa: S608
            f"ON CONFLICT ({quote('id')}) DO UPDATE SET {column} = {table}.{column} + 1",
        )


def _changed(listing: Listing) -> None:
    """Move the listing to the end of the partner feed (inside the caller's transaction).
    On PostgreSQL two transactions could take keys 7 and 8 and commit 8 first: a partner
    reading between the commits would move its cursor past 7 for good. The clock's lock,
    taken before the key and held to the commit, orders the commits as the keys."""
    _wind_feed_clock()
    change = ListingChange.objects.create(listing=listing)
    Listing.objects.filter(pk=listing.pk).update(feed_position=change.pk)
    listing.feed_position = change.pk


@dataclass(frozen=True)
class ListingDraft:
    product: str
    category: str
    quantity: object
    unit: str
    price_fen: object
    harvest_date: date | None
    certificates: tuple[str, ...] = ()  # kinds of certificate to issue with the listing
    village: Division | None = None  # the producer's village when None


def list_product(by: User, producer: Producer, draft: ListingDraft) -> Listing:
    """List a product of `producer` (by the producer or a consented village agent) and issue
    its certificates as credentials under the county agriculture department's seal: the
    compliance certificate is required for edible products (NEEDS_COMPLIANCE_CERTIFICATE).
    Raises PermissionDenied, DomainError naming the field and rule."""
    if not may_act_for(by, producer):
        raise PermissionDenied(
            _("Only the producer or a village agent with their consent lists for them.")
        )
    product = draft.product.strip()
    if not 1 <= len(product) <= 100:
        raise DomainError(
            _("Name the product (1 to 100 characters)."), code="product_invalid", field="product"
        )
    if draft.category not in Category.values:
        raise DomainError(
            _("Choose the product's category."), code="category_invalid", field="category"
        )
    price = check_price(draft.price_fen, draft.unit)
    quantity = check_quantity(draft.quantity)
    today = timezone.now().astimezone(SHANGHAI).date()
    if draft.harvest_date is None or not today - timedelta(
        days=366
    ) <= draft.harvest_date <= today + timedelta(days=366):
        raise DomainError(
            _("Give the harvest date, within a year of today."),
            code="harvest_date_invalid",
            field="harvest_date",
        )
    unknown = [kind for kind in draft.certificates if kind not in CERTIFICATE_KINDS]
    if unknown:
        raise DomainError(
            _("Unknown kind of certificate."), code="certificate_unknown", field="certificates"
        )
    if draft.category in NEEDS_COMPLIANCE_CERTIFICATE and COMPLIANCE not in draft.certificates:
        raise DomainError(
            _(
                "Edible agricultural products are listed with their compliance certificate "
                "(承诺达标合格证): add it."
            ),
            code="certificate_required",
            field="certificates",
        )
    village = _village(draft.village or producer.village)
    issuer = _issuer(village)
    with transaction.atomic():
        listing = Listing.objects.create(
            ref=_ref("L"),
            producer=producer,
            product=product,
            category=draft.category,
            village=village,
            unit=draft.unit,
            price_fen=price,
            quantity_listed=quantity,
            quantity_available=quantity,
            harvest_date=draft.harvest_date,
            listed_by=by,
        )
        issued = [
            credentials.issue_credential(
                kind=kind,
                issuer=issuer,
                # A cooperative's (a farm's with a credit code) are its business's: the
                # wallet shows them to its legal representative and authorised agents.
                holder=None if producer.business else producer.resident,
                business=producer.business,
                case_ref=f"rural-{listing.ref}",
                subject={
                    "producerName": producer.name,
                    "productName": product,
                    "originVillage": village.name_zh,
                    "certifiedOn": today.isoformat(),
                    "listingRef": listing.ref,
                    "statement": STATEMENTS[kind],
                },
            )
            for kind in dict.fromkeys(draft.certificates)
        ]
        listing.certificates.set(issued)
        _changed(listing)
        ledger.record(
            "rural.listing_opened",
            subject_ref=listing.ref,
            actor_role="village_agent" if by.pk != producer.resident_id else "producer",
            department=issuer.code,
            payload={
                "producer": producer.ref,
                "category": listing.category,
                "quantity": quantity,
                "unit": listing.unit,
                "price_fen": price,
                "certificates": [credential.number for credential in issued],
            },
        )
    return listing


def close_listing(by: User, listing: Listing) -> Listing:
    if not may_act_for(by, listing.producer):
        raise PermissionDenied(
            _("Only the producer or a village agent with their consent closes it.")
        )
    with transaction.atomic():
        Listing.objects.filter(pk=listing.pk).update(is_open=False)
        listing.is_open = False
        _changed(listing)
        ledger.record(
            "rural.listing_closed",
            subject_ref=listing.ref,
            actor_role="producer",
            department="platform",
            payload={},
        )
    return listing


def _month_start(at: datetime) -> datetime:
    local = at.astimezone(SHANGHAI)
    return datetime(local.year, local.month, 1, tzinfo=SHANGHAI)


def _take(listing: Listing, quantity: int) -> None:
    """Take `quantity` from the stock in one conditional UPDATE, or refuse."""
    taken = Listing.objects.filter(
        pk=listing.pk, is_open=True, quantity_available__gte=quantity
    ).update(quantity_available=F("quantity_available") - quantity)
    if not taken:
        fresh = (
            Listing.objects.filter(pk=listing.pk)
            .values_list("quantity_available", "is_open")
            .first()
        )
        available, is_open = fresh if fresh else (0, False)
        if not is_open:
            raise Conflict(_("This listing is closed."), code="listing_closed", field="listing")
        raise StockExhausted(
            _("The quantity %(quantity)s is above the %(available)s in stock."),
            field="quantity",
            params={"quantity": quantity, "available": available},
        )


def _record_sale(
    listing: Listing,
    *,
    quantity: int,
    channel: str,
    sold_at: datetime,
    partner: Partner | None = None,
    partner_order_id: str = "",
    recorded_by: User | None = None,
) -> Sale:
    _take(listing, quantity)
    start = _month_start(sold_at)
    month_end = datetime(start.year + (start.month == 12), start.month % 12 + 1, 1, tzinfo=SHANGHAI)
    # One producer row lock: the "first sale of the month" flag is decided once per month.
    Producer.objects.select_for_update().filter(pk=listing.producer_id).first()
    first = not Sale.objects.filter(
        producer_id=listing.producer_id, sold_at__gte=start, sold_at__lt=month_end
    ).exists()
    sale = Sale.objects.create(
        ref=_ref("S"),
        listing=listing,
        producer_id=listing.producer_id,
        channel=channel,
        partner=partner,
        partner_order_id=partner_order_id,
        recorded_by=recorded_by,
        quantity=quantity,
        unit_price_fen=listing.price_fen,
        amount_fen=quantity * listing.price_fen,
        sold_at=sold_at,
        is_first_in_month=first,
    )
    _changed(listing)
    ledger.record(
        "rural.sale_recorded",
        subject_ref=sale.ref,
        actor_role="partner" if partner else "village_agent",
        department="platform",
        payload={
            "listing": listing.ref,
            "channel": channel,
            "partner": partner.name if partner else "",
            "order": partner_order_id,
            "quantity": quantity,
            "amount_fen": sale.amount_fen,
        },
    )
    return sale


@dataclass(frozen=True)
class PartnerOrder:
    order_id: str
    listing_ref: str
    quantity: object
    unit: str
    unit_price_fen: object
    sold_at: datetime | None = None


def report_order(partner: Partner, order: PartnerOrder) -> tuple[Sale, bool]:
    """A partner reports an order of a listing. Returns (sale, created): the same order id
    again returns the sale already recorded (counted once); with other figures it conflicts.
    The unit and price must be the listing's (a price per kilogram against a listing per jin
    is refused). Raises NotFound (unknown listing), DomainError, StockExhausted."""
    if not ORDER_ID.fullmatch(order.order_id or ""):
        raise DomainError(
            _("The order id is 1 to 64 letters, digits or . _ : -."),
            code="order_id_invalid",
            field="order_id",
        )
    listing = Listing.objects.select_related("producer").filter(ref=order.listing_ref).first()
    if listing is None:
        raise NotFound(
            _("Unknown listing: %(ref)s."),
            code="unknown_listing",
            field="listing",
            params={"ref": order.listing_ref},
        )
    quantity = check_quantity(order.quantity)
    existing = Sale.objects.filter(partner=partner, partner_order_id=order.order_id).first()
    if existing is not None:
        return _same_order(existing, listing, quantity), False
    if order.unit != listing.unit:
        raise DomainError(
            _("The listing is sold per %(unit)s; the order is in another unit."),
            code="unit_mismatch",
            field="unit",
            params={"unit": listing.unit},
        )
    if order.unit_price_fen != listing.price_fen:
        raise DomainError(
            _("The price per unit is the listing's %(price)s fen; the order says otherwise."),
            code="price_mismatch",
            field="unit_price_fen",
            params={"price": listing.price_fen},
        )
    now = timezone.now()
    sold_at = order.sold_at or now
    if timezone.is_naive(sold_at):  # a time without its offset is Beijing time
        sold_at = timezone.make_aware(sold_at, SHANGHAI)
    if not now - timedelta(days=31) <= sold_at <= now + timedelta(minutes=5):
        raise DomainError(
            _("The sale time is within the last 31 days."), code="sold_at_invalid", field="sold_at"
        )
    try:
        with transaction.atomic():
            sale = _record_sale(
                listing,
                quantity=quantity,
                channel=SaleChannel.PARTNER,
                sold_at=sold_at,
                partner=partner,
                partner_order_id=order.order_id,
            )
    except IntegrityError:  # the same order, reported at the same moment by a retry
        existing = Sale.objects.filter(partner=partner, partner_order_id=order.order_id).first()
        if existing is None:
            raise
        return _same_order(existing, listing, quantity), False
    return sale, True


def _same_order(existing: Sale, listing: Listing, quantity: int) -> Sale:
    if existing.listing_id != listing.pk or existing.quantity != quantity:
        raise Conflict(
            _("This order id was already reported with other figures."),
            code="order_id_reused",
            field="order_id",
        )
    return existing


def record_offline_sale(
    agent: User, listing: Listing, *, quantity: object, sold_at: datetime | None = None
) -> Sale:
    """A village agent records a sale made offline (at the station, at the market)."""
    if agent.kind != UserKind.STATION_AGENT:
        raise PermissionDenied(_("Only a village agent records offline sales."))
    count = check_quantity(quantity)
    with transaction.atomic():
        return _record_sale(
            listing,
            quantity=count,
            channel=SaleChannel.OFFLINE,
            sold_at=sold_at or timezone.now(),
            recorded_by=agent,
        )


def record_handover(agent: User, sale: Sale, *, carrier: str, tracking_number: str = "") -> Sale:
    """The village agent records that the parcel of a sale left through the station."""
    if agent.kind != UserKind.STATION_AGENT:
        raise PermissionDenied(_("Only a village agent records a handover at the station."))
    carrier = carrier.strip()
    if not 1 <= len(carrier) <= 100:
        raise DomainError(
            _("Name the carrier that took the parcel."), code="carrier_required", field="carrier"
        )
    with transaction.atomic():
        updated = Sale.objects.filter(pk=sale.pk, handed_over_at__isnull=True).update(
            handed_over_at=timezone.now(),
            handed_over_by=agent,
            carrier=carrier,
            tracking_number=tracking_number.strip()[:64],
        )
        if not updated:
            raise Conflict(_("This sale was already handed over."), code="already_handed_over")
        ledger.record(
            "rural.handed_over",
            subject_ref=sale.ref,
            actor_role="village_agent",
            department="platform",
            payload={"carrier": carrier},
        )
    sale.refresh_from_db()
    return sale


def create_partner(name: str, *, key_id: str = "", secret: str = "") -> tuple[Partner, str]:
    """A platform admin adds a partner platform; returns it and its secret, shown once
    (random unless given: the demo's partners have fixed keys, printed with its accounts)."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise DomainError(_("Name the partner platform."), field="name")
    secret = secret or secrets.token_urlsafe(32)
    with transaction.atomic():
        partner = Partner.objects.create(
            name=name,
            key_id=key_id or secrets.token_hex(8),
            secret_encrypted=personal_data.encrypt(secret, context=SECRET_CONTEXT),
        )
        ledger.record(
            "rural.partner_added",
            subject_ref=f"partner:{partner.pk}",
            actor_role="admin",
            department="platform",
            payload={"platform": name},
        )
    return partner, secret


def secret_of(partner: Partner) -> str:
    return personal_data.decrypt(partner.secret_encrypted, context=SECRET_CONTEXT)


def certificate_is_valid(credential: Credential) -> bool:
    return credential.status == CredentialStatus.ACTIVE and (
        credential.valid_until is None or credential.valid_until > timezone.now()
    )
