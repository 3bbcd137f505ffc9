"""The open-data portal: browse, search in both languages, filter, preview, download in
three formats, licence and schema.org markup; releases are versioned, immutable and in the
ledger; a publisher's release refused with the column and the cells."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from onewindow.core.errors import PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import Role
from onewindow.ledger.models import LedgerEntry
from onewindow.transparency import services
from onewindow.transparency.models import Release, Source
from onewindow.transparency.services import DatasetDefinition, ReleaseRefused
from tests.identity.factories import officer
from tests.transparency import factories

pytestmark = pytest.mark.django_db


def test_a_visitor_finds_a_dataset_previews_it_and_downloads_every_format(
    client: Client, divisions: dict[str, Division]
) -> None:
    department = factories.bureau(divisions)
    _dataset, release = factories.fixed_dataset(factories.publisher(department), department)

    listing = client.get("/open-data/", {"q": "学位"}).content.decode()
    assert "学校学位" in listing or "School places" in listing
    assert (
        client.get("/open-data/", {"q": "nothing-like-it"})
        .content.decode()
        .count("/open-data/dataset/school-places/")
        == 0
    )
    assert "school-places" in client.get("/open-data/", {"tag": "education"}).content.decode()

    page = client.get("/open-data/dataset/school-places/").content.decode()
    assert 'itemtype="https://schema.org/Dataset"' in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "S000" in page  # the preview

    as_csv = client.get("/open-data/dataset/school-places/download.csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == 250
    assert rows[0] == {"district": "330100", "school": "S000", "places": "100"}
    as_json = json.loads(client.get("/open-data/dataset/school-places/download.json").content)
    assert as_json["sha256"] == release.digest
    assert len(as_json["records"]) == 250
    book = load_workbook(
        io.BytesIO(client.get("/open-data/dataset/school-places/download.xlsx").content)
    )
    assert book.active is not None
    assert book.active.max_row == 251
    assert client.get("/open-data/dataset/school-places/download.pdf").status_code == 404


def test_pages_answer_in_chinese(client: Client, divisions: dict[str, Division]) -> None:
    department = factories.bureau(divisions)
    factories.fixed_dataset(factories.publisher(department), department)
    client.cookies["django_language"] = "zh-hans"

    page = client.get("/open-data/dataset/school-places/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    text = page.content.decode()
    assert "下载" in text
    assert "许可" in text


def test_each_release_is_a_new_immutable_version_with_its_digest_in_the_ledger(
    divisions: dict[str, Division],
) -> None:
    department = factories.bureau(divisions)
    publisher = factories.publisher(department)
    dataset, first = factories.fixed_dataset(publisher, department)

    second = services.publish_release(publisher, dataset)

    assert second is not None
    assert second.ledger_index is not None
    assert (first.version, second.version) == (1, 2)
    entry = LedgerEntry.objects.get(index=second.ledger_index)
    assert entry.event_type == "transparency.released"
    with pytest.raises(ValueError, match="immutable"):
        first.save()
    assert services.publish_release(None, dataset, only_if_changed=True) is None


def test_a_release_that_could_single_someone_out_is_refused_with_column_and_cells(
    divisions: dict[str, Division],
) -> None:
    department = factories.bureau(divisions)
    publisher = factories.publisher(department)
    rows = [{"age": 30 + n % 2, "street": f"330106{n:03d}", "days": n} for n in range(40)]
    dataset = services.define_dataset(
        publisher,
        DatasetDefinition(
            name="too-fine",
            title_zh="过细",
            title_en="Too fine",
            organization=department,
            source=Source.FIXED,
            parameters={"rows": rows, "is_personal": True},
            quasi_identifiers=("age", "street"),
            k=5,
        ),
    )

    with pytest.raises(ReleaseRefused) as refused:
        services.publish_release(publisher, dataset)

    assert refused.value.field == "street"
    assert refused.value.params["cells"] == 40
    assert not Release.objects.filter(dataset=dataset).exists()


def test_noise_spends_the_budget_and_then_publishing_stops(
    divisions: dict[str, Division],
) -> None:
    department = factories.bureau(divisions)
    publisher = factories.publisher(department)
    rows = [{"age": 20 + n % 40, "days": n % 9} for n in range(400)]
    dataset = services.define_dataset(
        publisher,
        DatasetDefinition(
            name="noisy",
            title_zh="加噪",
            title_en="Noisy",
            organization=department,
            source=Source.FIXED,
            parameters={"rows": rows, "is_personal": True},
            quasi_identifiers=("age",),
            generalise={"age": "age_band_10"},
            k=5,
            epsilon=0.5,
            epsilon_budget=1.0,
        ),
    )
    services.publish_release(publisher, dataset)
    services.publish_release(publisher, dataset)

    with pytest.raises(ReleaseRefused) as refused:
        services.publish_release(publisher, dataset)

    assert refused.value.field == "epsilon"
    dataset.refresh_from_db()
    assert dataset.epsilon_spent == pytest.approx(1.0)


def test_only_the_departments_publisher_publishes(divisions: dict[str, Division]) -> None:
    department = factories.bureau(divisions)
    dataset, _release = factories.fixed_dataset(factories.publisher(department), department)
    reviewer = officer(department, roles=(Role.REVIEWER,), username="not-a-publisher")

    with pytest.raises(PermissionDenied):
        services.publish_release(reviewer, dataset)
