"""Composing an alert: every bad input is refused on its field, nothing published or sent;
a second officer approves; Extreme / Immediate goes out at once and is reviewed after."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.alerts import services
from onewindow.alerts.authoring import AlertRefused, AreaDraft, InfoDraft
from onewindow.alerts.models import Alert, AlertDelivery, MessageType, Status
from onewindow.core.errors import Conflict, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import Department, DepartmentKind
from onewindow.notify.models import Message
from tests.alerts import factories
from tests.identity.factories import citizen, officer

pytestmark = pytest.mark.django_db
Commits = Callable[[], AbstractContextManager[Any]]


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Any) -> Commits:
    """`with commits():` runs what the services inside queue on commit (the fan-out, the
    e-mail and SMS copies), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def bureau(divisions: dict[str, Division]) -> Department:
    return factories.bureau(divisions)


def _refused(bureau: Department, **changes: object) -> dict[str, str]:
    author = factories.author(bureau)
    resident = citizen(Division.objects.get(code="330127201202"))
    with pytest.raises(AlertRefused) as refused:
        services.compose_alert(author, factories.typhoon(**changes))
    assert not Alert.objects.exists()
    assert not Message.objects.filter(recipient=resident).exists()
    errors = refused.value.params["errors"]
    assert isinstance(errors, dict)
    return errors


def test_an_open_polygon_is_refused(bureau: Department) -> None:
    open_ring = factories.AROUND_VILLAGE[:-1]
    errors = _refused(bureau, areas=[AreaDraft("polygon", points=open_ring)])
    assert "not closed" in errors["areas.0.points"]


def test_a_circle_of_radius_zero_is_refused(bureau: Department) -> None:
    errors = _refused(bureau, areas=[AreaDraft("circle", points=[(29.6, 118.9)], radius_km=0)])
    assert "more than 0" in errors["areas.0.radius_km"]


def test_a_circle_beyond_the_jurisdiction_is_refused(bureau: Department) -> None:
    errors = _refused(bureau, areas=[AreaDraft("circle", points=[(30.2, 120.7)], radius_km=40)])
    assert "beyond your jurisdiction" in errors["areas.0.radius_km"]


def test_a_division_outside_the_jurisdiction_is_refused(bureau: Department) -> None:
    errors = _refused(bureau, areas=[AreaDraft("division", division_code="330000")])
    assert "outside your jurisdiction" in errors["areas.0.division"]


def test_a_missing_chinese_block_is_refused(bureau: Department) -> None:
    english_only = [info for info in factories.typhoon().infos if info.language == "en"]
    errors = _refused(bureau, infos=english_only)
    assert "Chinese" in errors["infos.zh-hans"]


def test_an_empty_required_field_of_a_language_is_refused(bureau: Department) -> None:
    infos = factories.typhoon().infos
    infos[1] = replace(infos[1], instruction="  ")
    errors = _refused(bureau, infos=infos)
    assert errors == {"infos.en.instruction": "This field is required."}


def test_expiry_before_onset_is_refused(bureau: Department) -> None:
    now = timezone.now()
    errors = _refused(bureau, onset=now + timedelta(hours=2), expires=now + timedelta(hours=1))
    assert "after the onset" in errors["expires"]


def test_an_update_to_an_unknown_alert_is_refused(bureau: Department) -> None:
    errors = _refused(bureau, msg_type="Update", references="A330100-20260101-9999")
    assert "No published alert" in errors["references"]


def test_an_author_outside_the_issuing_department_is_refused(
    bureau: Department, divisions: dict[str, Division]
) -> None:
    elsewhere = Department.objects.create(
        code="330100-HEALTH",
        name_zh="杭州市卫生健康委员会",
        name_en="Hangzhou Health Commission",
        kind=DepartmentKind.HEALTH,
        division=divisions["city"],
    )
    outsider = officer(elsewhere, username="health-officer")
    with pytest.raises(AlertRefused) as refused:
        services.compose_alert(outsider, factories.typhoon())
    assert "your own department" in refused.value.params["errors"]["department"]
    assert not Alert.objects.exists()


def test_severity_rules_per_category(bureau: Department) -> None:
    errors = _refused(bureau, category="Infra", severity="Extreme", certainty="Observed")
    assert "may not have severity Extreme" in errors["severity"]
    errors = _refused(bureau, severity="Extreme", certainty="Possible")
    assert "observed or likely" in errors["certainty"]


def test_every_broken_field_is_named_at_once(bureau: Department) -> None:
    now = timezone.now()
    errors = _refused(
        bureau,
        expires=now - timedelta(hours=1),
        infos=[InfoDraft("en", event="x", headline="x", description="x", instruction="x")],
        areas=[AreaDraft("circle", points=[(95.0, 118.9)], radius_km=3)],
    )
    assert {"expires", "infos.zh-hans", "infos.en.area_description", "areas.0.points"} <= set(
        errors
    )


