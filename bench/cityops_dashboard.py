"""The city dashboard's event query with 100,000 open events, against a bare query of the
same rows in the same run.

    .venv/bin/python bench/cityops_dashboard.py [--events 100000] [--queries 200]

(`DATABASE_URL=…` for PostgreSQL.) Events are written in bulk (the services' per-event work
is measured by bench/cityops_ingest.py), spread over 4 districts, 20 townships and every
open state. Figures (p50 and p95 over `--queries` runs each):

- `selectors.open_events()`: the 100 latest-reported open events, what the dashboard's
  table and its htmx poll show (the whole city, and one district);
- `selectors.map_document()`: the same with the division outlines, as the map fetches it;
- the whole `selectors.dashboard()`: counts by state and department, breaches, sensors,
  the hotline's rising topics;
- the baseline: a bare `SELECT * FROM cityops_event ORDER BY id DESC LIMIT 100` through the
  same connection (no filter, no ordering index needed).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_map import fresh_database, hangzhou


def world(count: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from onewindow.cityops.models import OPEN_STATES, Assignment, Event
    from onewindow.core.divisions import Level, UrbanRural
    from onewindow.core.services import define_division
    from onewindow.identity.models import Department, DepartmentKind

    city = hangzhou()
    rng = random.Random(23)
    townships = []
    for d in range(4):
        district = define_division(
            code=f"33010{d + 2}", level=Level.COUNTY, name_zh=f"区{d}", name_en=f"D{d}", parent=city
        )
        for t in range(5):
            townships.append(
                define_division(
                    code=f"{district.code}{t + 1:03d}",
                    level=Level.TOWNSHIP,
                    name_zh=f"街道{t}",
                    name_en=f"T{t}",
                    parent=district,
                    urban_rural=UrbanRural.MAIN_URBAN,
                )
            )
    departments = [
        Department.objects.create(
            code=f"330100-{kind}",
            name_zh=kind,
            name_en=kind,
            kind=DepartmentKind(kind),
            division=city,
        )
        for kind in ("emergency", "ecology", "city_management", "transport")
    ]
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, count, 5000):
            events = []
            for n in range(start, min(start + 5000, count)):
                when = now - timedelta(seconds=rng.randrange(0, 30 * 86400))
                township = townships[n % len(townships)]
                events.append(
                    Event(
                        ref=f"E{township.code[:6]}-{n:07d}",
                        source="sensor",
                        source_ref=f"S{n % 20:03d}",
                        category=f"sensor.kind{n % 4}",
                        department_kind=departments[n % 4].kind,
                        title="Water above the warning level",
                        division=township,
                        latitude=30 + rng.random(),
                        longitude=120 + rng.random(),
                        value=3.5,
                        unit="m",
                        state=OPEN_STATES[n % len(OPEN_STATES)],
                        occurred_at=when,
                        last_reported_at=when,
                        due_at=when + timedelta(hours=rng.choice([4, 48])),
                        created_at=when,
                    )
                )
            made = Event.objects.bulk_create(events)
            Assignment.objects.bulk_create(
                Assignment(
                    event=event, department=departments[i % 4], dispatched_at=event.created_at
                )
                for i, event in enumerate(made)
                if event.state != "open"
            )


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    call()  # warm
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    options = parser.parse_args()
    fresh_database("cityops-dashboard")
    from django.db import connection

    from onewindow.cityops import selectors
    from onewindow.core.models import Division

    began = time.perf_counter()
    world(options.events)
    print(f"{options.events:,} open events written in {time.perf_counter() - began:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    district = Division.objects.get(code="330102")

    def bare() -> object:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM cityops_event ORDER BY id DESC LIMIT 100")
            return cursor.fetchall()

    figures = {
        "bare SELECT of 100 rows": timed(bare, options.queries),
        "open_events(), the city": timed(selectors.open_events, options.queries),
        "open_events(), one district": timed(
            lambda: selectors.open_events(division=district), options.queries
        ),
        "map_document(), the city": timed(selectors.map_document, options.queries // 4),
        "dashboard(), the city": timed(selectors.dashboard, options.queries // 10),
    }
    base = figures["bare SELECT of 100 rows"][1]
    for name, (p50, p95) in figures.items():
        print(
            f"{connection.vendor}: {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"({p95 / base:.1f} × bare p95)"
        )


if __name__ == "__main__":
    main()
