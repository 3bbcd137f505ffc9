"""Delivery of the paper result: the address at filing, the delivery opened on approval,
the hall's moves (post, delivered, returned, hand-over with the pickup code), the pages and
the API with its authorisation matrix."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypedDict

import pytest
from cryptography.exceptions import InvalidTag
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.applications import audit, services
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import (
    Application,
    Delivery,
    DeliveryAddress,
    DeliveryStatus,
)
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.models import Division
from onewindow.identity.models import DataAccess, Department, User
from onewindow.ledger.models import LedgerEntry
from onewindow.notify.models import Message
from tests.applications import factories
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client

API = "/api/v1"
CARD_FORM = {"bank": "icbc"}
ADDRESS = {
    "recipient_name": "王小明",
    "mobile": "138 1234 5678",
    "division": "330106001",
    "street": "文三路 90 号 3 幢 201 室",
    "postal_code": "310012",
}


class World(TypedDict):
    departments: dict[str, Department]
    card: ServiceItemVersion
    birth: ServiceItemVersion
    applicant: User
    clerk: User
    other_hall_clerk: User
    outsider: User


@pytest.fixture
def world(divisions: dict[str, Division]) -> World:
    departments = factories.departments(divisions)
    versions = factories.catalogue()
    return {
        "departments": departments,
        "card": versions[factories.SOCIAL_SECURITY_CARD],
        "birth": versions[factories.BIRTH],
        "applicant": citizen(divisions["community"]),
        # The Xihu hall: a window clerk of a department at the district.
        "clerk": factories.officer(departments["330106-market_supervision"], "window_clerk"),
        "other_hall_clerk": factories.officer(
            departments["330127-market_supervision"], "window_clerk"
        ),
        "outsider": factories.officer(departments["330100-education"], "approver"),
    }


def _street(applicant: User) -> int:
    """The sub-district above the applicant's community: a division an address may name."""
    assert applicant.division is not None
    assert applicant.division.parent is not None
    return applicant.division.parent.pk


def _approve(application: Application) -> Application:
    for step in application.steps.filter(status="open"):
        officer = factories.officer(step.department, step.role)
        step = services.claim_step(officer, step, version=step.version)
        services.approve_step(officer, step, version=step.version)
    application.refresh_from_db()
    return application


def _posted(world: World, **address: str) -> Application:
    return factories.file(
        world["applicant"],
        world["card"],
        CARD_FORM,
        delivery="post",
        address={**ADDRESS, **address},
    )


def _delivery(application: Application) -> Delivery:
    return Delivery.objects.get(application=application)


# ----- filing ------------------------------------------------------------------------------


def test_posting_without_an_address_names_every_missing_field_and_files_nothing(
    world: World,
) -> None:
    with pytest.raises(DomainError) as refused:
        factories.file(world["applicant"], world["card"], CARD_FORM, delivery="post")

    assert set(refused.value.params["errors"]) == {
        "address.recipient_name",
        "address.mobile",
        "address.division",
        "address.street",
        "address.postal_code",
    }
    assert Application.objects.count() == 0
    assert DeliveryAddress.objects.count() == 0


