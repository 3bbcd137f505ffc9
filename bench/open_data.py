"""Open data: CKAN's datastore_search and package_search, and the desensitisation pipeline,
each against a bare query or loop over the same rows in the same run.

    .venv/bin/python bench/open_data.py [--rows 1000000] [--datasets 10000] [--records 1000000]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/onewindow_bench_open_data \
        .venv/bin/python bench/open_data.py --rows 200000

On a fresh database (a temp SQLite file by default; a PostgreSQL database must exist and is
migrated from zero):

- **datastore_search**: one release of `--rows` rows (district, month, category, count,
  amount; bulk-inserted with their indexed values as `publish_release` stores them, not
  timed); 100-row pages filtered on a district and sorted by
  amount descending, at offsets 0..900, through `transparency.selectors.datastore` (what the
  action runs: validation, the page, the total). Baselines: the same page as one bare SQL
  statement (the same ORDER BY and LIMIT/OFFSET, no total) filtering on each row's JSON (as
  datastore_search did before its stored values), and filtering through the stored values'
  index (as it does now: the ceiling).
- **package_search**: `--datasets` published datasets; `q` + `fq=tags:…`, rows 10, through
  `transparency.selectors.search` (facets off). Baseline: a bare SELECT of ten datasets by
  the same LIKE conditions.
- **desensitise**: `--records` person records (age, division, day, days taken) through
  `desensitise.desensitise` (generalise, group, suppress under k=5, Laplace noise). Baseline:
  a plain Counter over the same generalised keys.

Prints p50/p99 (ms) of each and the ratio to its baseline. The issue's aims: datastore_search
p99 <= 50 ms over 1,000,000 rows, package_search p99 <= 30 ms over 10,000 datasets,
desensitising 1,000,000 rows <= 10 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from bench_map import fresh_database  # noqa: E402 - the setup every benchmark shares


def _timed(run: Callable[[int], object], times: int) -> list[float]:
    spent = []
    for number in range(times):
        start = time.perf_counter()
        run(number)
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(name: str, measured: list[float], baseline: list[float]) -> str:
    p50, p99 = statistics.median(measured), _p(measured, 0.99)
    b50, b99 = statistics.median(baseline), _p(baseline, 0.99)
    return (
        f"{name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms; bare p50 {b50:.1f} ms, p99 {b99:.1f} ms;"
        f" ratio p99 {p99 / b99:.1f}x"
    )


TAGS = ["education", "transport", "health", "budget"]


def _world(rows: int, datasets: int) -> Any:
    from django.db import transaction

    from onewindow.core.divisions import Level
    from onewindow.core.services import define_division
    from onewindow.identity.models import Department, DepartmentKind
    from onewindow.transparency.models import Dataset, Release, ReleaseRow, Source

    nation = define_division(
        code="000000", level=Level.NATION, name_zh="中国", name_en="China", parent=None
    )
    department = Department.objects.create(
        code="330100-DATA",
        name_zh="数据局",
        name_en="Data bureau",
        kind=DepartmentKind.DATA_BUREAU,
        division=nation,
    )
    rng = random.Random(19)
    with transaction.atomic():
        made = Dataset.objects.bulk_create(
            Dataset(
                name=f"dataset-{n:05d}",
                title_zh=f"数据集{n}",
                title_en=f"Dataset {n}",
                organization=department,
                source=Source.FIXED,
                tags=[rng.choice(["education", "transport", "health", "budget"])],
                search_text=f"dataset-{n:05d} 数据集{n} dataset {n} "
                + rng.choice(["教育 education", "交通 transport", "卫生 health", "预算 budget"]),
                facet_text=f"|organization:330100-DATA|tags:{rng.choice(TAGS)}|",
            )
            for n in range(datasets)
        )
        Release.objects.bulk_create(
            Release(dataset=ds, version=1, fields=[["n", "int"]], digest="0" * 64) for ds in made
        )
        big = Release.objects.create(
            dataset=made[0],
            version=2,
            fields=[
                ["district", "text"],
                ["month", "text"],
                ["category", "text"],
                ["count", "int"],
                ["amount", "numeric"],
            ],
            digest="1" * 64,
            row_count=rows,
        )
        districts = [f"3301{n:02d}" for n in range(1, 21)]
        batch = []
        for number in range(1, rows + 1):
            data = {
                "district": districts[number % 20],
                "month": f"2025-{number % 12 + 1:02d}",
                "category": f"c{number % 50}",
                "count": number % 97,
                "amount": round(rng.random() * 100000, 2),
            }
            batch.append(
                ReleaseRow(
                    release=big, number=number, data=data, text=" ".join(map(str, data.values()))
                )
            )
            if len(batch) == 5000:
                _store(big, batch)
                batch = []
        _store(big, batch)
    return big


def _store(release: Any, batch: list[Any]) -> None:
    """The rows and their indexed values, as `publish_release` stores them."""
    from onewindow.transparency.models import ReleaseRow
    from onewindow.transparency.services import store_values

    ReleaseRow.objects.bulk_create(batch)
    store_values(release, ((row.number, row.data) for row in batch))


def bench_datastore(release: Any, queries: int) -> str:
    from django.db import connection

    from onewindow.transparency import selectors

    def ours(number: int) -> object:
        return selectors.datastore(
            release,
            filters={"district": "330103"},
            sort="amount desc",
            limit=100,
            offset=(number % 10) * 100,
        )

    # The statement filtering on each row's JSON (what datastore_search ran before the stored
    # values), and the same page through the stored values' index (what it runs now).
    if connection.vendor == "postgresql":
        district, amount = "data->>'district' = %s", "(data->>'amount')::float"
        release_id: Any = release.pk
    else:
        district = "json_extract(data, '$.district') = %s"
        amount = "CAST(json_extract(data, '$.amount') AS REAL)"
        release_id = str(release.pk).replace("-", "")
    indexed = (
        "number IN (SELECT number FROM transparency_releasevalue WHERE release_id = %s"
        " AND field = 'district' AND text = %s)"
    )
    page = "SELECT number, data FROM transparency_releaserow WHERE release_id = %s AND {} "
    page += f"ORDER BY {amount} DESC, number LIMIT 100 OFFSET %s"

    def bare_json(number: int) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(page.format(district), [release_id, "330103", (number % 10) * 100])
            return list(cursor.fetchall())

    def bare_indexed(number: int) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                page.format(indexed), [release_id, release_id, "330103", (number % 10) * 100]
            )
            return list(cursor.fetchall())

    assert bare_json(3) == bare_indexed(3), "the bare queries must read the same page"
    assert len(bare_json(0)) == 100, "the bare query must read the same page"
    measured = _timed(ours, queries)
    return "\n".join(
        [
            _line("datastore_search vs the JSON filter", measured, _timed(bare_json, queries)),
            _line("datastore_search vs the index", measured, _timed(bare_indexed, queries)),
        ]
    )


def bench_package_search(queries: int) -> str:
    from onewindow.transparency import selectors
    from onewindow.transparency.models import Dataset

    words = ["education", "transport", "health", "budget"]

    def ours(number: int) -> object:
        word = words[number % 4]
        return selectors.search(word, fq=f"tags:{word}", rows=10, start=0)

    def bare(number: int) -> object:
        word = words[number % 4]
        return list(
            Dataset.objects.filter(
                search_text__contains=word, facet_text__contains=f"|tags:{word}|"
            )
            .order_by("name")
            .values_list("name", flat=True)[:10]
        )

    return _line("package_search", _timed(ours, queries), _timed(bare, queries))


def bench_desensitise(records: int) -> str:
    from onewindow.transparency.desensitise import Measure, Rules, desensitise, generalised

    rng = random.Random(7)
    people = [
        {
            "age": rng.randint(0, 99),
            "division": f"3301{rng.randint(1, 20):02d}{rng.randint(1, 30):03d}",
            "day": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "days": rng.randint(0, 20),
        }
        for _ in range(records)
    ]
    rules = Rules(
        quasi_identifiers=("age", "division", "day"),
        k=5,
        generalise={"age": "age_band_10", "division": "division_up", "day": "month"},
        measures=(Measure("mean_days", "mean", "days"),),
        max_suppressed_share=0.5,
        epsilon=1.0,
    )
    start = time.perf_counter()
    table = desensitise(people, rules, source=random.Random(1))
    ours = time.perf_counter() - start
    start = time.perf_counter()
    Counter(generalised(person, rules) for person in people)
    bare = time.perf_counter() - start
    return (
        f"desensitise {records:,} records: {ours:.2f} s ({len(table.rows):,} rows published,"
        f" {table.suppressed_cells:,} cells suppressed); bare group-by {bare:.2f} s;"
        f" ratio {ours / bare:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    arguments = parser.parse_args()
    fresh_database("open-data")
    started = time.perf_counter()
    release = _world(arguments.rows, arguments.datasets)
    print(
        f"world: {arguments.rows:,} rows, {arguments.datasets:,} datasets"
        f" in {time.perf_counter() - started:.1f} s"
    )
    print(bench_datastore(release, arguments.queries))
    print(bench_package_search(arguments.queries))
    print(bench_desensitise(arguments.records))


if __name__ == "__main__":
    main()
