"""Mediation for the parties: told when a dispute naming them is registered, when a session
is recorded and when an agreement is; the dispute on their pages and through the API; the
agreement confirmed online; the mediator reaching a party through the platform without
seeing the number (the read in "who read my data"); each role sees only its own actions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from onewindow.core import personal_data
from onewindow.core.models import Division
from onewindow.grievances import mediation
from onewindow.grievances.models import Dispute
from onewindow.identity import sms
from onewindow.identity.models import (
    MOBILE_CONTEXT,
    AccessKind,
    DataAccess,
    Department,
    DepartmentKind,
    Role,
    User,
)
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Message
from tests.grievances import factories
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client

pytestmark = pytest.mark.django_db

OTHER_PHONE = "13912345678"


@pytest.fixture
def outbox() -> Iterator[list[tuple[str, str]]]:
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def _mobile(user: User) -> str:
    return personal_data.decrypt(user.mobile_encrypted, context=MOBILE_CONTEXT)


@pytest.fixture
def scene(divisions: dict[str, Division]) -> dict[str, Any]:
    township = Department.objects.create(
        code="330127201-TWP",
        name_zh="王阜乡人民政府",
        name_en="Wangfu Township Office",
        kind=DepartmentKind.TOWNSHIP_OFFICE,
        division=divisions["township"],
    )
    office = factories.officer(township, Role.DEPARTMENT_ADMIN, username="township")
    mediator = factories.officer(township, Role.MEDIATOR, username="mediator")
    party = citizen(divisions["community"], username="wangda")
    return {"office": office, "mediator": mediator, "party": party}


def _register(scene: dict[str, Any], *, assign: bool = True) -> Dispute:
    dispute = mediation.register_dispute(
        scene["office"],
        kind="neighbours",
        summary="两家因宅基地围墙界线发生争执。",
        parties=[
            mediation.Party("applicant", "王大", _mobile(scene["party"])),
            mediation.Party("respondent", "李二", OTHER_PHONE),
        ],
    )
    if assign:
        mediation.assign_mediator(scene["office"], dispute, mediator=scene["mediator"])
    return dispute


def _agreed(scene: dict[str, Any]) -> Dispute:
    dispute = _register(scene)
    mediation.record_session(
        scene["mediator"],
        dispute,
        held_at=timezone.now() - timedelta(hours=1),
        place="王阜乡调解室",
        notes="双方陈述",
    )
    return mediation.record_outcome(
        scene["mediator"], dispute, agreed=True, agreement="围墙按原界址重砌，费用各半。"
    )


def test_both_parties_are_told_when_a_dispute_naming_them_is_registered(
    scene: dict[str, Any], outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        dispute = _register(scene, assign=False)  # the office works in English

    told = Message.objects.get(recipient=scene["party"], event="dispute_registered")
    assert dispute.ref in told.body
    assert "王阜乡人民政府" in told.body  # each party reads the office's name in their language
    # The party without an account hears by text message, at the number the office took.
    texts = [text for number, text in outbox if number == OTHER_PHONE and dispute.ref in text]
    assert texts
    assert all("王阜乡人民政府" in text and "Township" not in text for text in texts)


def test_a_party_sees_the_dispute_its_sessions_and_agreement_on_their_pages_and_the_api(
    scene: dict[str, Any],
) -> None:
    dispute = _agreed(scene)
    client = Client()
    client.force_login(scene["party"])

    assert dispute.ref in client.get("/hotline/mine/").content.decode()
    page = client.get(f"/hotline/mediation/{dispute.ref}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "王阜乡调解室" in html
    assert "围墙按原界址重砌，费用各半。" in html
    assert "双方陈述" not in html  # the mediator's notes stay with the office
    listed = client.get("/api/v1/hotline/disputes")
    assert listed.status_code == 200
    assert [item["ref"] for item in listed.json()] == [dispute.ref]
    detail = client.get(f"/api/v1/hotline/disputes/{dispute.ref}").json()
    assert detail["agreement"] == "围墙按原界址重砌，费用各半。"
    assert [s["place"] for s in detail["session_times"]] == ["王阜乡调解室"]
    stranger = Client()
    stranger.force_login(citizen())
    assert stranger.get(f"/hotline/mediation/{dispute.ref}/").status_code == 404
    assert stranger.get(f"/api/v1/hotline/disputes/{dispute.ref}").status_code == 404


def test_a_party_is_told_of_the_session_and_agreement_and_confirms_it_online(
    scene: dict[str, Any],
) -> None:
    dispute = _agreed(scene)
    events = set(Message.objects.filter(recipient=scene["party"]).values_list("event", flat=True))
    assert {"dispute_registered", "mediation_session", "agreement_recorded"} <= events
    client = Client()
    client.force_login(scene["party"])

    answer = client.post(f"/hotline/mediation/{dispute.ref}/", {"response": "confirmed"})

    assert answer.status_code == 302
    party = dispute.parties.get(user=scene["party"])
    assert party.response == "confirmed"
    assert LedgerEntry.objects.filter(event_type="grievance.agreement_confirmed").exists()
    again = client.post(
        f"/api/v1/hotline/disputes/{dispute.ref}/response", {"confirmed": False},
        content_type="application/json",
    )  # fmt: skip
    assert again.status_code == 409


def test_the_mediator_messages_a_party_without_seeing_the_number_and_the_read_is_recorded(
    scene: dict[str, Any], outbox: list[tuple[str, str]], django_capture_on_commit_callbacks: Any
) -> None:
    dispute = _register(scene)
    mediator = verified_client(scene["mediator"])
    page = mediator.get(f"/hotline/mediation/{dispute.ref}/").content.decode()
    assert _mobile(scene["party"]) not in page
    assert OTHER_PHONE not in page
    party = dispute.parties.get(user=scene["party"])
    other = dispute.parties.get(user__isnull=True)

    with django_capture_on_commit_callbacks(execute=True):
        sent = mediator.post(
            f"/hotline/mediation/{dispute.ref}/",
            {"action": "message", "party": party.pk, "text": "请于周五上午到乡调解室。"},
        )
        mediator.post(
            f"/hotline/mediation/{dispute.ref}/",
            {"action": "message", "party": other.pk, "text": "请于周五上午到乡调解室。"},
        )

    assert sent.status_code == 302
    assert _mobile(scene["party"]) not in mediator.get(sent["Location"]).content.decode()
    message = Message.objects.get(recipient=scene["party"], event="mediator_message")
    assert "请于周五上午到乡调解室。" in message.body
    assert [n for n, text in outbox if n == OTHER_PHONE and "周五" in text]
    read = DataAccess.objects.get(subject_user=scene["party"], kind=AccessKind.CONTACT_READ)
    assert read.accessor == "mediator"
    assert read.case_ref == dispute.ref
    client = Client()
    client.force_login(scene["party"])
    assert dispute.ref in client.get("/my-data/").content.decode()


def test_the_mediator_sees_no_office_forms_and_may_not_register_or_assign(
    scene: dict[str, Any],
) -> None:
    dispute = _register(scene)
    mediator = verified_client(scene["mediator"])

    listing = mediator.get("/hotline/mediation/").content.decode()
    page = mediator.get(f"/hotline/mediation/{dispute.ref}/").content.decode()

    assert 'value="assign"' not in page
    assert "Register a dispute" not in listing
    assert "登记纠纷" not in listing
    assert mediator.post("/hotline/mediation/", {"kind": "land"}).status_code == 403
    office = verified_client(scene["office"])
    assert 'value="assign"' in office.get(f"/hotline/mediation/{dispute.ref}/").content.decode()
