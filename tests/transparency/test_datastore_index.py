"""datastore_search filters through the stored values' index (`ReleaseValue`) and answers
exactly what a filter on each row's JSON answers: numbers, text, lists of values, empty and
missing values, text too long to index, booleans; and the migration stores the values of
releases published before it."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps

from onewindow.core.models import Division
from onewindow.transparency import selectors
from onewindow.transparency.models import INDEXED_TEXT, Release, ReleaseValue
from tests.transparency import factories

pytestmark = pytest.mark.django_db
LONG = "长" * (INDEXED_TEXT + 1)
FIELDS = [["district", "text"], ["places", "int"], ["share", "numeric"], ["open", "bool"]]
ROWS: list[dict[str, Any]] = [
    {"district": f"3301{n % 4:02d}", "places": n % 7, "share": n / 4, "open": n % 2 == 0}
    for n in range(40)
] + [
    {"district": "", "places": None, "share": None, "open": None},
    {"district": LONG, "places": 3, "share": 0.25, "open": True},
    {"places": 2},  # fields missing from the row
]


@pytest.fixture
def release(divisions: dict[str, Division]) -> Release:
    department = factories.bureau(divisions)
    _, made = factories.fixed_dataset(
        factories.publisher(department), department, rows=ROWS, fields=FIELDS
    )
    return made


def _numbers(release: Release, filters: dict[str, Any], sort: str = "") -> list[int]:
    page = selectors.datastore(release, filters=filters, sort=sort, limit=1000)
    return [record["_id"] for record in page.records]


def _expected(filters: dict[str, Any]) -> list[int]:
    """The rows (1-based) whose values equal the filters', read from the rows themselves."""

    def holds(row: dict[str, Any], name: str, wanted: Any) -> bool:
        options = wanted if isinstance(wanted, list) else [wanted]
        return any(row.get(name) == option for option in options)

    return [
        number
        for number, row in enumerate(ROWS, start=1)
        if all(holds(row, name, wanted) for name, wanted in filters.items())
    ]


@pytest.mark.parametrize(
    "filters",
    [
        {"district": "330102"},
        {"district": ["330101", "330103"]},
        {"district": ""},
        {"district": LONG},
        {"places": 3},
        {"places": [0, 6]},
        {"share": 0.25},
        {"share": 2.5, "places": 3},
        {"district": "330101", "places": 1},
        {"open": True},
        {"district": "no such district"},
    ],
)
def test_a_filter_through_the_index_finds_what_the_rows_hold(
    release: Release, filters: dict[str, Any]
) -> None:
    assert _numbers(release, filters) == _expected(filters)


def test_numbers_sent_as_text_filter_as_numbers(release: Release) -> None:
    assert _numbers(release, {"places": "3"}) == _expected({"places": 3})
    assert _numbers(release, {"share": ["0.25", "2.5"]}) == _expected({"share": [0.25, 2.5]})


def test_a_filtered_page_is_sorted_and_counted(release: Release) -> None:
    page = selectors.datastore(release, filters={"district": "330102"}, sort="share desc")
    shares = [record["share"] for record in page.records]
    assert shares == sorted(shares, reverse=True)
    assert page.total == len(_expected({"district": "330102"}))


def test_every_value_of_a_release_is_stored_once(release: Release) -> None:
    assert ReleaseValue.objects.filter(release=release).count() == len(ROWS) * len(FIELDS)
    long_text = ReleaseValue.objects.get(release=release, field="district", number=42)
    assert long_text.text is None  # matched on the row's JSON instead


def test_the_migration_stores_the_values_of_releases_published_before_it(
    release: Release,
) -> None:
    stored = set(ReleaseValue.objects.values_list("number", "field", "text", "numeric"))
    ReleaseValue.objects.all().delete()
    migration = import_module("onewindow.transparency.migrations.0002_release_values")

    migration.store_values(apps, None)

    assert set(ReleaseValue.objects.values_list("number", "field", "text", "numeric")) == stored
