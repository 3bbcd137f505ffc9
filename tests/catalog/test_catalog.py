"""Publishing versions, searching in two languages, and forms from JSON Schema."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from onewindow.applications import services as applications
from onewindow.catalog import selectors
from onewindow.catalog.form_schema import (
    FormSchemaError,
    check_form_schema,
    form_class_for,
    validate_form_data,
)
from onewindow.catalog.models import SearchTerm, ServiceItem, ServiceItemVersion
from onewindow.catalog.search import query_terms, segment
from onewindow.catalog.seed import SEEDED_SERVICES, seed_catalog
from onewindow.catalog.services import publish_service
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from tests.applications import factories
from tests.identity.factories import citizen

pytestmark = pytest.mark.django_db


def test_seeding_twice_publishes_nothing_new() -> None:
    seed_catalog()
    versions = ServiceItemVersion.objects.count()
    seed_catalog()
    assert ServiceItemVersion.objects.count() == versions == len(SEEDED_SERVICES)


def test_an_application_keeps_the_version_it_was_filed_under(
    divisions: dict[str, Division],
) -> None:
    factories.departments(divisions)
    versions = factories.catalogue()
    first = versions[factories.SOCIAL_SECURITY_CARD]
    applicant = citizen(divisions["community"])
    application = applications.submit_application(
        applicant,
        first,
        {"bank": "icbc"},
        idempotency_key=uuid.uuid4().hex,
        delivery="electronic",
        draft=factories.draft_with_uploads(applicant, first),
    )
    definition = next(d for d in SEEDED_SERVICES if d["code"] == factories.SOCIAL_SECURITY_CARD)
    changed = dataclasses.replace(definition["guide"], promised_days=3)

    second = publish_service(**{**definition, "guide": changed})

    application.refresh_from_db()
    assert second.number == first.number + 1
    assert application.item_version == first
    assert selectors.current_version(factories.SOCIAL_SECURITY_CARD) == second


@pytest.mark.django_db(transaction=True)  # committed rows: the per-process cache keeps them
def test_a_publication_is_served_at_once_although_the_old_version_was_kept_in_the_process(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    seed_catalog()
    code = factories.SOCIAL_SECURITY_CARD
    first = selectors.current_version(code)
    with django_assert_num_queries(0):  # kept: every submission names its service by code
        assert selectors.current_version(code) is first
    definition = next(d for d in SEEDED_SERVICES if d["code"] == code)

    second = publish_service(
        **{**definition, "guide": dataclasses.replace(definition["guide"], promised_days=3)}
    )

    assert selectors.current_version(code) == second
    assert selectors.current_version(code).item.current_version_id == second.pk
    # An administrator's hand on the item (no service call) is not missed either.
    ServiceItem.objects.filter(code=code).first().save()  # type: ignore[union-attr]
    with django_assert_num_queries(1):
        assert selectors.current_version(code).promised_days == 3


def test_a_version_read_inside_a_transaction_is_not_kept(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    seed_catalog()  # the test's transaction is open: it may yet roll back
    selectors.current_version(factories.BIRTH)
    with django_assert_num_queries(1):
        selectors.current_version(factories.BIRTH)


def test_a_bad_workflow_is_refused_with_its_line_and_nothing_is_stored() -> None:
    seed_catalog()
    definition = SEEDED_SERVICES[0]
    guide = dataclasses.replace(
        definition["guide"],
        workflow=(
            "workflow\n"
            "step a name_zh=a name_en=b role=reviewer department=health level=city sla=1\n"
            "step b role=nobody"
        ),
    )
    before = ServiceItemVersion.objects.count()

    with pytest.raises(DomainError) as refused:
        publish_service(**{**definition, "guide": guide})

    assert "line 3" in str(refused.value)
    assert refused.value.field == "workflow"
    assert ServiceItemVersion.objects.count() == before


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("开公司", "330000-AMR-QY-001"),
        ("我要上户口", "330000-PSB-HJ-001"),
        ("社保卡", "330000-HRSS-SB-001"),
        ("start a company", "330000-AMR-QY-001"),
        ("newborn baby", "330000-PSB-HJ-001"),
        ("residence permits", "330000-PSB-JZ-001"),
        ("investment project", "330000-DRC-TZ-001"),
    ],
)
def test_search_ranks_the_service_people_mean_first(query: str, expected_first: str) -> None:
    seed_catalog()
    result = selectors.search_services(query)
    assert result.items
    assert result.items[0].code == expected_first


def test_facets_count_every_match_and_filters_narrow_them() -> None:
    seed_catalog()
    everything = selectors.search_services("")
    assert everything.facets["life_event"]["business"] == 4  # with credit repair
    narrowed = selectors.search_services("", life_event="business", level=4)
    assert {item.code for item in narrowed.items} == {"330000-AMR-GT-001", "330000-AMR-QY-001"}
    assert narrowed.facets == everything.facets  # facets describe the matches, not the filter
    assert selectors.search_services("zzzz qqqq").items == []


def test_the_index_holds_chinese_and_english_terms() -> None:
    seed_catalog()
    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert {"出生", "登记", "birth", "registration"} <= terms
    assert "的" not in terms


@given(st.text(max_size=80))
def test_segmenting_any_text_gives_short_clean_terms(text: str) -> None:
    for term in segment(text) + sorted(query_terms(text)):
        assert term
        assert len(term) <= 64
        assert term == term.strip()


SCHEMA = {
    "type": "object",
    "properties": {
        "name": {
            "type": "string",
            "title": "Name",
            "x-title-zh": "姓名",
            "maxLength": 5,
            "minLength": 1,
        },
        "count": {"type": "integer", "title": "Count", "minimum": 1, "maximum": 9},
        "kind": {"type": "string", "title": "Kind", "enum": ["a", "b"]},
        "agree": {"type": "boolean", "title": "Agree", "const": True},
    },
    "required": ["name", "agree"],
    "additionalProperties": False,
}


def test_validation_names_each_field_in_the_language_of_the_request() -> None:
    data = {"name": "toolongname", "count": 0, "kind": "c"}
    with translation.override("en"):
        errors = validate_form_data(SCHEMA, data)
    assert set(errors) == {"name", "count", "kind", "agree"}
    assert errors["name"] == "Name can be at most 5 characters."
    with translation.override("zh-hans"):
        assert "姓名" in validate_form_data(SCHEMA, data)["name"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array"},
        {"type": "object", "properties": {"x": {"type": "object", "title": "X"}}},
        {"type": "object", "properties": {"x": {"type": "string"}}},
        {"type": "object", "properties": {"x y": {"type": "string", "title": "X"}}},
        {"type": "object", "properties": {}, "required": ["ghost"]},
        {"type": "object", "properties": {"x": {"type": "string", "title": "X", "maxLength": -1}}},
    ],
)
def test_schemas_the_platform_cannot_render_are_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(FormSchemaError):
        check_form_schema(schema)


@given(
    name=st.text(max_size=8),
    count=st.one_of(st.none(), st.integers(-5, 15)),
    kind=st.sampled_from(["", "a", "b"]),
    agree=st.booleans(),
)
def test_the_html_form_accepts_exactly_what_the_schema_accepts(
    name: str, count: int | None, kind: str, agree: bool
) -> None:
    post = {"name": name, "count": "" if count is None else str(count), "kind": kind}
    if agree:
        post["agree"] = "on"
    form = form_class_for(SCHEMA)(post)
    if not form.is_valid():
        return  # the page refuses before the schema is asked; nothing is stored either way
    from onewindow.catalog.form_schema import cleaned_to_json

    data = cleaned_to_json(SCHEMA, form.cleaned_data)
    errors = validate_form_data(SCHEMA, data)
    expected_ok = 1 <= len(name.strip()) <= 5 and agree and (count is None or 1 <= count <= 9)
    assert (errors == {}) == expected_ok
