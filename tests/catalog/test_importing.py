"""A department's implementation list imported from a spreadsheet, checked row by row, and
exported back unchanged."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.catalog import editing, importing
from onewindow.catalog.listing import COLUMNS, RowError, row_to_definition
from onewindow.catalog.models import ServiceDraft, ServiceItem
from onewindow.core.models import Division
from onewindow.identity.models import User
from tests.applications import factories
from tests.applications.factories import World
from tests.identity import factories as people
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db

SERVICES = [
    ("低保", "最低生活保障申请", "Minimum living allowance application"),
    ("临救", "临时救助申请", "Temporary assistance application"),
    ("高龄", "高龄津贴申领", "Old-age allowance claim"),
    ("残补", "困难残疾人生活补贴", "Living allowance for disabled people in hardship"),
    ("孤儿", "孤儿基本生活费发放", "Basic living allowance for orphans"),
]


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    return factories.world(divisions)


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Errors are named in the active language; these tests read the English names."""
    with translation.override("en"):
        yield


def _row(number: int) -> dict[str, str]:
    short, name_zh, name_en = SERVICES[number % len(SERVICES)]
    fee = 1000 if number % 7 == 0 else 0
    return {
        "code": f"330100-CA-SZ-{number:03d}",
        "basic_code": f"CA-SZ-{number:03d}",
        "department_kind": "civil_affairs",
        "level": str(4 if number % 2 else 5),
        "service_type": "payment" if number % 3 else "public_service",
        "audience": "citizen",
        "name_zh": f"{name_zh}（第{number}批）",
        "name_en": f"{name_en} (batch {number})",
        "life_events": "elderly" if number % 2 else "",
        "anywhere_scope": "city" if number % 5 == 0 else "none",
        "guide_zh": f"{name_zh}：向户籍所在地乡镇（街道）提出申请，民政部门审核后按月发放。",
        "guide_en": f"{name_en}: apply at the township office; civil affairs decides, "
        "pays monthly.",
        "conditions_zh": "户籍在本市，家庭收入低于当地标准。",
        "conditions_en": "Registered in the city, household income below the local standard.",
        "keywords_zh": short,
        "keywords_en": "allowance",
        "legal_basis_zh": "《社会救助暂行办法》",
        "legal_basis_en": "Interim Measures for Social Assistance",
        "fee_fen": str(fee),
        "fee_basis_zh": "浙江省行政事业性收费目录" if fee else "",
        "fee_basis_en": "Zhejiang catalogue of administrative fees" if fee else "",
        "statutory_days": "20",
        "promised_days": str(1 + number % 10),
        "visits": "1" if number % 4 == 0 else "0",
        "online_depth": "information" if number % 4 == 0 else "fully_online",
        "hall_zh": "所在乡镇（街道）便民服务中心社会救助窗口" if number % 4 == 0 else "",
        "hall_en": "Social assistance window of the township service centre"
        if number % 4 == 0
        else "",
        "hours_zh": "工作日 8:30–17:00" if number % 4 == 0 else "",
        "hours_en": "Working days 8:30–17:00" if number % 4 == 0 else "",
        "delivery_options": "electronic",
        "result_type": "document",
        "result_name_zh": "审批决定书",
        "result_name_en": "Decision",
        "credential_kind": "",
        "contact_phone": "0571-12345",
        "materials": "identity|居民身份证|Resident identity card|upload|copy|1|required\n"
        "income|家庭收入证明|Household income statement|upload|original|1|optional",
        "workflow": "",
        "form_schema": "",
    }


def _csv(rows: list[dict[str, str]]) -> bytes:
    return importing.to_csv(rows)


@pytest.fixture
def editor(world: World) -> User:
    return people.officer(
        world["departments"]["330100-civil_affairs"],
        roles=("catalogue_editor",),
        username="ca-editor",
    )


@pytest.fixture
def approver(world: World) -> User:
    return people.officer(
        world["departments"]["330100-civil_affairs"],
        roles=("catalogue_approver",),
        username="ca-approver",
    )


