"""The insights indicators over many applications (issue 22's aim: 10,000,000 applications and
1,000,000 hotline cases in ≤ 5 s) against a bare scan of the same rows in the same run.

    .venv/bin/python bench/insights_indicators.py [--applications 10000000] [--cases 1000000]
        [--residents 200000] [--repeat 3]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/onewindow_bench_insights \
        .venv/bin/python bench/insights_indicators.py --applications 1000000

On a fresh database (a temp SQLite file by default; a PostgreSQL database must exist and is
migrated from zero): a city with two urban districts and two rural counties, 80 villages and
communities, `residents` citizens with years of birth, one published service, and
`applications` applications over 24 months and `cases` hotline cases (bulk inserts, not
timed). Then, each `repeat` times:

- **indicators**: `insights.figures.compute` over the 24 months: one GROUP BY per source
  (applications with the supplement subquery, fetched materials, hotline cases, ratings) by
  resident division × month × age band, and the roll-ups;
- **bare scan** (the ceiling): `SELECT count(*), sum(days_taken), sum(visits_made)` over the
  same applications and `count(*)` over the same cases: every row read once, nothing grouped.

Prints the medians and the ratio indicators / bare scan.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import fresh_database, hangzhou  # noqa: E402 - the setup every benchmark shares


def _world(residents: int, applications: int, cases: int, start: datetime) -> None:
    from django.db import connection, transaction

    from onewindow.applications.models import Application
    from onewindow.catalog.seed import seed_catalog
    from onewindow.core.divisions import Level, UrbanRural
    from onewindow.core.services import define_division
    from onewindow.grievances.models import Case
    from onewindow.identity.models import User

    city = hangzhou()
    places: list[tuple[int, bool]] = []  # (village key, is urban)
    for county_code, urban in (
        ("330102", True),
        ("330106", True),
        ("330127", False),
        ("330182", False),
    ):
        county = define_division(
            code=county_code,
            level=Level.COUNTY,
            name_zh=county_code,
            name_en=county_code,
            parent=city,
        )
        for township_number in range(1, 5):
            township = define_division(
                code=f"{county_code}{township_number:03d}",
                level=Level.TOWNSHIP,
                name_zh=f"乡{township_number}",
                name_en=f"Township {township_number}",
                parent=county,
                urban_rural=UrbanRural.MAIN_URBAN if urban else UrbanRural.RURAL_CENTRE,
            )
            for village_number in range(1, 6):
                village = define_division(
                    code=f"{township.code}{village_number:03d}",
                    level=Level.VILLAGE,
                    name_zh=f"村{village_number}",
                    name_en=f"Village {village_number}",
                    parent=township,
                    urban_rural=UrbanRural.MAIN_URBAN if urban else UrbanRural.VILLAGE,
                )
                places.append((village.pk, urban))
    version = seed_catalog()[0].current_version
    assert version is not None
    rng = random.Random(22)
    chunk = 20_000
    for first in range(0, residents, chunk):
        with transaction.atomic():
            User.objects.bulk_create(
                User(
                    username=f"r{number}",
                    password="!",  # noqa: S106  (an unusable password, as Django writes it)
                    kind="citizen",
                    division_id=places[number % len(places)][0],
                    birth_year=1940 + rng.randrange(65),
                )
                for number in range(first, min(residents, first + chunk))
            )
    people = list(User.objects.filter(kind="citizen").values_list("pk", "division_id"))
    urban_of = dict(places)
    span = 24 * 30 * 86_400
    adapt = connection.ops.adapt_datetimefield_value
    half_channels = ("hall", "village_agent")
    application_rows = _inserter(Application)
    for first in range(0, applications, chunk):
        rows = []
        for number in range(first, min(applications, first + chunk)):
            person, division = people[rng.randrange(len(people))]
            submitted = start + timedelta(seconds=rng.randrange(span))
            online = rng.random() < (0.65 if urban_of[division] else 0.35)
            taken = rng.randrange(1, 9)
            rows.append(
                {
                    "ref": f"B{number:09d}",
                    "applicant_id": person,
                    "business_id": None,
                    "item_version_id": version.pk,
                    "division_id": division,
                    "receiving_division_id": division,
                    "channel": "online" if online else half_channels[rng.randrange(2)],
                    "filed_by_id": person,
                    "status": "approved" if rng.random() < 0.92 else "rejected",
                    "form_data": "{}",
                    "delivery": "online",
                    "idempotency_key": f"k{number}",
                    "request_digest": "0" * 64,
                    "submitted_at": adapt(submitted),
                    "due_at": adapt(submitted + timedelta(days=7)),
                    "finished_at": adapt(submitted + timedelta(days=taken)),
                    "visits_promised": 0 if online else 1,
                    "visits_made": rng.randrange(3),
                    "days_promised": 5,
                    "days_taken": taken,
                    "version": 1,
                    "filed_ledger_index": None,
                }
            )
        application_rows(rows)
        if (first // chunk) % 10 == 0:
            print(f"  applications: {first + len(rows):,}", file=sys.stderr)
    case_rows = _inserter(Case)
    for first in range(0, cases, chunk):
        made = []
        for number in range(first, min(cases, first + chunk)):
            received = start + timedelta(seconds=rng.randrange(span))
            at = adapt(received)
            made.append(
                {
                    "ref": f"C{number:09d}",
                    "kind": "complaint",
                    "channel": "web",
                    "text": "-",
                    "division_id": places[rng.randrange(len(places))][0],
                    "received_at": at,
                    "respond_due": at,
                    "reply_due": at,
                    "resolve_due": at,
                    "closed_at": adapt(received + timedelta(days=rng.randrange(1, 10))),
                    "reopen_count": 1 if rng.random() < 0.05 else 0,
                }
            )
        case_rows(made)


def _inserter(model: Any) -> Callable[[list[dict[str, Any]]], None]:
    """A plain executemany into the model's table, one transaction per call: the defaults of
    the columns a row leaves out come from the model (what bulk_create would write, without
    building ten million model objects)."""
    from django.db import connection, transaction
    from django.db.models import NOT_PROVIDED

    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    defaults = {}
    for field in fields:
        if field.default is not NOT_PROVIDED:
            value = field.get_default()
            defaults[field.attname] = (
                connection.ops.adapt_datetimefield_value(value)
                if isinstance(value, datetime)
                else (json.dumps(value) if isinstance(value, (dict, list)) else value)
            )
        else:
            defaults[field.attname] = (
                "" if field.get_internal_type() in ("CharField", "TextField") else None
            )
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608

    def insert(rows: list[dict[str, Any]]) -> None:
        values = [tuple(row.get(f.attname, defaults[f.attname]) for f in fields) for row in rows]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, values)

    return insert


def _bare_scan(start: datetime, end: datetime) -> int:
    from django.db import connection

    from onewindow.applications.models import Application
    from onewindow.grievances.models import Case

    window = [connection.ops.adapt_datetimefield_value(t) for t in (start, end)]
    with connection.cursor() as cursor:
        applications = Application._meta.db_table  # a model's own table name, not input
        cursor.execute(
            f"SELECT count(*), sum(days_taken), sum(visits_made) FROM {applications} "  # noqa: S608
            "WHERE submitted_at >= %s AND submitted_at < %s",
            window,
        )
        rows = cursor.fetchone()[0]
        cases = Case._meta.db_table
        cursor.execute(
            f"SELECT count(*) FROM {cases} WHERE received_at >= %s AND received_at < %s",  # noqa: S608
            window,
        )
        return int(rows) + int(cursor.fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    fresh_database("insights")
    from django.db import connection

    from onewindow.insights import figures, report
    from onewindow.insights.indicators import INDICATORS

    start, end = report.window()
    began = time.perf_counter()
    _world(arguments.residents, arguments.applications, arguments.cases, start)
    print(f"data written in {time.perf_counter() - began:.1f} s (not timed)", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    indicator_times, scan_times = [], []
    for _ in range(arguments.repeat):
        began = time.perf_counter()
        scanned = _bare_scan(start, end)
        scan_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        computed = figures.compute(start, end)
        indicator_times.append(time.perf_counter() - began)
    online = computed.total(INDICATORS["online-share"])
    if online.n != arguments.applications:
        raise SystemExit(
            f"indicators counted {online.n:,} applications of {arguments.applications:,}"
        )
    if scanned != arguments.applications + arguments.cases:
        raise SystemExit(f"the bare scan read {scanned:,} rows")
    indicators, scan = statistics.median(indicator_times), statistics.median(scan_times)
    groups = sum(len(cells) for cells in computed.cells.values())
    print(
        f"{connection.vendor}: {arguments.applications:,} applications, {arguments.cases:,} cases, "
        f"{arguments.residents:,} residents; {groups:,} groups came back\n"
        f"indicators (all sources, roll-ups): median {indicators:.3f} s of {arguments.repeat}\n"
        f"bare scan (count and sums, same rows): median {scan:.3f} s\n"
        f"ratio indicators / bare scan: {indicators / scan:.1f}"
    )


if __name__ == "__main__":
    main()
