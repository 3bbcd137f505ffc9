"""Each resident in the area gets an alert once, however often the fan-out runs; residents
without a phone are listed for their village agent; the figures add up by channel."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.alerts import delivery, selectors, services
from onewindow.alerts.models import Alert, AlertDelivery
from onewindow.core.models import Division
from onewindow.identity.models import DataAccess, User, UserKind
from onewindow.notify.models import Message
from tests.alerts import factories
from tests.identity.factories import PASSWORD, citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(divisions: dict[str, Division], django_capture_on_commit_callbacks: Any) -> Alert:
    bureau = factories.bureau(divisions)
    for _ in range(7):
        citizen(divisions["village"])
    citizen(divisions["community"])
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    with django_capture_on_commit_callbacks(execute=True):
        return services.approve_alert(factories.approver(bureau), alert)


def _without_phone(division: Division) -> User:
    resident = citizen(division)
    User.objects.filter(pk=resident.pk).update(mobile_encrypted="", mobile_hash=None)
    return User.objects.get(pk=resident.pk)


def test_running_the_fan_out_again_delivers_to_nobody_twice(
    published: Alert, divisions: dict[str, Division]
) -> None:
    late = citizen(divisions["village"])  # registered after the first run

    assert delivery.fan_out(published.pk, batch_size=3) == 1
    assert delivery.fan_out(published.pk, batch_size=3) == 0

    in_area = User.objects.filter(division=divisions["village"], kind=UserKind.CITIZEN)
    assert AlertDelivery.objects.filter(alert=published).count() == in_area.count() == 8
    for resident in in_area:
        assert Message.objects.filter(recipient=resident, subject_ref=published.ref).count() == 1
    assert Message.objects.filter(recipient=late, subject_ref=published.ref).exists()
    outside = User.objects.get(division=divisions["community"])
    assert not Message.objects.filter(recipient=outside).exists()


def test_a_fan_out_cut_short_is_completed_by_the_next_run(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    bureau = factories.bureau(divisions)
    residents = [citizen(divisions["village"]) for _ in range(5)]
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    with django_capture_on_commit_callbacks(execute=False):  # no worker ran the fan-out
        services.approve_alert(factories.approver(bureau), alert)
    contexts = {language: delivery.message_context(alert, language) for language in ("zh-hans",)}
    first_two = {resident.pk: divisions["village"].pk for resident in residents[:2]}
    delivery.deliver_batch(alert, first_two, contexts)  # the run that was killed

    assert delivery.fan_out(alert.pk, batch_size=2) == 3

    for resident in residents:
        assert AlertDelivery.objects.filter(alert=alert, recipient=resident).count() == 1


def test_the_village_agent_lists_residents_without_a_phone_and_marks_them_told(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    bureau = factories.bureau(divisions)
    no_phone = _without_phone(divisions["village"])
    agent = User.objects.create_user(
        username="village-agent",
        password=PASSWORD,
        kind=UserKind.STATION_AGENT,
        division=divisions["village"],
        real_name="赵村",
    )
    elsewhere_agent = User.objects.create_user(
        username="other-agent", kind=UserKind.STATION_AGENT, division=divisions["community"]
    )
    alert = services.compose_alert(factories.author(bureau), factories.typhoon())
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_alert(factories.approver(bureau), alert)

    [visit] = selectors.visits_for(agent)
    assert visit.recipient == no_phone
    assert not selectors.visits_for(elsewhere_agent).exists()
    services.record_visit_list_read(agent, [visit.recipient], alert=alert)
    assert DataAccess.objects.filter(subject_user=no_phone, accessor="village-agent").exists()

    services.mark_informed(agent, visit)

    counts = selectors.delivery_counts(alert)
    assert (counts.residents, counts.to_visit, counts.informed) == (1, 1, 1)
    assert counts.sms_sent == 0  # no phone: nothing sent by SMS
    with pytest.raises(Exception, match="No such resident"):
        services.mark_informed(elsewhere_agent, visit)


def test_delivery_figures_by_channel_and_division(published: Alert) -> None:
    counts = selectors.delivery_counts(published)
    assert counts.residents == 7
    assert counts.sms_sent == 7
    assert counts.email_sent == 7
    [(division, row)] = selectors.delivery_counts_by_division(published)
    assert division.code == "330127201202"
    assert row.residents == 7


def test_the_resident_home_page_shows_the_banner_until_expiry(
    published: Alert, divisions: dict[str, Division], client: Client
) -> None:
    resident = User.objects.filter(division=divisions["village"]).first()
    assert resident is not None
    client.force_login(resident)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "台风橙色预警" in page.content.decode()
    Alert.objects.filter(pk=published.pk).update(expires=published.onset)
    assert "台风橙色预警" not in client.get("/").content.decode()
    outsider = User.objects.get(division=divisions["community"])
    client.force_login(outsider)
    Alert.objects.filter(pk=published.pk).update(expires=published.expires)
    assert "台风橙色预警" not in client.get("/").content.decode()


def test_a_drawn_area_shows_its_banner_and_feeds_to_the_residents_it_reached(
    divisions: dict[str, Division], django_capture_on_commit_callbacks: Any
) -> None:
    from onewindow.alerts.authoring import AreaDraft

    bureau = factories.bureau(divisions)
    inside = citizen(divisions["village"])
    outside = citizen(divisions["community"])
    alert = services.compose_alert(
        factories.author(bureau),
        factories.typhoon(areas=[AreaDraft("polygon", points=factories.AROUND_VILLAGE)]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_alert(factories.approver(bureau), alert)
    assert [found.pk for found in selectors.banner_for(inside)] == [alert.pk]
    assert selectors.banner_for(outside) == []
    assert list(selectors.current(division=divisions["county"])) == [alert]
    assert not selectors.current(division=divisions["district"]).exists()
