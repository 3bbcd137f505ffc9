"""The demo's rural e-commerce (issue 25): 40 producers in the villages of the two rural
counties (households, family farms, cooperatives with credit codes), each registered and
listing through the real services (certificates issued as credentials under the city's
agriculture bureau, a department of demo/data/city.json), then a season of
sales (September to November) reported by two partner platforms, some recorded offline by
the village agent, most handed over at the village station. The season's sales are written
in bulk (a few hundred rows and their ledger entries in one batch each), so seeding stays
quick; their stock and "first sale of the month" follow the same rules as the services. The
support programmes (a subsidy and a training) are published in the catalogue first."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction

from onewindow.core.calendar import SHANGHAI
from onewindow.core.divisions import UrbanRural
from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.identity.models import User, UserKind
from onewindow.ledger import services as ledger
from onewindow.rural import programmes, services
from onewindow.rural.models import Listing, ListingChange, Partner, Producer, Sale, SaleChannel

PRODUCERS = 40
RURAL_COUNTIES = ("330127", "330182")
PARTNERS = (("好农货", "haonong"), ("村邮通", "cunyou"))
# (product, category, unit, price in fen, months harvested)
PRODUCTS = (
    ("千岛湖高山绿茶", "tea", "jin", 12_800, (9, 10)),
    ("鸠坑毛峰", "tea", "jin", 16_800, (9,)),
    ("淳安山核桃", "fruit", "jin", 6_800, (9, 10)),
    ("建德草莓", "fruit", "box", 8_800, (11,)),
    ("高山萝卜", "vegetables", "jin", 300, (10, 11)),
    ("冬笋", "vegetables", "jin", 1_800, (11,)),
    ("土鸡蛋", "eggs", "dozen", 2_400, (9, 10, 11)),
    ("千岛湖有机鱼", "aquatic", "kg", 4_600, (10, 11)),
    ("百花蜂蜜", "honey", "jin", 9_800, (9,)),
    ("竹编果篮", "handicraft", "piece", 5_800, (9, 10, 11)),
)
KINDS = ("household",) * 30 + ("family_farm",) * 6 + ("cooperative",) * 4
SEASON_START = date(2026, 9, 1)
SEASON_DAYS = 91


def partner_keys(seed: int) -> list[tuple[str, str]]:
    """The demo partners' names and API keys (`<key id>.<secret>`), the same for a seed."""
    return [
        (name, f"demo-{slug}.{hashlib.sha256(f'{seed}:{slug}'.encode()).hexdigest()[:40]}")
        for name, slug in PARTNERS
    ]


def seed_rural(rng: random.Random, seed: int) -> tuple[int, int, int]:
    """Idempotent: does nothing when producers exist. Returns (producers, listings, sales)."""
    if not Producer.objects.exists():
        _seed(rng, seed)
    return Producer.objects.count(), Listing.objects.count(), Sale.objects.count()


def _seed(rng: random.Random, seed: int) -> None:
    programmes.publish_programmes()
    partners = [
        services.create_partner(name, key_id=key.split(".")[0], secret=key.split(".")[1])[0]
        for name, key in partner_keys(seed)
    ]
    villages = list(
        Division.objects.filter(
            code__regex=rf"^({'|'.join(RURAL_COUNTIES)})", urban_rural=UrbanRural.VILLAGE
        ).order_by("code")
    )
    residents = list(
        User.objects.filter(kind=UserKind.CITIZEN, division__in=villages)
        .select_related("division")
        .order_by("pk")[:PRODUCERS]
    )
    agent = User.objects.get(username="village-agent")
    listings: list[Listing] = []
    for number, resident in enumerate(residents):
        kind = KINDS[number % len(KINDS)]
        village = resident.division
        assert village is not None
        name = {
            "household": f"{resident.real_name[:1]}家农户",
            "family_farm": f"{village.name_zh}{resident.real_name[:1]}家庭农场",
            "cooperative": f"{village.name_zh}农产品专业合作社",
        }[kind]
        producer = services.register_producer(
            resident,
            services.ProducerDeclaration(
                kind=kind,
                name=name,
                village=village,
                land_mu=str(
                    rng.choice([3, 5.5, 8, 12, 20, 45, 120]) * (4 if kind == "cooperative" else 1)
                ),
                main_products="茶叶、山核桃、高山蔬菜",
                workers=rng.randint(1, 3) if kind == "household" else rng.randint(3, 40),
                credit_code=generate_credit_code(rng, division_code=village.code[:6])
                if kind == "cooperative"
                else "",
            ),
        )
        for product, category, unit, price, months in rng.sample(PRODUCTS, 2 if number % 2 else 1):
            month = rng.choice(months)
            certificates: tuple[str, ...] = (
                ("produce_compliance",) if category != "handicraft" else ()
            )
            if category == "tea" and rng.random() < 0.4:
                certificates += ("geographical_indication",)
            listings.append(
                services.list_product(
                    resident,
                    producer,
                    services.ListingDraft(
                        product=product,
                        category=category,
                        quantity=rng.choice([200, 300, 500, 800]),
                        unit=unit,
                        price_fen=price + rng.choice([-200, 0, 0, 200]) * (price > 1_000),
                        harvest_date=date(2026, month, rng.randint(1, 28)),
                        certificates=certificates,
                    ),
                )
            )
    _season_of_sales(rng, listings, partners, agent)


