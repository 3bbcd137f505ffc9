"""Random moves by random officers on posted and picked-up results.

The test keeps its own model of what is allowed (which officer, which state, which code) and
the services must agree: no illegal move accepted, no legal one refused, a refusal changes
nothing but the count of wrong codes, and the timeline, the ledger and the application's
status document follow every move.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypedDict

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from onewindow.applications import services
from onewindow.applications.delivery import services as paper_delivery
from onewindow.applications.models import Delivery, DeliveryStatus
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.ledger.models import LedgerEntry
from tests.applications import factories
from tests.applications.test_delivery import ADDRESS, CARD_FORM
from tests.hypothesis_budget import examples
from tests.identity.factories import citizen

# The model of the allowed moves: (method, from status) → to status, by action.
ALLOWED = {
    "dispatch": {("post", "preparing"): "dispatched", ("post", "returned"): "dispatched"},
    "delivered": {("post", "dispatched"): "delivered"},
    "returned": {("post", "dispatched"): "returned"},
    "hand_over": {("pickup", "ready_for_pickup"): "handed_over"},
}
RECORDED = {"delivered", "handed_over"}


class World(TypedDict):
    applicant: User
    card: ServiceItemVersion
    reviewer: User
    officers: list[User]
    may_act: set[str]


class DeliveryMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.delivery: Delivery | None = None
        self.wrong_in_a_row = 0
        self.is_locked = False

    @initialize(method=st.sampled_from(["post", "pickup"]))
    def approve(self, method: str) -> None:
        application = factories.file(
            self.world["applicant"],
            self.world["card"],
            CARD_FORM,
            delivery=method,
            address=ADDRESS if method == "post" else None,
        )
        step = application.steps.get()
        holder = self.world["reviewer"]
        step = services.claim_step(holder, step, version=step.version)
        services.approve_step(holder, step, version=step.version)
        self.delivery = Delivery.objects.get(application=application)
        self.code = paper_delivery.pickup_code_of(self.delivery)
        self.moves = 1  # the delivery_opened row

    def _fresh(self) -> Delivery:
        assert self.delivery is not None
        self.delivery.refresh_from_db()
        return self.delivery

    def _expect(
        self,
        action: str,
        officer_index: int,
        call: Callable[[User, Delivery], object],
        *,
        code_ok: bool = True,
    ) -> None:
        before = self._fresh()
        snapshot = (before.status, before.carrier, before.tracking_number, before.finished_at)
        officer = self.world["officers"][officer_index]
        is_locked = self.is_locked and action == "hand_over"
        target = ALLOWED[action].get((before.method, before.status))
        may = officer.username in self.world["may_act"]
        legal = target is not None and may and code_ok and not is_locked
        try:
            call(officer, before)
        except DomainError:
            assert not legal, f"a legal {action} was refused"
            after = self._fresh()
            assert (after.status, after.carrier, after.tracking_number, after.finished_at) == (
                snapshot
            ), "a refused move changed the delivery"
            if action == "hand_over" and target and may and not is_locked and not code_ok:
                self.wrong_in_a_row += 1
                if self.wrong_in_a_row == paper_delivery.MAX_CODE_ATTEMPTS:
                    self.is_locked, self.wrong_in_a_row = True, 0
        else:
            assert legal, f"an illegal {action} was accepted"
            self.moves += 1
            assert self._fresh().status == target
            if action == "hand_over":
                self.wrong_in_a_row = 0

    @rule(who=st.integers(0, 4), tracking=st.sampled_from(["EA1CN", "SF99", "bad number", ""]))
    def dispatch(self, who: int, tracking: str) -> None:
        valid = tracking in {"EA1CN", "SF99"}
        self._expect(
            "dispatch",
            who,
            lambda officer, delivery: paper_delivery.dispatch(
                officer, delivery, carrier="ems", tracking_number=tracking
            ),
            code_ok=valid,
        )

    @rule(who=st.integers(0, 4))
    def delivered(self, who: int) -> None:
        self._expect("delivered", who, paper_delivery.mark_delivered)

    @rule(who=st.integers(0, 4), reason=st.sampled_from(["收件人拒收", " "]))
    def returned(self, who: int, reason: str) -> None:
        self._expect(
            "returned",
            who,
            lambda officer, delivery: paper_delivery.mark_returned(
                officer, delivery, reason=reason
            ),
            code_ok=bool(reason.strip()),
        )

    @rule(who=st.integers(0, 4), is_right=st.booleans())
    def hand_over(self, who: int, is_right: bool) -> None:
        code = self.code if is_right else f"{(int(self.code or '0') + 7) % 10**8:08d}"
        self._expect(
            "hand_over",
            who,
            lambda officer, delivery: paper_delivery.hand_over(officer, delivery, code=code),
            code_ok=is_right,
        )

    @rule()
    def time_passes(self) -> None:
        self.is_locked = False
        Delivery.objects.filter(pk=self._fresh().pk, locked_until__isnull=False).update(
            locked_until=timezone.now() - timedelta(seconds=1)
        )

    @invariant()
    def timeline_and_ledger_follow(self) -> None:
        if self.delivery is None:
            return
        delivery = self._fresh()
        rows = delivery.application.transitions.filter(
            action__in=paper_delivery.TIMELINE_ACTIONS
        ).order_by("pk")
        assert rows.count() == self.moves
        last = rows.last()
        assert last is not None
        assert last.to_status == delivery.status
        recorded = rows.filter(ledger_index__isnull=False)
        assert {row.action for row in recorded} <= RECORDED
        assert (
            LedgerEntry.objects.filter(index__in=[row.ledger_index for row in recorded]).count()
            == recorded.count()
        )
        assert (delivery.finished_at is not None) == (delivery.status in paper_delivery.FINISHED)
        assert delivery.failed_code_attempts == self.wrong_in_a_row
        is_locked = delivery.locked_until is not None and delivery.locked_until > timezone.now()
        assert is_locked == self.is_locked
        if delivery.status == DeliveryStatus.HANDED_OVER:
            assert delivery.handed_over_by is not None
        factories.assert_status_document_agrees(delivery.application)


@pytest.mark.django_db
def test_random_moves_never_break_a_delivery(divisions: dict[str, Division]) -> None:
    made = factories.departments(divisions)
    versions = factories.catalogue()
    card = versions[factories.SOCIAL_SECURITY_CARD]
    reviewer = factories.officer(made["330100-human_resources"], "reviewer")
    officers = [
        factories.officer(made["330106-market_supervision"], "window_clerk"),  # the hall
        factories.officer(made["330100-human_resources"], "approver"),  # handled it
        factories.officer(made["330127-market_supervision"], "window_clerk"),  # another hall
        factories.officer(made["330100-education"], "department_admin"),  # unrelated
        reviewer,  # handled it, but reviewers do not deliver
    ]
    world: World = {
        "applicant": citizen(divisions["community"]),
        "card": card,
        "reviewer": reviewer,
        "officers": officers,
        "may_act": {officers[0].username, officers[1].username},
    }

    class InThisWorld(DeliveryMachine):  # Hypothesis builds the machine with no arguments
        def __init__(self) -> None:
            super().__init__(world)

    run_state_machine_as_test(
        InThisWorld,
        settings=settings(
            max_examples=examples(full=30, ci=15),
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