def test_a_second_officer_approves_and_the_area_gets_it(
    bureau: Department, divisions: dict[str, Division], commits: Commits
) -> None:
    in_area = citizen(divisions["village"])
    in_area.preferred_language = "en"
    in_area.save(update_fields=["preferred_language"])
    outside = citizen(divisions["community"])
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    assert alert.status == Status.PENDING
    assert not Message.objects.exists()

    with commits():
        services.approve_alert(factories.approver(bureau), alert)

    alert.refresh_from_db()
    assert alert.status == Status.PUBLISHED
    [message] = Message.objects.filter(recipient=in_area)
    assert message.subject == "[Alert] Orange typhoon warning"
    assert "Stay indoors" in message.body
    assert not Message.objects.filter(recipient=outside).exists()
    assert AlertDelivery.objects.get(alert=alert).recipient == in_area


def test_the_author_cannot_approve_their_own_alert(bureau: Department) -> None:
    author = factories.author(bureau)
    alert = services.compose_alert(author, factories.typhoon())
    with pytest.raises(PermissionDenied):
        services.approve_alert(author, alert)


def test_an_officer_without_the_approver_role_cannot_approve(bureau: Department) -> None:
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    colleague = officer(bureau, roles=("reviewer",), username="colleague")
    with pytest.raises(PermissionDenied):
        services.approve_alert(colleague, alert)
    approver = factories.approver(bureau)
    services.reject_alert(approver, alert, reason="wrong county")
    with pytest.raises(Conflict):
        services.approve_alert(approver, alert)
    alert.refresh_from_db()
    assert alert.status == Status.REJECTED


def test_extreme_and_immediate_goes_out_at_once_and_is_reviewed_after(
    bureau: Department, divisions: dict[str, Division], commits: Commits
) -> None:
    resident = citizen(divisions["village"])
    with commits():
        alert = services.compose_alert(
            factories.author(bureau),
            factories.typhoon(
                severity="Extreme", urgency="Immediate", certainty="Observed", send_now=True
            ),
        )
    assert alert.status == Status.PUBLISHED
    assert alert.sent_before_review
    assert Message.objects.filter(recipient=resident).count() == 1

    reviewed = services.review_alert(factories.approver(bureau), alert)
    assert reviewed.reviewed_at is not None


def test_only_extreme_and_immediate_may_skip_approval(bureau: Department) -> None:
    errors = _refused(bureau, send_now=True)
    assert "Extreme and Immediate" in errors["send_now"]


def test_update_and_cancellation_follow_the_original(
    bureau: Department, divisions: dict[str, Division], commits: Commits
) -> None:
    resident = citizen(divisions["village"])
    author, approver = factories.author(bureau), factories.approver(bureau)
    with commits():
        original = services.approve_alert(
            approver, services.compose_alert(author, factories.typhoon())
        )
    with commits():
        update = services.approve_alert(
            approver,
            services.compose_alert(
                author,
                factories.typhoon(msg_type=MessageType.UPDATE, references=original.ref, areas=[]),
            ),
        )
    original.refresh_from_db()
    assert original.superseded_by == update
    assert update.areas.get().division == divisions["county"]
    with pytest.raises(AlertRefused):  # the original is no longer the newest
        services.compose_alert(
            author, factories.typhoon(msg_type=MessageType.CANCEL, references=original.ref)
        )
    with commits():
        cancel = services.approve_alert(
            approver,
            services.compose_alert(
                author, factories.typhoon(msg_type=MessageType.CANCEL, references=update.ref)
            ),
        )
    subjects = list(
        Message.objects.filter(recipient=resident).order_by("pk").values_list("subject", flat=True)
    )
    assert subjects == ["【预警】台风橙色预警", "【更新】台风橙色预警", "【解除】台风橙色预警"]
    assert cancel.references == update


def test_a_drawn_polygon_reaches_the_villages_inside_it(
    bureau: Department, divisions: dict[str, Division], commits: Commits
) -> None:
    inside = citizen(divisions["village"])
    outside = citizen(divisions["community"])
    alert = services.compose_alert(
        factories.author(bureau),
        factories.typhoon(areas=[AreaDraft("polygon", points=factories.AROUND_VILLAGE)]),
    )
    with commits():
        services.approve_alert(factories.approver(bureau), alert)
    assert Message.objects.filter(recipient=inside).count() == 1
    assert not Message.objects.filter(recipient=outside).exists()


def test_a_resident_gets_alerts_for_a_place_they_named(
    bureau: Department, divisions: dict[str, Division], commits: Commits
) -> None:
    working_in_chunan = citizen(divisions["community"])
    services.set_place(working_in_chunan, kind="workplace", division_code="330127201202")
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    with commits():
        services.approve_alert(factories.approver(bureau), alert)
    assert Message.objects.filter(recipient=working_in_chunan).count() == 1