def test_a_list_of_fifty_imports_publishes_and_exports_back_unchanged(
    editor: User, approver: User
) -> None:
    rows = [_row(number) for number in range(1, 51)]
    content = _csv(rows)

    batch = importing.import_list(editor, content, file_format="csv", reason="2026年清单")

    assert ServiceDraft.objects.filter(import_batch=batch).count() == 50
    assert not ServiceItem.objects.filter(code__startswith="330100-CA-SZ").exists()
    editing.publish_batch(approver, batch)
    items = ServiceItem.objects.filter(code__startswith="330100-CA-SZ").order_by("code")
    assert items.count() == 50
    assert importing.export_list(items, "csv") == content
    exported = importing.export_list(items, "xlsx")
    assert importing.read_rows(exported, "xlsx") == rows
    assert importing.read_rows(importing.export_list(items, "json"), "json") == rows


def test_three_bad_rows_refuse_the_whole_list_naming_row_and_column(editor: User) -> None:
    rows = [_row(number) for number in range(1, 51)]
    rows[4]["department_kind"] = "ministry_of_magic"  # row 6 (after the header)
    rows[9]["promised_days"] = "30"  # row 11: above the statutory 20
    rows[19]["fee_fen"], rows[19]["fee_basis_zh"], rows[19]["fee_basis_en"] = "500", "", ""
    rows[29]["materials"] = "identity|居民身份证|Identity card|somewhere|copy|1|required"
    rows[39]["code"] = rows[38]["code"]  # row 41 repeats row 40's code

    with pytest.raises(importing.ImportRefused) as refused:
        importing.import_list(editor, _csv(rows), file_format="csv", reason="2026年清单")

    assert set(refused.value.errors) == {
        "row 6: department_kind",
        "row 11: promised_days",
        "row 21: fee_basis_zh",
        "row 31: materials",
        "row 41: code",
    }
    assert ServiceDraft.objects.count() == 0


def test_a_malformed_spreadsheet_is_refused(editor: User) -> None:
    for content, file_format in [
        (b"PK\x03\x04 not really a workbook", "xlsx"),
        (b"\xff\xfe\x00garbage", "csv"),
        (b"{", "json"),
        (b"code,colour\n1,red\n", "csv"),
        (b"", "csv"),
    ]:
        with pytest.raises(importing.ImportRefused) as refused:
            importing.import_list(editor, content, file_format=file_format, reason="x")
        assert refused.value.errors
    assert ServiceDraft.objects.count() == 0


def test_the_import_page_names_each_error_in_the_editors_language(editor: User) -> None:
    rows = [_row(1), _row(2)]
    rows[1]["promised_days"] = "99"
    client = verified_client(editor)
    upload = io.BytesIO(_csv(rows))
    upload.name = "list.csv"

    page = client.post(
        "/services/edit/import/",
        {"file": upload, "reason": "年度更新"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert page.status_code == 200
    errors = page.context["errors"]
    assert list(errors) == ["第 3 行: promised_days"] or list(errors) == ["row 3: promised_days"]
    assert ServiceDraft.objects.count() == 0


def test_an_editor_imports_only_their_departments_items(editor: User) -> None:
    row = _row(1)
    row["department_kind"] = "health"
    with pytest.raises(importing.ImportRefused) as refused:
        importing.import_list(editor, _csv([row]), file_format="csv", reason="x")
    assert set(refused.value.errors) == {"row 2: department_kind"}


texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(COLUMNS), texts, max_size=6))
def test_any_row_either_parses_or_names_its_columns(changes: dict[str, str]) -> None:
    """Whatever is typed into a row, the codec answers with a definition or with errors that
    name real columns; it never raises anything else."""
    row: dict[str, Any] = {**_row(3), **changes}
    try:
        code, definition = row_to_definition(row)
    except RowError as error:
        named = set(error.errors)
    else:
        named = set()
        assert code == row["code"].strip()
        assert set(definition) == {
            "department_kind",
            "level",
            "life_events",
            "is_apply_anywhere",
            "guide",
        }
    assert named <= set(COLUMNS)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.dictionaries(st.sampled_from(COLUMNS), texts, max_size=4))
def test_the_validator_refuses_or_accepts_a_row_without_writing(
    editor: User, changes: dict[str, str]
) -> None:
    rows = [{**_row(3), **changes}]
    try:
        checked = importing.check_rows(editor, rows)
    except importing.ImportRefused as refused:
        errors = list(refused.errors)
    else:
        errors, _rows = [], checked
        assert len(checked) == 1
    assert all(key.startswith("row 2: ") for key in errors)
    assert ServiceDraft.objects.count() == 0


def test_the_public_export_filters_by_level(world: World) -> None:
    answer = Client().get("/services/export/?format=csv&level=4")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows
    assert {row["level"] for row in rows} == {"4"}
