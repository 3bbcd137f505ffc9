"""Inspections: checklist, findings on checks, photos, signature or refusal, publication within
the legal period, rectification with re-inspection, penalties reaching the credit profile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django import DjangoCaptureOnCommitCallbacks

from onewindow.core.errors import Conflict, DomainError
from onewindow.core.models import Division
from onewindow.exchange.credit import services as credit
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Event, Message
from onewindow.supervision import inspections, services, signals, tasks
from onewindow.supervision.models import (
    CheckOutcome,
    Finding,
    Inspection,
    InspectionStatus,
    OrderStatus,
    Penalty,
    Photo,
)
from tests.identity.test_assisted_filing import verified_client
from tests.supervision import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DECISION = "杭市监罚〔2026〕88号"


@pytest.fixture
def world(divisions: dict[str, Division]) -> factories.World:
    return factories.world(divisions)


@pytest.fixture
def visit(world: factories.World) -> Inspection:
    plan = factories.drawn_plan(world)
    return Inspection.objects.filter(plan=plan).order_by("position").first()  # type: ignore[return-value]


def _checks(inspection: Inspection) -> list[int]:
    return sorted(
        pk for item in inspection.items.all() for pk in item.checklist.values_list("pk", flat=True)
    )


def _complete(inspection: Inspection, *, finding_on: int | None = None) -> Finding | None:
    user = inspection.inspectors.first().user  # type: ignore[union-attr]
    checks = _checks(inspection)
    inspections.record_checks(user, inspection, {pk: CheckOutcome.PASSED for pk in checks})
    finding = None
    if finding_on is not None:
        finding = inspections.record_finding(
            user,
            inspection,
            checklist_item=checks[finding_on],
            description="部分从业人员健康证明过期",
            severity="major",
        )
    inspections.complete_inspection(
        user, inspection, mode="on_site", signed=True, signatory="张店长", summary="检查完毕"
    )
    return finding


def test_a_finding_without_a_checklist_item_is_refused_and_nothing_is_written(
    visit: Inspection,
) -> None:
    user = visit.inspectors.first().user  # type: ignore[union-attr]

    for bad in (None, 999_999):
        with pytest.raises(DomainError) as refused:
            inspections.record_finding(
                user, visit, checklist_item=bad, description="脏乱", severity="minor"
            )
        assert refused.value.code == "finding_without_checklist_item"
        assert refused.value.field == "checklist_item"
    assert not Finding.objects.exists()


def test_a_finding_is_announced_on_commit_for_the_city(
    visit: Inspection, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    heard: list[dict[str, Any]] = []

    def listen(**values: Any) -> None:
        heard.append(values)

    signals.finding_recorded.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _complete(visit, finding_on=1)
    finally:
        signals.finding_recorded.disconnect(listen)

    (values,) = heard
    assert values["inspection_ref"] == visit.ref
    assert values["business_credit_code"] == visit.business.credit_code
    assert values["division_code"] == visit.business.division.code
    assert values["severity"] == "major"
    assert values["department_codes"] == [factories.MARKET]


def test_a_completed_inspection_keeps_the_signatory_encrypted_and_is_due_in_20_working_days(
    visit: Inspection,
) -> None:
    _complete(visit)
    visit.refresh_from_db()

    assert visit.status == InspectionStatus.COMPLETED
    assert "张店长" not in visit.signatory_encrypted
    due, completed = visit.publish_due, visit.completed_at
    assert due is not None
    assert completed is not None
    assert due > completed
    assert LedgerEntry.objects.filter(event_type="supervision.inspection_completed").exists()


def test_an_inspection_needs_every_check_answered(visit: Inspection) -> None:
    user = visit.inspectors.first().user  # type: ignore[union-attr]

    with pytest.raises(DomainError) as refused:
        inspections.complete_inspection(
            user, visit, mode="remote", signed=False, refusal_note="拒签"
        )

    assert refused.value.code == "checklist_incomplete"


def test_a_refusal_to_sign_is_noted(visit: Inspection) -> None:
    user = visit.inspectors.first().user  # type: ignore[union-attr]
    inspections.record_checks(user, visit, {pk: "passed" for pk in _checks(visit)})

    with pytest.raises(DomainError):
        inspections.complete_inspection(user, visit, mode="on_site", signed=False)
    inspections.complete_inspection(
        user, visit, mode="on_site", signed=False, refusal_note="负责人拒绝签字，两名执法人员见证"
    )

    visit.refresh_from_db()
    assert visit.acknowledgement == "refused"
    assert visit.signatory_encrypted == ""


def test_photos_are_checked_for_type_and_size(visit: Inspection) -> None:
    user = visit.inspectors.first().user  # type: ignore[union-attr]

    photo = inspections.add_photo(user, visit, SimpleUploadedFile("a.png", PNG, "image/png"))
    for upload, code in (
        (SimpleUploadedFile("a.exe", b"MZ\x90\x00", "application/octet-stream"), "photo_type"),
        (SimpleUploadedFile("a.png", b"MZ\x90\x00" * 10, "image/png"), "photo_type"),
        (
            SimpleUploadedFile(
                "b.jpg", b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024), "image/jpeg"
            ),
            "photo_too_large",
        ),
    ):
        with pytest.raises(DomainError) as refused:
            inspections.add_photo(user, visit, upload)
        assert refused.value.code == code
    assert list(Photo.objects.all()) == [photo]
    assert photo.size == len(PNG)


def test_only_an_assigned_inspector_records(world: factories.World, visit: Inspection) -> None:
    stranger = next(i for i in world["inspectors"] if not visit.inspectors.filter(pk=i.pk).exists())

    with pytest.raises(DomainError):
        inspections.record_checks(stranger.user, visit, {})


def test_an_inspector_who_declares_a_relation_after_the_draw_is_stopped(visit: Inspection) -> None:
    inspector = visit.inspectors.first()
    assert inspector is not None
    services.declare_relation(inspector, visit.business, relation="近亲属")

    with pytest.raises(DomainError) as refused:
        inspections.record_checks(inspector.user, visit, {})

    assert refused.value.code == "inspector_conflict"


def test_a_rectification_order_is_settled_by_its_reinspection(visit: Inspection) -> None:
    finding = _complete(visit, finding_on=1)
    assert finding is not None
    user = visit.inspectors.first().user  # type: ignore[union-attr]

    order = inspections.order_rectification(user, finding, working_days=10)
    assert order.reinspection is not None
    assert order.due > finding.recorded_at
    _complete(order.reinspection)

    order.refresh_from_db()
    assert order.status == OrderStatus.RECTIFIED
    with pytest.raises(Conflict):
        inspections.order_rectification(user, finding, working_days=10)


def test_a_penalty_from_an_inspection_appears_on_the_public_credit_profile_with_its_end_date(
    world: factories.World,
    visit: Inspection,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    factories.credit_platform_ready(world)
    finding = _complete(visit, finding_on=1)
    assert finding is not None
    decided = factories.today()

    with django_capture_on_commit_callbacks(execute=True):
        inspections.decide_penalty(
            world["supervisor"],
            visit,
            finding_ids=[finding.pk],
            decision_number=DECISION,
            violation="从业人员未取得健康证明从事接触直接入口食品的工作",
            legal_basis="《中华人民共和国食品安全法》第一百二十六条",
            fine_fen=500000,
            decided_on=decided,
        )

    end = credit.add_months(decided, 36).isoformat()
    code = visit.business.credit_code
    api = Client().get(f"/api/v1/credit/{code}")
    assert api.status_code == 200
    (penalty,) = [p for p in api.json()["penalties"] if p["reference"] == DECISION]
    assert penalty["publicity_ends_on"] == end
    page = Client().get(f"/exchange/credit/{code}/").content.decode()
    assert DECISION in page
    assert end in page


def test_a_penalty_needs_a_fresh_decision_number_and_a_completed_inspection(
    world: factories.World, visit: Inspection
) -> None:
    factories.credit_platform_ready(world)
    values: dict[str, Any] = {
        "finding_ids": [],
        "decision_number": DECISION,
        "violation": "v",
        "legal_basis": "b",
        "fine_fen": 100,
        "decided_on": factories.today(),
    }
    with pytest.raises(Conflict):
        inspections.decide_penalty(world["supervisor"], visit, **values)
    finding = _complete(visit, finding_on=0)
    assert finding is not None
    values["finding_ids"] = [finding.pk]
    inspections.decide_penalty(world["supervisor"], visit, **values)

    with pytest.raises(DomainError) as refused:
        inspections.decide_penalty(world["supervisor"], visit, **values)

    assert refused.value.code == "decision_number_taken"
    assert Penalty.objects.count() == 1


# ----- the legal period for publishing results ------------------------------------------------


def _warnings(world: factories.World) -> list[Message]:
    return list(
        Message.objects.filter(
            recipient=world["supervisor"], event=Event.INSPECTION_RESULT_DUE
        ).order_by("pk")
    )


def test_supervisors_hear_once_when_a_result_falls_due_and_once_when_it_is_overdue(
    world: factories.World, visit: Inspection
) -> None:
    _complete(visit)
    visit.refresh_from_db()
    due = visit.publish_due
    assert due is not None
    assert visit.completed_at is not None

    early = inspections.warn_of_results_due(visit.completed_at + timedelta(hours=1))
    soon = inspections.warn_of_results_due(due - timedelta(hours=1))
    soon_again = inspections.warn_of_results_due(due - timedelta(minutes=30))
    late = inspections.warn_of_results_due(due + timedelta(hours=1))
    late_again = inspections.warn_of_results_due(due + timedelta(days=3))

    assert (early, soon, soon_again, late, late_again) == (0, 1, 0, 1, 0)
    warnings = _warnings(world)
    assert len(warnings) == 2
    assert all(visit.ref in message.subject and visit.ref in message.link for message in warnings)
    with translation.override(warnings[0].language):
        assert str(translation.gettext("it is overdue")) in warnings[1].body


def test_a_published_result_is_never_warned_of(world: factories.World, visit: Inspection) -> None:
    _complete(visit)
    inspections.publish_result(world["supervisor"], visit)
    visit.refresh_from_db()

    assert visit.publish_due is not None
    assert inspections.warn_of_results_due(visit.publish_due + timedelta(days=1)) == 0
    assert _warnings(world) == []


def test_a_result_missed_by_the_ticks_is_warned_of_once_as_overdue(
    world: factories.World, visit: Inspection
) -> None:
    _complete(visit)
    visit.refresh_from_db()
    assert visit.publish_due is not None

    overdue = inspections.warn_of_results_due(visit.publish_due + timedelta(days=2))
    then = inspections.warn_of_results_due(visit.publish_due + timedelta(days=3))

    assert (overdue, then) == (1, 0)
    assert len(_warnings(world)) == 1


def test_the_supervisors_page_lists_overdue_results(
    world: factories.World, visit: Inspection
) -> None:
    _complete(visit)
    client = verified_client(world["supervisor"])
    before = client.get(reverse("supervision:work")).content.decode()
    # Twenty working days later, still unpublished.
    Inspection.objects.filter(pk=visit.pk).update(publish_due=timezone.now() - timedelta(hours=1))

    after = client.get(reverse("supervision:work")).content.decode()

    assert visit.ref not in before
    assert 'id="overdue-results"' in after
    assert visit.ref in after


def test_the_tick_runs_the_warnings(world: factories.World, visit: Inspection) -> None:
    _complete(visit)
    Inspection.objects.filter(pk=visit.pk).update(publish_due=timezone.now() - timedelta(hours=1))

    assert tasks.tick.call() == {"results_warned": 1}
    assert "onewindow.supervision.tasks.tick" in settings.ONEWINDOW_PERIODIC_TASKS