def test_a_bad_mobile_and_postal_code_are_refused_with_their_rules(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        _posted(world, mobile="12345", postal_code="990000", division="330106")

    errors = refused.value.params["errors"]
    assert errors["address.mobile"] == "A mobile number has 11 digits and starts with 13 to 19."
    assert "between 01 and 86" in errors["address.postal_code"]
    assert set(errors) == {"address.mobile", "address.postal_code"}  # a county is enough
    assert Application.objects.count() == 0


def test_form_and_address_errors_come_back_together(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        factories.file(
            world["applicant"],
            world["card"],
            {},
            delivery="post",
            address={**ADDRESS, "street": ""},
        )

    assert {"bank", "address.street"} <= set(refused.value.params["errors"])


def test_the_address_is_stored_encrypted_and_shown_masked(world: World) -> None:
    application = _posted(world)

    stored = DeliveryAddress.objects.get(application=application)
    assert "文三路" not in stored.recipient_encrypted
    assert "13812345678" not in stored.recipient_encrypted
    address = paper_delivery.address_of(application)
    assert address is not None
    assert address.mobile == "13812345678"  # normalised
    masked = address.masked()
    assert masked["mobile"] == "138****5678"
    assert masked["recipient_name"] == "王**"
    assert masked["street"].startswith("文三路*")
    assert not any(char.isdigit() for char in masked["street"])


def test_an_address_given_for_another_method_is_not_kept(world: World) -> None:
    application = factories.file(
        world["applicant"], world["card"], CARD_FORM, delivery="pickup", address=ADDRESS
    )

    assert not DeliveryAddress.objects.filter(application=application).exists()


def test_the_same_key_with_another_address_is_a_conflict(world: World) -> None:
    draft = factories.draft_with_uploads(world["applicant"], world["card"])
    first = services.submit_application(
        world["applicant"],
        world["card"],
        CARD_FORM,
        idempotency_key="k",
        delivery="post",
        address=ADDRESS,
        draft=draft,
    )
    again = services.submit_application(
        world["applicant"],
        world["card"],
        CARD_FORM,
        idempotency_key="k",
        delivery="post",
        address=ADDRESS,
    )
    assert again == first
    with pytest.raises(Conflict):
        services.submit_application(
            world["applicant"],
            world["card"],
            CARD_FORM,
            idempotency_key="k",
            delivery="post",
            address={**ADDRESS, "street": "另一条路 1 号"},
        )


# ----- on approval -------------------------------------------------------------------------


def test_approval_opens_a_post_delivery_at_the_receiving_county_hall(
    world: World, divisions: dict[str, Division]
) -> None:
    application = _approve(_posted(world))

    delivery = _delivery(application)
    assert delivery.status == DeliveryStatus.PREPARING
    assert delivery.hall == divisions["district"]
    assert delivery.pickup_code_encrypted == ""
    assert application.transitions.filter(action="delivery_opened").exists()


def test_electronic_results_have_no_delivery(world: World) -> None:
    application = _approve(
        factories.file(world["applicant"], world["card"], CARD_FORM, delivery="electronic")
    )

    assert application.status == "approved"
    assert not Delivery.objects.exists()


def test_rejected_applications_have_no_delivery(world: World) -> None:
    application = _posted(world)
    step = application.steps.get()
    officer = factories.officer(step.department, step.role)
    step = services.claim_step(officer, step, version=step.version)
    services.reject_step(officer, step, version=step.version, reasons="资料不全")

    assert not Delivery.objects.exists()


def test_pickup_gets_an_unguessable_code_stored_encrypted(world: World) -> None:
    first = _approve(
        factories.file(world["applicant"], world["card"], CARD_FORM, delivery="pickup")
    )
    second = _approve(
        factories.file(world["applicant"], world["card"], CARD_FORM, delivery="pickup")
    )

    codes = [paper_delivery.pickup_code_of(_delivery(a)) for a in (first, second)]
    assert all(len(code) == 8 and code.isdigit() for code in codes)
    assert codes[0] != codes[1]
    assert codes[0] not in _delivery(first).pickup_code_encrypted
    assert _delivery(first).status == DeliveryStatus.READY_FOR_PICKUP
    ready = Message.objects.get(event="ready_for_pickup", subject_ref=first.ref)
    assert codes[0] not in ready.body  # the code is on the applicant's page, not in messages


# ----- the hall's moves --------------------------------------------------------------------


def test_the_hall_posts_the_result_and_records_its_delivery_in_the_ledger(world: World) -> None:
    application = _approve(_posted(world))
    clerk = world["clerk"]

    posted = paper_delivery.dispatch(
        clerk, _delivery(application), carrier="ems", tracking_number=" 1186 "
    )
    assert posted.status == DeliveryStatus.DISPATCHED
    assert posted.tracking_number == "1186"
    done = paper_delivery.mark_delivered(clerk, posted)

    assert done.status == DeliveryStatus.DELIVERED
    assert done.finished_at is not None
    moves = list(
        application.transitions.filter(action__in=["dispatched", "delivered"]).values_list(
            "action", "actor_role", "ledger_index"
        )
    )
    assert moves[0][:2] == ("dispatched", "window_clerk")
    assert moves[0][2] is None
    assert moves[1][0] == "delivered"
    assert moves[1][2] is not None
    entry = LedgerEntry.objects.get(index=moves[1][2])
    assert entry.event_type == "delivery.delivered"
    assert "1186" not in entry.body
    events = list(
        Message.objects.filter(recipient=world["applicant"])
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events[-2:] == ["delivery_dispatched", "delivery_delivered"]
    dispatched = Message.objects.get(recipient=world["applicant"], event="delivery_dispatched")
    assert "1186" in dispatched.body
    assert audit.audit_decisions() == []  # delivery rows audit like decisions


def test_returned_post_needs_a_reason_and_may_be_posted_again(world: World) -> None:
    application = _approve(_posted(world))
    clerk = world["clerk"]
    posted = paper_delivery.dispatch(
        clerk, _delivery(application), carrier="sf_express", tracking_number="SF1234567890"
    )

    with pytest.raises(DomainError) as refused:
        paper_delivery.mark_returned(clerk, posted, reason="   ")
    assert refused.value.field == "reason"
    assert _delivery(application).status == DeliveryStatus.DISPATCHED

    back = paper_delivery.mark_returned(clerk, posted, reason="收件人拒收")
    again = paper_delivery.dispatch(clerk, back, carrier="ems", tracking_number="EA123456789CN")
    assert again.status == DeliveryStatus.DISPATCHED
    assert again.tracking_number == "EA123456789CN"
    returned = Message.objects.get(recipient=world["applicant"], event="delivery_returned")
    assert "收件人拒收" in returned.body


def test_moves_the_state_does_not_allow_are_conflicts(world: World) -> None:
    posted = _delivery(_approve(_posted(world)))
    pickup = _delivery(
        _approve(factories.file(world["applicant"], world["card"], CARD_FORM, delivery="pickup"))
    )
    clerk = world["clerk"]

    with pytest.raises(Conflict):
        paper_delivery.mark_delivered(clerk, posted)
    with pytest.raises(Conflict):
        paper_delivery.hand_over(clerk, posted, code="12345678")
    with pytest.raises(Conflict):
        paper_delivery.dispatch(clerk, pickup, carrier="ems", tracking_number="E1")
    delivered = paper_delivery.mark_delivered(
        clerk, paper_delivery.dispatch(clerk, posted, carrier="ems", tracking_number="E1")
    )
    with pytest.raises(Conflict) as refused:
        paper_delivery.mark_returned(clerk, delivered, reason="太晚了")
    assert refused.value.params["current"]["status"] == "delivered"


def test_only_the_hall_and_the_handling_department_move_a_delivery(world: World) -> None:
    application = _approve(_posted(world))
    delivery = _delivery(application)
    step = application.steps.get()
    approver = factories.officer(step.department, "approver")
    reviewer = factories.officer(step.department, "reviewer")

    for stranger in (world["other_hall_clerk"], world["outsider"], reviewer, world["applicant"]):
        with pytest.raises(PermissionDenied):
            paper_delivery.dispatch(stranger, delivery, carrier="ems", tracking_number="E1")
    assert _delivery(application).status == DeliveryStatus.PREPARING
    posted = paper_delivery.dispatch(approver, delivery, carrier="ems", tracking_number="E1")
    assert application.transitions.get(action="dispatched").actor_role == "approver"
    assert posted.status == DeliveryStatus.DISPATCHED


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50))
def test_a_tracking_number_is_one_to_forty_letters_and_digits(value: str) -> None:
    cleaned = value.strip().upper()
    expected = 0 < len(cleaned) <= 40 and all(
        c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" for c in cleaned
    )
    if not expected:
        with pytest.raises(DomainError) as refused:
            paper_delivery.validate_tracking_number(value)
        assert refused.value.field == "tracking_number"
        return
    assert paper_delivery.validate_tracking_number(value) == cleaned


VALID = {
    "recipient_name": ["王小明", "Li Ming", " 张  伟 "],
    "mobile": ["13812345678", "+86 138-1234-5678", "0086 19912345678"],
    "division": ["330106", "330106001", "330127201202"],
    "street": ["文三路 90 号", "x" * 200],
    "postal_code": ["310012", "010000", "860000"],
}
INVALID = {
    "recipient_name": ["", "   ", "王" * 61, "王\x00明"],
    "mobile": ["", "12812345678", "1381234567", "138123456789", "abc"],
    "division": ["", "330100", "330000", "999999", "33010600", "330106\x00"],  # city: too vague
    "street": ["", " ", "y" * 201, "文三路\x0790 号"],
    "postal_code": ["", "31001", "3100123", "000000", "870000", "31OO12"],
}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.fixed_dictionaries(
        {
            name: st.one_of(
                st.tuples(st.just(True), st.sampled_from(VALID[name])),
                st.tuples(st.just(False), st.sampled_from(INVALID[name])),
                st.tuples(st.none(), st.text(max_size=30)),
            )
            for name in paper_delivery.ADDRESS_FIELDS
        }
    )
)
def test_an_address_is_accepted_whole_or_refused_field_by_field(
    divisions: dict[str, Division], drawn: dict[str, tuple[bool | None, str]]
) -> None:
    raw = {name: value for name, (_valid, value) in drawn.items()}

    address, errors = paper_delivery.address_errors(raw)

    assert (address is None) == bool(errors)
    for name, (valid, _value) in drawn.items():
        if valid is True:
            assert f"address.{name}" not in errors
        elif valid is False:
            assert f"address.{name}" in errors
    assert {key.removeprefix("address.") for key in errors} <= set(paper_delivery.ADDRESS_FIELDS)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(code=st.text(max_size=12), reason=st.text(max_size=40))
