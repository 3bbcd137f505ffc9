"""The partner feed of rural listings: one page of 200 read through the API as a partner reads
it (API key checked, listings and their producer, village and certificates serialised), at
the start and deep in the feed, against the bare SQL that reads the same 200 rows by the
`feed_position` index, in the same run.

    .venv/bin/python bench/rural_feed.py [--listings 100000] [--repeat 9]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/onewindow_bench_rural \
        .venv/bin/python bench/rural_feed.py

On a fresh database (a temp SQLite file by default; a PostgreSQL database must exist and is
migrated from zero): one rural village, 200 producers and `listings` listings, bulk-inserted
(not timed). Prints the medians and the ratio; timing is reported, never asserted
(bench/README.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import fresh_database, hangzhou, median_ms  # noqa: E402 - the setup every benchmark shares

PAGE = 200


def _world(listings: int) -> str:
    from django.db import connection

    from onewindow.core.divisions import Level, UrbanRural
    from onewindow.core.services import define_division
    from onewindow.identity.models import User
    from onewindow.rural import services
    from onewindow.rural.models import Listing, Producer

    city = hangzhou()
    county = define_division(
        code="330127", level=Level.COUNTY, name_zh="淳安县", name_en="Chun'an", parent=city
    )
    township = define_division(
        code="330127201", level=Level.TOWNSHIP, name_zh="王阜乡", name_en="Wangfu",
        parent=county, urban_rural=UrbanRural.RURAL_CENTRE,
    )  # fmt: skip
    village = define_division(
        code="330127201202", level=Level.VILLAGE, name_zh="王阜2村", name_en="Wangfu 2",
        parent=township, urban_rural=UrbanRural.VILLAGE,
    )  # fmt: skip
    person = User.objects.create(username="farmer", password="!", kind="citizen")  # noqa: S106
    producers = Producer.objects.bulk_create(
        Producer(
            ref=f"P{number:08d}",
            kind="household",
            name=f"农户{number}",
            resident=person,
            village=village,
            land_mu=5,
            main_products="茶叶",
            registered_via="online",
            registered_by=person,
        )
        for number in range(200)
    )
    for first in range(0, listings, 20_000):
        Listing.objects.bulk_create(
            Listing(
                ref=f"L{number:09d}",
                producer=producers[number % 200],
                product="高山茶",
                category="handicraft",
                village=village,
                unit="jin",
                price_fen=12_800,
                quantity_listed=100,
                quantity_available=100,
                harvest_date=date(2026, 10, 1),
                listed_by=person,
                feed_position=number + 1,
            )
            for number in range(first, min(listings, first + 20_000))
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    partner, secret = services.create_partner("bench")
    return f"{partner.key_id}.{secret}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    arguments = parser.parse_args()
    fresh_database("rural")
    key = _world(arguments.listings)
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    deep = arguments.listings - 2 * PAGE

    def page_at(cursor: int) -> Callable[[], None]:
        def read() -> None:
            answer = client.get(
                "/api/v1/rural/feed",
                {"cursor": cursor, "limit": PAGE},
                headers={"X-Api-Key": key},
            )
            assert answer.status_code == 200, answer.content[:300]
            assert len(answer.json()["items"]) == PAGE

        return read

    def bare_at(cursor: int) -> Callable[[], None]:
        def read() -> None:
            with connection.cursor() as database:
                database.execute(
                    "SELECT * FROM rural_listing WHERE feed_position > %s "
                    "ORDER BY feed_position LIMIT %s",
                    [cursor, PAGE],
                )
                assert len(database.fetchall()) == PAGE

        return read

    page_at(0)()  # warm: the first request loads the URL map and the API
    first = median_ms(page_at(0), arguments.repeat)
    deeper = median_ms(page_at(deep), arguments.repeat)
    bare = median_ms(bare_at(deep), arguments.repeat)
    print(
        f"{connection.vendor}, {arguments.listings:,} listings, pages of {PAGE}: first page "
        f"{first:.1f} ms, a page {deep:,} deep {deeper:.1f} ms, the bare indexed SQL for that "
        f"page {bare:.2f} ms (median of {arguments.repeat}; API ÷ bare SQL {deeper / bare:.0f}x)"
    )


if __name__ == "__main__":
    main()
