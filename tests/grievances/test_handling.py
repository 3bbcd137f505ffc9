"""Handling: dispatch and its corrections, SLAs and escalation, transfers and their
contest, merges, answers, ratings that reopen once, closing."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.core.calendar import SHANGHAI
from onewindow.core.errors import Conflict, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.grievances import services, tasks
from onewindow.grievances.models import (
    CaseStatus,
    DispatcherCorrection,
    MergeProposal,
    Rating,
    Stage,
)
from onewindow.identity import sms
from onewindow.identity.models import AccessKind, DataAccess
from onewindow.notify.models import Message
from tests.grievances import factories
from tests.identity.factories import citizen

# A Monday morning in Hangzhou, far from holidays.
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)


def test_a_dispatcher_routes_an_unsure_case_and_the_correction_is_kept(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], "你好，我想问一下这个事情应该找谁。")
    # Whatever the model proposed, the dispatcher chooses another category of urban management.
    chosen = next(
        code
        for code in ("city.street_lighting", "city.illegal_structure")
        if code != case.proposed_category
    )

    routed = services.dispatch_case(world.dispatcher, case, category=chosen)

    assert routed.status == CaseStatus.ASSIGNED
    assert routed.department == world.district_city
    correction = DispatcherCorrection.objects.get()
    assert correction.corrected_category == chosen
    assert correction.proposed_category == case.proposed_category
    assert correction.text == case.text


def test_only_a_dispatcher_dispatches(divisions: dict[str, Division]) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], "你好，我想问一下这个事情应该找谁。")
    with pytest.raises(PermissionDenied):
        services.dispatch_case(world.agent, case, category="city.street_lighting")


def test_retrain_uses_the_dispatchers_corrections(
    divisions: dict[str, Division], tmp_path: Path
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], "你好，我想问一下这个事情应该找谁。")
    services.dispatch_case(world.dispatcher, case, category="hr.wage_arrears")
    out = StringIO()

    call_command("grievances", "retrain", "--output-dir", str(tmp_path), stdout=out)

    assert "1 dispatcher correction" in out.getvalue()
    assert any(tmp_path.iterdir())


def test_an_unaccepted_case_escalates_once_per_missed_deadline(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent, now=MONDAY)
    assert case.department == world.district_city

    # Accept within 1 working day (by the end of Tuesday): nothing yet on Tuesday evening.
    assert services.escalate_overdue(MONDAY + timedelta(days=1, hours=12)) == 0
    wednesday = MONDAY + timedelta(days=2)
    assert services.escalate_overdue(wednesday) == 1
    assert services.escalate_overdue(wednesday) == 0  # a doubled tick changes nothing
    case.refresh_from_db()
    assert case.escalated_stage == Stage.RESPOND
    assert case.escalated_to == world.departments["330100-city_management"]
    assert case.escalation_level == 1
    assert Message.objects.filter(recipient=world.city_admin, event="case_escalated").count() == 1
    # The city department may now act on it.
    services.acknowledge_case(world.city_admin, case)

    # Past the reply deadline (3 working days) without a word: escalated again, once.
    friday = MONDAY + timedelta(days=4, hours=1)
    assert services.escalate_overdue(friday) == 1
    assert services.escalate_overdue(friday) == 0
    case.refresh_from_db()
    assert case.escalated_stage == Stage.REPLY


def test_the_workers_tick_escalates_from_the_database(divisions: dict[str, Division]) -> None:
    from freezegun import freeze_time

    world = factories.world(divisions)
    factories.call(divisions["community"], agent=world.agent, now=MONDAY)
    with freeze_time(MONDAY + timedelta(days=2)):
        assert tasks.tick.call() == {"escalated": 1, "rectifications_escalated": 0, "closed": 0}
        assert tasks.tick.call() == {"escalated": 0, "rectifications_escalated": 0, "closed": 0}


def test_an_urgent_case_must_be_accepted_within_two_hours(divisions: dict[str, Division]) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent, urgency="urgent", now=MONDAY)

    assert case.respond_due == MONDAY + timedelta(hours=2)
    assert services.escalate_overdue(MONDAY + timedelta(hours=1)) == 0
    assert services.escalate_overdue(MONDAY + timedelta(hours=2, minutes=1)) == 1


def test_ordinary_deadlines_skip_the_weekend(divisions: dict[str, Division]) -> None:
    factories.world(divisions)
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
    case = factories.call(divisions["community"], now=friday)
    # Reply within 3 working days: Monday, Tuesday, Wednesday.
    assert case.reply_due.astimezone(SHANGHAI).date().isoformat() == "2026-11-25"


def test_a_transfer_may_be_contested_once_and_the_dispatcher_decides(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent)
    housing = world.departments["330100-housing"]
    housing_officer = factories.officer(housing)

    transfer = services.transfer_case(
        world.district_officer, case, to=housing, reason="路灯归小区物业管理"
    )
    case.refresh_from_db()
    assert case.department == housing
    assert case.status == CaseStatus.ASSIGNED
    # The sender no longer sees it.
    with pytest.raises(NotFound):
        services.acknowledge_case(world.district_officer, case)

    services.contest_transfer(housing_officer, case, reason="市政道路路灯属于城管")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHING

    decided = services.decide_contest(world.dispatcher, transfer, decision="returned")
    assert decided.department == world.district_city
    assert decided.status == CaseStatus.ASSIGNED
    assert decided.events.filter(action="contest_decided", ledger_index__isnull=False).exists()

    # Sent to housing again: housing has contested this case once already.
    services.transfer_case(world.district_officer, decided, to=housing, reason="再转一次")
    with pytest.raises(Conflict) as refused:
        services.contest_transfer(housing_officer, decided, reason="还是不归我们")
    assert refused.value.code == "already_contested"


def test_a_contest_needs_a_dispatcher_and_a_pending_contest(divisions: dict[str, Division]) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent)
    transfer = services.transfer_case(
        world.district_officer, case, to=world.departments["330100-housing"], reason="物业"
    )
    with pytest.raises(Conflict):
        services.decide_contest(world.dispatcher, transfer, decision="upheld")
    with pytest.raises(PermissionDenied):
        services.decide_contest(world.agent, transfer, decision="upheld")


def test_confirmed_merge_gives_one_case_many_reporters_and_each_gets_the_answer(
    divisions: dict[str, Division],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    world = factories.world(divisions)
    resident = citizen(divisions["community"])
    first = factories.call(divisions["community"], agent=world.agent)
    second = factories.online(resident, divisions["community"], factories.STREET_LIGHT_AGAIN)
    proposal = MergeProposal.objects.get(case=second, primary=first)
    sms.outbox.clear()

    primary = services.confirm_merge(world.dispatcher, proposal)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_case(world.district_officer, primary, reply="路灯已于今日修复。")

    second.refresh_from_db()
    assert second.status == CaseStatus.MERGED
    assert second.merged_into == first
    assert primary.reporters.count() == 2
    assert Message.objects.filter(recipient=resident, event="case_answered").exists()
    assert any("路灯已于今日修复" in body for _number, body in sms.outbox)
    with pytest.raises(Conflict):
        services.confirm_merge(world.dispatcher, proposal)


def test_dissatisfied_reopens_once_then_satisfied_closes(divisions: dict[str, Division]) -> None:
    world = factories.world(divisions)
    resident = citizen(divisions["community"])
    case = factories.online(resident, divisions["community"])
    reporter = case.reporters.get()

    services.answer_case(world.district_officer, case, reply="已安排维修。")
    services.rate_answer(reporter, level=1, tags=["unsolved"])
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED
    assert case.reopen_count == 1

    services.answer_case(world.district_officer, case, reply="路灯已修好，请查看。")
    services.rate_answer(reporter, level=5, tags=["solved"])
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert Rating.objects.filter(case=case).count() == 2


def test_a_second_dissatisfied_rating_is_recorded_but_does_not_reopen(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent)
    reporter = case.reporters.get()
    services.answer_case(world.district_officer, case, reply="已安排维修。")
    services.rate_answer(reporter, level=2, recorded_by=world.agent)
    services.answer_case(world.district_officer, case, reply="已修。")

    services.rate_answer(reporter, level=1, recorded_by=world.agent)

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.reopen_count == 1
    with pytest.raises(Conflict):
        services.rate_answer(reporter, level=5)


def test_answered_cases_nobody_rates_close_after_five_working_days(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent)
    services.answer_case(world.district_officer, case, reply="已修。", now=MONDAY)
    assert services.close_unrated(MONDAY + timedelta(days=3)) == 0
    assert services.close_unrated(MONDAY + timedelta(days=8)) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_reading_contacts_is_logged_and_anonymous_reporters_stay_hidden(
    divisions: dict[str, Division],
) -> None:
    world = factories.world(divisions)
    case = factories.call(divisions["community"], agent=world.agent)

    reporters = services.read_contacts(world.district_officer, case, purpose="回访核实")

    assert [r.phone for r in reporters] == ["13900001111"]
    view = DataAccess.objects.get(kind=AccessKind.CONTACT_READ, case_ref=case.ref)
    assert view.accessor == world.district_officer.username
    assert view.ledger_index is not None
    stranger = factories.officer(world.departments["330100-housing"])
    with pytest.raises(NotFound):
        services.read_contacts(stranger, case, purpose="好奇")
