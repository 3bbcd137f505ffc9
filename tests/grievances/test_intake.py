"""Intake from every channel: checks, routing, flood limits, duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django import Settings

from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.ratelimit import RateLimited
from onewindow.grievances import intake, text
from onewindow.grievances.models import Case, CaseStatus, MergeProposal, Reporter
from onewindow.identity.models import Department, DepartmentKind
from onewindow.identity.selectors import competent_departments
from onewindow.ledger.models import LedgerEntry
from tests.grievances import factories
from tests.identity.factories import citizen


def test_a_confident_case_goes_to_the_departments_nearest_the_place(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)

    case = factories.call(divisions["community"], agent=world.agent)

    assert case.status == CaseStatus.ASSIGNED
    assert case.department == world.district_city  # the district's, not the city's
    assert case.proposed_category == "city.street_lighting"
    assert case.ref.startswith("G330106-")
    assert case.events.filter(action="routed", ledger_index__isnull=False).exists()


def test_where_the_district_has_no_such_department_the_city_one_takes_it(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)

    case = factories.call(divisions["village"], factories.WAGES, agent=world.agent)

    assert case.department is not None
    assert case.department.code == "330100-human_resources"


def test_a_department_opened_after_a_case_was_routed_takes_the_next_one(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    first = factories.call(divisions["community"], agent=world.agent)

    street_office = Department.objects.create(
        code="330106001-city_management",
        name_zh="北山街道城管中队",
        name_en="Beishan Urban Management Squad",
        kind=DepartmentKind.CITY_MANAGEMENT,
        division=divisions["street"],
    )
    second = factories.call(divisions["community"], agent=world.agent, phone="13900002222")

    assert first.department == world.district_city
    assert second.department == street_office


# Committed for real: the reference cache keeps nothing read inside a transaction, and the
# test's own transaction would be one.
@pytest.mark.django_db(transaction=True)
def test_a_change_made_by_another_process_is_seen_within_the_reference_time(
    divisions: dict[str, Division], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = factories.world(divisions)
    factories.call(divisions["community"], agent=world.agent)
    # Another process's edit: no signal reaches this one.
    Department.objects.filter(pk=world.district_city.pk).update(kind=DepartmentKind.HOTLINE)
    kept = factories.call(divisions["community"], agent=world.agent, phone="13900003333")

    monkeypatch.setattr(competent_departments, "seconds", 0.0)
    case = factories.call(divisions["community"], agent=world.agent, phone="13900002222")

    assert kept.department == world.district_city  # served from the cache until it expires

    assert case.department is not None
    assert case.department.code == "330100-city_management"


@pytest.mark.django_db(transaction=True)  # as above: the cache keeps only committed reads
def test_a_case_is_written_once_and_its_routing_read_from_the_reference_cache(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    factories.call(divisions["community"], agent=world.agent)

    with CaptureQueriesContext(connection) as captured:
        case = factories.call(divisions["community"], agent=world.agent, phone="13900002222")

    statements = [query["sql"] for query in captured.captured_queries]
    assert case.department == world.district_city
    assert not [sql for sql in statements if "identity_department" in sql]
    assert not [sql for sql in statements if sql.startswith("UPDATE") and "grievances_" in sql]
    written = [sql.split('"')[1] for sql in statements if sql.startswith("INSERT")]
    assert sorted(written) == sorted(set(written))  # one statement per table, events together
    stored = Case.objects.get(pk=case.pk)
    assert (stored.ref, stored.status, stored.department_id) == (
        case.ref,
        CaseStatus.ASSIGNED,
        world.district_city.pk,
    )
    assert list(stored.events.values_list("action", flat=True)) == ["received", "routed"]
    assert stored.reporters.get().original_case_ref == case.ref


def test_an_unsure_proposal_waits_for_the_dispatcher(divisions: dict[str, Division]) -> None:
    factories.world(divisions)

    case = factories.call(divisions["community"], "你好，我想问一下这个事情应该找谁。")

    assert case.status == CaseStatus.DISPATCHING
    assert case.department is None


def test_personal_data_is_stored_encrypted_and_read_back(divisions: dict[str, Division]) -> None:
    factories.world(divisions)

    case = factories.call(divisions["community"], address="北山路28号3单元")

    reporter = case.reporters.get()
    assert "13900001111" not in reporter.phone_encrypted
    assert reporter.phone == "13900001111"
    assert reporter.masked_phone == "139****1111"
    assert "北山路" not in case.address_encrypted
    assert case.address == "北山路28号3单元"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text_in": "   "}, "text"),
        ({"text_in": "路灯" * 1001}, "text"),
        ({"kind": "rant"}, "kind"),
        ({"phone": "12345"}, "phone"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    divisions: dict[str, Division], changes: dict[str, str], field: str
) -> None:
    factories.world(divisions)
    arguments = {
        "text_in": factories.STREET_LIGHT,
        "kind": "complaint",
        "phone": "13900001111",
        "name": "张三",
    }
    arguments.update(changes)
    entries = LedgerEntry.objects.count()

    with pytest.raises(DomainError) as refused:
        intake.submit_case(
            kind=arguments["kind"],
            text_in=arguments["text_in"],
            location=intake.Location(division=divisions["community"]),
            channel="hotline",
            contact=intake.Contact(name=arguments["name"], phone=arguments["phone"]),
        )

    assert field in refused.value.params["errors"]
    assert not Case.objects.exists()
    assert LedgerEntry.objects.count() == entries


def test_markup_is_kept_as_text_and_shown_escaped(
    client: Client, divisions: dict[str, Division]
) -> None:
    world = factories.world(divisions)
    attack = '<script>alert("x")</script> 北山街道路灯坏了很久没人修'
    case = factories.call(divisions["community"], attack, agent=world.agent)
    client.force_login(world.dispatcher)

    assert case.text == attack
    from tests.identity.test_assisted_filing import verified_client

    page = verified_client(world.dispatcher).get(f"/hotline/work/{case.ref}/")
    assert b"<script>alert" not in page.content
    assert b"&lt;script&gt;alert" in page.content


def test_a_flood_from_one_phone_number_is_refused_with_a_clear_message(
    divisions: dict[str, Division], settings: Settings
) -> None:
    settings.ONEWINDOW_HOTLINE_RATE_LIMITS = {"phone": (3, 60)}
    factories.world(divisions)
    for number in range(3):
        factories.call(divisions["community"], f"第{number}次反映：北山街道路灯坏了很久没有人修")

    with pytest.raises(RateLimited) as refused:
        factories.call(divisions["community"], "第四次反映：北山街道路灯坏了很久没有人修")

    assert refused.value.status == 429
    assert "at most 3 in 60 minutes" in str(refused.value)
    assert Case.objects.count() == 3
    # Another number is not limited, and an hour later the first one may call again.
    factories.call(divisions["community"], "邻居也反映：北山街道路灯坏了", phone="13900002222")
    factories.call(
        divisions["community"],
        "一小时后再反映北山街道路灯",
        now=timezone.now() + timedelta(minutes=61),
    )


def test_a_flood_about_one_address_is_refused(
    divisions: dict[str, Division], settings: Settings
) -> None:
    settings.ONEWINDOW_HOTLINE_RATE_LIMITS = {"address": (2, 60)}
    factories.world(divisions)
    for number in range(2):
        factories.call(
            divisions["community"],
            "北山路28号楼下烧烤油烟太大",
            phone=f"1390000{number:04d}",
            address="北山路 28号",
        )
    with pytest.raises(RateLimited):
        factories.call(
            divisions["community"],
            "北山路28号楼下烧烤油烟太大",
            phone="13900009999",
            address="北山路28号",
        )


def test_a_repeat_at_the_same_place_is_proposed_for_merging(divisions: dict[str, Division]) -> None:
    factories.world(divisions)
    first = factories.call(divisions["community"])

    second = factories.call(
        divisions["community"], factories.STREET_LIGHT_AGAIN, phone="13900002222"
    )
    elsewhere = factories.call(
        divisions["village"], factories.STREET_LIGHT_AGAIN, phone="13900003333"
    )
    other_topic = factories.call(divisions["community"], factories.WAGES, phone="13900004444")

    proposal = MergeProposal.objects.get(case=second)
    assert proposal.primary == first
    assert proposal.similarity >= 0.4
    assert not MergeProposal.objects.filter(case__in=[elsewhere, other_topic]).exists()


def test_a_caller_whose_number_is_a_citizens_mobile_is_linked_to_the_account(
    divisions: dict[str, Division],
) -> None:
    factories.world(divisions)
    person = citizen(divisions["community"])
    mobile = person.masked_mobile  # masked; read the real one through the service
    from onewindow.core import personal_data
    from onewindow.identity.models import MOBILE_CONTEXT

    number = personal_data.decrypt(person.mobile_encrypted, context=MOBILE_CONTEXT)
    assert mobile.startswith(number[:3])

    assert intake.citizen_with_phone(number) == person
    assert intake.citizen_with_phone("13900000000") is None


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_desensitised_text_never_shows_a_mobile_or_id_number(value: str) -> None:
    import re

    masked = text.desensitise(value + " 13812345678 330106199001011234")
    assert not re.search(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", masked)
    assert not re.search(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])", masked)


def test_reporters_are_counted_from_the_stored_rows(divisions: dict[str, Division]) -> None:
    factories.world(divisions)
    factories.call(divisions["community"])
    assert Reporter.objects.filter(phone_hash__gt="").count() == 1
