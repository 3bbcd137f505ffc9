"""The portal home's hot services over many applications: counting every application ever
filed (before) against counting the last 30 days through the `application_recent` index
(after, `applications.selectors.filings_by_service`), in the same run.

    .venv/bin/python bench/hot_services.py [--applications 200000] [--repeat 5]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/onewindow_bench_hot \
        .venv/bin/python bench/hot_services.py --applications 1000000

On a fresh database (a temp SQLite file by default; a PostgreSQL database must exist and is
migrated from zero): the seeded catalogue and `applications` applications spread over 24
months across its published services (bulk inserts, not timed). Then each `repeat` times both
counts; prints the medians. Timing is reported, never asserted (bench/README.md).
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import fresh_database, median_ms  # noqa: E402 - the setup every benchmark shares


def _world(applications: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from onewindow.applications.models import Application
    from onewindow.catalog.seed import seed_catalog
    from onewindow.core.divisions import Level
    from onewindow.core.services import define_division
    from onewindow.identity.models import User

    nation = define_division(
        code="000000", level=Level.NATION, name_zh="中国", name_en="China", parent=None
    )
    county = define_division(
        code="330102", level=Level.COUNTY, name_zh="上城区", name_en="Shangcheng", parent=nation
    )
    person = User.objects.create(username="filer", password="!", kind="citizen")  # noqa: S106
    versions = [item.current_version.pk for item in seed_catalog() if item.current_version]
    rng = random.Random(8)
    now = timezone.now()
    span = 24 * 30 * 86_400
    adapt = connection.ops.adapt_datetimefield_value
    table = connection.ops.quote_name(Application._meta.db_table)
    columns = (
        "ref, applicant_id, item_version_id, division_id, receiving_division_id, channel, "
        "filed_by_id, status, form_data, delivery, idempotency_key, request_digest, "
        "submitted_at, due_at, visits_promised, visits_made, days_promised, version, "
        "project_code"
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 19)})"  # noqa: S608
    chunk = 20_000
    for first in range(0, applications, chunk):
        rows = []
        for number in range(first, min(applications, first + chunk)):
            submitted = now - timedelta(seconds=rng.randrange(span))
            # A few services take most filings, as on a real platform.
            version = versions[min(int(rng.expovariate(0.3)), len(versions) - 1)]
            rows.append(
                (
                    f"B{number:09d}",
                    person.pk,
                    version,
                    county.pk,
                    county.pk,
                    "online",
                    person.pk,
                    "approved",
                    "{}",
                    "online",
                    f"k{number}",
                    "0" * 64,
                    adapt(submitted),
                    adapt(submitted + timedelta(days=7)),
                    0,
                    0,
                    5,
                    1,
                    "",
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    # What autovacuum does to a table filled over time: statistics and the visibility map
    # (an index-only scan of the window reads no table pages).
    with connection.cursor() as cursor:
        cursor.execute(
            f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE"
        )


def _before() -> Any:
    """What web/portal.py counted before: every application, grouped by service code."""
    from django.db.models import Count

    from onewindow.applications.models import Application

    return list(
        Application.objects.values("item_version__item__code")
        .annotate(count=Count("pk"))
        .order_by("-count", "item_version__item__code")[:16]
    )


def _after() -> Any:
    from django.utils import timezone

    from onewindow.applications.selectors import filings_by_service
    from onewindow.web.portal import HOT_WINDOW

    return filings_by_service(timezone.now() - HOT_WINDOW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    fresh_database("hot")
    _world(arguments.applications)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        _after()
    explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    with connection.cursor() as cursor:
        cursor.execute(f"{explain} {queries.captured_queries[0]['sql']}")
        print("\n".join(str(row[-1]) for row in cursor.fetchall()))
    before = median_ms(_before, arguments.repeat)
    after = median_ms(_after, arguments.repeat)
    print(
        f"{connection.vendor}, {arguments.applications:,} applications over 24 months: "
        f"all-time count {before:.1f} ms, last 30 days {after:.1f} ms "
        f"(median of {arguments.repeat}; {before / after:.1f}x)"
    )


if __name__ == "__main__":
    main()