def test_any_code_or_reason_is_answered_with_a_domain_error_or_done(
    world: World, code: str, reason: str
) -> None:
    pickup = Delivery.objects.filter(method="pickup").first()
    if pickup is None:
        pickup = _ready(world)[0]
        posted = _delivery(_approve(_posted(world)))
        paper_delivery.dispatch(world["clerk"], posted, carrier="ems", tracking_number="E1")
    posted = Delivery.objects.get(method="post")
    calls: tuple[Callable[[], object], ...] = (
        lambda: paper_delivery.hand_over(world["clerk"], pickup, code=code),
        lambda: paper_delivery.mark_returned(world["clerk"], posted, reason=reason),
        lambda: paper_delivery.dispatch(
            world["clerk"], posted, carrier="ems", tracking_number=code
        ),
    )
    for call in calls:
        with contextlib.suppress(DomainError):  # anything else fails the test
            call()


# ----- the pickup code ---------------------------------------------------------------------


def _ready(world: World) -> tuple[Delivery, str]:
    application = _approve(
        factories.file(world["applicant"], world["card"], CARD_FORM, delivery="pickup")
    )
    delivery = _delivery(application)
    return delivery, paper_delivery.pickup_code_of(delivery)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**8:08d}"


def test_a_clerk_hands_over_with_the_code_and_the_hand_over_is_recorded(world: World) -> None:
    delivery, code = _ready(world)

    done = paper_delivery.hand_over(world["clerk"], delivery, code=f" {code} ")

    assert done.status == DeliveryStatus.HANDED_OVER
    assert done.handed_over_by == world["clerk"]
    assert done.finished_at is not None
    row = done.application.transitions.get(action="handed_over")
    assert row.actor == world["clerk"]
    assert row.ledger_index is not None
    assert LedgerEntry.objects.get(index=row.ledger_index).event_type == "delivery.handed_over"
    assert Message.objects.filter(
        recipient=world["applicant"], event="delivery_handed_over"
    ).exists()