def _season_of_sales(
    rng: random.Random, listings: list[Listing], partners: list[Partner], agent: User
) -> None:
    sales: list[Sale] = []
    remaining = {listing.pk: listing.quantity_available for listing in listings}
    active: set[tuple[int, int, int]] = set()  # (producer, year, month)
    for day in range(SEASON_DAYS):
        sold_on = SEASON_START + timedelta(days=day)
        for _ in range(rng.randint(3, 9)):
            listing = rng.choice(listings)
            quantity = rng.randint(1, 8)
            if remaining[listing.pk] < quantity:
                continue
            remaining[listing.pk] -= quantity
            offline = rng.random() < 0.15
            partner = None if offline else rng.choice(partners)
            sold_at = datetime(
                sold_on.year, sold_on.month, sold_on.day, rng.randint(8, 21), tzinfo=SHANGHAI
            )
            month_key = (listing.producer_id, sold_on.year, sold_on.month)
            handed_over = offline or rng.random() < 0.6
            sales.append(
                Sale(
                    ref=f"S{hashlib.sha256(f'{listing.ref}:{len(sales)}'.encode()).hexdigest()[:10].upper()}",
                    listing=listing,
                    producer_id=listing.producer_id,
                    channel=SaleChannel.OFFLINE if offline else SaleChannel.PARTNER,
                    partner=partner,
                    partner_order_id=f"{partner.key_id}-{len(sales) + 1:05d}" if partner else "",
                    recorded_by=agent if offline else None,
                    quantity=quantity,
                    unit_price_fen=listing.price_fen,
                    amount_fen=quantity * listing.price_fen,
                    sold_at=sold_at,
                    is_first_in_month=month_key not in active,
                    handed_over_at=sold_at + timedelta(hours=3) if handed_over else None,
                    handed_over_by=agent if handed_over else None,
                    carrier="中国邮政" if handed_over else "",
                )
            )
            active.add(month_key)
    with transaction.atomic():
        Sale.objects.bulk_create(sales, batch_size=500)
        by_listing: dict[int, int] = defaultdict(int)
        for sale in sales:
            by_listing[sale.listing_id] += sale.quantity
        for listing in listings:
            listing.quantity_available = remaining[listing.pk]
        Listing.objects.bulk_update(listings, ["quantity_available"], batch_size=500)
        # Each sold listing changed: it comes round again in the partner feed.
        for listing_pk in sorted(by_listing):
            change = ListingChange.objects.create(listing_id=listing_pk)
            Listing.objects.filter(pk=listing_pk).update(feed_position=change.pk)
        ledger.record_many(
            [
                ledger.Event(
                    "rural.sale_recorded",
                    sale.ref,
                    "village_agent" if sale.partner is None else "partner",
                    "platform",
                    {
                        "listing": sale.listing.ref,
                        "channel": sale.channel,
                        "partner": sale.partner.name if sale.partner else "",
                        "order": sale.partner_order_id,
                        "quantity": sale.quantity,
                        "amount_fen": sale.amount_fen,
                    },
                )
                for sale in sales
            ]
        )