def test_a_wrong_code_is_refused_and_five_lock_the_hand_over(world: World) -> None:
    delivery, code = _ready(world)
    clerk = world["clerk"]

    with pytest.raises(DomainError) as malformed:
        paper_delivery.hand_over(clerk, delivery, code="12ab")
    assert malformed.value.code == "pickup_code_format"
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as wrong:
            paper_delivery.hand_over(clerk, delivery, code=_wrong(code))
        assert wrong.value.code == "pickup_code_wrong"
        assert wrong.value.field == "code"
        assert wrong.value.params["left"] == left
    with pytest.raises(paper_delivery.TooManyAttempts):
        paper_delivery.hand_over(clerk, delivery, code=_wrong(code))
    with pytest.raises(paper_delivery.TooManyAttempts):
        paper_delivery.hand_over(clerk, delivery, code=code)  # even the right one, for now
    assert _delivery(delivery.application).status == DeliveryStatus.READY_FOR_PICKUP

    Delivery.objects.filter(pk=delivery.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert paper_delivery.hand_over(clerk, delivery, code=code).status == "handed_over"


def test_a_clerk_of_another_hall_cannot_hand_over(world: World) -> None:
    delivery, code = _ready(world)

    with pytest.raises(PermissionDenied):
        paper_delivery.hand_over(world["other_hall_clerk"], delivery, code=code)
    assert _delivery(delivery.application).failed_code_attempts == 0


def test_reading_the_full_address_is_recorded_for_the_applicant(world: World) -> None:
    delivery = _delivery(_approve(_posted(world)))

    address = paper_delivery.read_address(world["clerk"], delivery)

    assert address.street == ADDRESS["street"]
    view = DataAccess.objects.get(case_ref=delivery.application.ref, purpose="delivery:address")
    assert view.accessor == world["clerk"].username
    assert view.subject_user == delivery.application.applicant
    assert view.ledger_index is not None
    assert LedgerEntry.objects.filter(event_type="data.access", index=view.ledger_index).exists()
    with pytest.raises(PermissionDenied):
        paper_delivery.read_address(world["outsider"], delivery)


# ----- the API -----------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_filing_by_post_through_the_api_names_the_address_fields(world: World) -> None:
    client = _client(world["applicant"])
    body: dict[str, Any] = {
        "service_code": factories.SOCIAL_SECURITY_CARD,
        "form": CARD_FORM,
        "delivery": "post",
        "address": {**ADDRESS, "postal_code": "31"},
    }

    refused = client.post(
        f"{API}/applications", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a"
    )
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == ["address.postal_code"]

    body["address"] = ADDRESS
    body["draft"] = factories.draft_with_uploads(world["applicant"], world["card"]).pk
    filed = client.post(
        f"{API}/applications", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="b"
    )
    assert filed.status_code == 201, filed.content
    ref = filed.json()["ref"]
    waiting = client.get(f"{API}/applications/{ref}/delivery").json()
    assert waiting["method"] == "post"
    assert waiting["status"] is None
    assert waiting["address"]["mobile"] == "138****5678"


def test_the_applicant_follows_the_delivery_and_sees_the_pickup_code(world: World) -> None:
    delivery, code = _ready(world)
    ref = delivery.application.ref
    url = f"{API}/applications/{ref}/delivery"

    assert Client().get(url).status_code == 401
    assert _client(citizen()).get(url).status_code == 404
    mine = _client(world["applicant"]).get(url)
    assert mine.status_code == 200
    body = mine.json()
    assert body["status"] == "ready_for_pickup"
    assert body["pickup_code"] == code
    assert body["hall"]["division"] == "330106"
    assert body["hall"]["opens"] == "09:00"
    assert body["history"][0]["action"] == "delivery_opened"


def _officer_calls(client: Client, pk: int) -> dict[str, int]:
    calls = {
        "list": client.get(f"{API}/deliveries", {"view": "pickup"}),
        "address": client.get(f"{API}/deliveries/{pk}/address"),
        "dispatch": client.post(
            f"{API}/deliveries/{pk}/dispatch",
            {"carrier": "ems", "tracking_number": "E1"},
            content_type="application/json",
        ),
        "delivered": client.post(f"{API}/deliveries/{pk}/delivered"),
        "returned": client.post(
            f"{API}/deliveries/{pk}/returned", {"reason": "x"}, content_type="application/json"
        ),
        "hand-over": client.post(
            f"{API}/deliveries/{pk}/hand-over",
            {"code": "00000000"},
            content_type="application/json",
        ),
    }
    return {name: response.status_code for name, response in calls.items()}


def test_officer_endpoints_refuse_everyone_but_the_hall_and_handling_department(
    world: World,
) -> None:
    application = _approve(_posted(world))
    pk = _delivery(application).pk
    unverified = Client()
    unverified.force_login(world["clerk"])

    assert set(_officer_calls(Client(), pk).values()) == {401}
    assert set(_officer_calls(_client(world["applicant"]), pk).values()) == {403}
    assert set(_officer_calls(unverified, pk).values()) == {401}  # second factor first
    stranger = _officer_calls(verified_client(world["other_hall_clerk"]), pk)
    assert stranger.pop("list") == 200
    assert set(stranger.values()) == {404}
    assert _delivery(application).status == DeliveryStatus.PREPARING
    assert not DataAccess.objects.filter(purpose="delivery:address").exists()


def test_the_hall_moves_a_delivery_through_the_api(world: World) -> None:
    posted = _delivery(_approve(_posted(world)))
    delivery, code = _ready(world)
    client = verified_client(world["clerk"])

    listed = client.get(f"{API}/deliveries", {"view": "to_dispatch"}).json()
    assert [row["id"] for row in listed] == [posted.pk]
    assert client.get(f"{API}/deliveries/{posted.pk}/address").json()["street"] == ADDRESS["street"]
    bad = client.post(
        f"{API}/deliveries/{posted.pk}/dispatch",
        {"carrier": "ems", "tracking_number": "EA 123"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "tracking_number"
    sent = client.post(
        f"{API}/deliveries/{posted.pk}/dispatch",
        {"carrier": "ems", "tracking_number": "ea123456789cn"},
        content_type="application/json",
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["tracking_number"] == "EA123456789CN"
    twice = client.post(
        f"{API}/deliveries/{posted.pk}/dispatch",
        {"carrier": "ems", "tracking_number": "E2"},
        content_type="application/json",
    )
    assert twice.status_code == 409
    assert twice.json()["current"]["status"] == "dispatched"
    no_reason = client.post(
        f"{API}/deliveries/{posted.pk}/returned", {"reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 400
    assert client.post(f"{API}/deliveries/{posted.pk}/delivered").json()["status"] == "delivered"

    url = f"{API}/deliveries/{delivery.pk}/hand-over"
    for _attempt in range(4):
        wrong = client.post(url, {"code": _wrong(code)}, content_type="application/json")
        assert wrong.status_code == 400
        assert wrong.json()["errors"][0]["field"] == "code"
    locked = client.post(url, {"code": _wrong(code)}, content_type="application/json")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    Delivery.objects.filter(pk=delivery.pk).update(locked_until=None)
    handed = client.post(url, {"code": code}, content_type="application/json")
    assert handed.status_code == 200
    assert handed.json()["handed_over_by"] == world["clerk"].username


# ----- the pages ---------------------------------------------------------------------------


def test_the_form_asks_for_the_address_only_when_post_is_chosen(world: World) -> None:
    client = _client(world["applicant"])
    url = reverse("applications:new", args=[factories.SOCIAL_SECURITY_CARD])
    page = client.get(url).content.decode()
    assert "Postal address" in page
    assert 'value="王小明"' in page  # prefilled from the account

    base = {"action": "submit", "bank": "icbc", "request_key": uuid.uuid4().hex}
    refused = client.post(
        url,
        {
            **base,
            "delivery": "post",
            "address_recipient_name": "",
            "file_photo": SimpleUploadedFile("photo.pdf", factories.PDF),
        },
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert html.count("Needed when the result is posted.") >= 4
    assert Application.objects.count() == 0

    wrong = client.post(
        url,
        {
            **base,
            "delivery": "post",
            "address_recipient_name": "王小明",
            "address_mobile": "123",
            "address_division": _street(world["applicant"]),
            "address_street": "文三路 90 号",
            "address_postal_code": "310012",
        },
    )
    assert "A mobile number has 11 digits" in wrong.content.decode()
    assert Application.objects.count() == 0

    filed = client.post(
        url, {**base, "delivery": "pickup", "address_recipient_name": "", "address_mobile": "x"}
    )
    assert filed.status_code == 302
    assert Application.objects.get().delivery == "pickup"


def test_the_application_page_shows_the_delivery_and_the_code(world: World) -> None:
    client = _client(world["applicant"])
    url = reverse("applications:new", args=[factories.SOCIAL_SECURITY_CARD])
    filed = client.post(
        url,
        {
            "action": "submit",
            "bank": "icbc",
            "request_key": "k",
            "file_photo": SimpleUploadedFile("photo.pdf", factories.PDF),
            "delivery": "post",
            "address_recipient_name": "王小明",
            "address_mobile": "13812345678",
            "address_division": _street(world["applicant"]),
            "address_street": "文三路 90 号 3 幢 201 室",
            "address_postal_code": "310012",
        },
    )
    assert filed.status_code == 302, filed.content.decode()[:3000]
    application = _approve(Application.objects.get())
    paper_delivery.dispatch(
        world["clerk"], _delivery(application), carrier="ems", tracking_number="EA1CN"
    )

    page = client.get(reverse("applications:detail", args=[application.ref])).content.decode()
    assert 'id="delivery-heading"' in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "EA1CN" in page
    assert "Posted" in page

    pickup, code = _ready(world)
    page = client.get(
        reverse("applications:detail", args=[pickup.application.ref])
    ).content.decode()
    assert code in page
    assert "Xihu District government service centre" in page


def test_the_hall_works_its_deliveries_on_its_pages(world: World) -> None:
    posted = _delivery(_approve(_posted(world)))
    ready, code = _ready(world)
    client = verified_client(world["clerk"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    listing = client.get(reverse("applications:deliveries")).content.decode()
    assert posted.application.ref in listing
    assert ready.application.ref not in listing
    assert (
        ready.application.ref
        in client.get(reverse("applications:deliveries"), {"view": "pickup"}).content.decode()
    )

    url = reverse("applications:delivery", args=[posted.pk])
    page = client.get(url).content.decode()
    assert ADDRESS["street"] not in page  # masked until asked for
    assert ADDRESS["street"] in client.get(url, {"show": "address"}).content.decode()
    bad = client.post(url, {"action": "dispatch", "carrier": "ems", "tracking_number": "EA-1"})
    assert bad.status_code == 400
    assert "letters and digits" in bad.content.decode()
    sent = client.post(url, {"action": "dispatch", "carrier": "ems", "tracking_number": "EA1"})
    assert sent.status_code == 302
    assert _delivery(posted.application).status == "dispatched"

    url = reverse("applications:delivery", args=[ready.pk])
    wrong = client.post(url, {"action": "hand_over", "code": _wrong(code)})
    assert wrong.status_code == 400
    assert "not the pickup code" in wrong.content.decode()
    right = client.post(url, {"action": "hand_over", "code": code})
    assert right.status_code == 302
    assert _delivery(ready.application).status == "handed_over"


def test_officer_pages_are_closed_to_others(world: World) -> None:
    posted = _delivery(_approve(_posted(world)))
    url = reverse("applications:delivery", args=[posted.pk])

    assert Client().get(url).status_code == 302
    assert _client(world["applicant"]).get(url).status_code == 403
    assert verified_client(world["other_hall_clerk"]).get(url).status_code == 404
    refused = verified_client(world["outsider"]).post(
        url, {"action": "dispatch", "carrier": "ems", "tracking_number": "E1"}
    )
    assert refused.status_code == 404
    assert _delivery(posted.application).status == DeliveryStatus.PREPARING


def test_a_code_copied_to_another_application_does_not_decrypt(world: World) -> None:
    first, _code = _ready(world)
    second, _other = _ready(world)
    Delivery.objects.filter(pk=second.pk).update(pickup_code_encrypted=first.pickup_code_encrypted)
    second.refresh_from_db()

    with pytest.raises(InvalidTag):
        paper_delivery.pickup_code_of(second)
