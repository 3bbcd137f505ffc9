"""Random moves by random officers on a city event.

The test keeps its own table of allowed moves (which state, who) and the services must
agree both ways: no illegal move accepted, no legal one refused, a refused move changes
nothing, and every step taken is in the event's history and in the ledger."""

from __future__ import annotations

from collections.abc import Callable
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

from onewindow.cityops import services
from onewindow.cityops.models import AssignmentState, Event, EventStep, Source
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.identity.models import Department, User
from onewindow.ledger.models import LedgerEntry
from tests.cityops import factories
from tests.hypothesis_budget import examples

# The model: action → {from state: to state}; who may take it is checked beside.
ALLOWED = {
    "dispatch": {"open": "dispatched", "escalated": "dispatched"},
    "accept": {"dispatched": "accepted", "escalated": "accepted"},
    "progress": {"accepted": "in_progress", "in_progress": "in_progress"},
    "close": {"accepted": "closed", "in_progress": "closed"},
    "escalate": {"dispatched": "escalated", "accepted": "escalated", "in_progress": "escalated"},
    "return": {"dispatched": "open"},
}
OPERATOR_ACTIONS = {"dispatch", "escalate"}
# Who: 0 the operator, 1 urban management's officer, 2 transport's, 3 ecology's (never sent).
DEPARTMENTS = ["city_management", "transport"]


class World(TypedDict):
    actors: list[User]
    departments: dict[str, Department]
    division: Division


class EventMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.event: Event | None = None
        self.assignee: str | None = None
        self.state = ""
        self.steps = 0

    @initialize()
    def report(self) -> None:
        draft = services.EventDraft(
            source=Source.HOTLINE,
            source_ref=f"case-{timezone.now().timestamp()}",
            # A category of its own: examples share the database, and an open event of the
            # same category at the same place would take this report in (a merge).
            category=f"hotline.city.refuse.{timezone.now().timestamp()}",
            department_kind="city_management",
            title="Refuse collection and dumping",
            division=self.world["division"],
            occurred_at=timezone.now(),
        )
        self.event = services.record_event(draft)
        self.assignee, self.state = "city_management", "dispatched"
        self.steps = 2  # reported, dispatched

    def _fresh(self) -> Event:
        assert self.event is not None
        self.event.refresh_from_db()
        return self.event

    def _department_of(self, who: int) -> str | None:
        return {1: "city_management", 2: "transport", 3: "ecology"}.get(who)

    def _expect(
        self,
        action: str,
        who: int,
        call: Callable[[User, Event], object],
        *,
        text_ok: bool = True,
        to: str | None = None,
    ) -> None:
        event = self._fresh()
        before = (event.state, event.version, event.escalation_level)
        target = ALLOWED[action].get(self.state)
        if action in OPERATOR_ACTIONS:
            may = who == 0
        else:
            may = self.assignee is not None and self._department_of(who) == self.assignee
        legal = target is not None and may and text_ok
        try:
            call(self.world["actors"][who], event)
        except DomainError:
            assert not legal, f"a legal {action} by {who} in {self.state} was refused"
            after = self._fresh()
            assert (after.state, after.version, after.escalation_level) == before, (
                "a refused move changed the event"
            )
            return
        assert legal, f"an illegal {action} by {who} in {self.state} was accepted"
        assert target is not None
        self.state = target
        self.steps += 2 if target == "closed" else 1  # part_done and closed
        if action == "dispatch":
            self.assignee = to
        if action == "return":
            self.assignee = None

    @rule(who=st.integers(0, 3), to=st.sampled_from(DEPARTMENTS))
    def dispatch(self, who: int, to: str) -> None:
        department = self.world["departments"][to]
        self._expect(
            "dispatch",
            who,
            lambda actor, event: services.dispatch_event(actor, event, [department]),
            to=to,
        )

    @rule(who=st.integers(0, 3))
    def accept(self, who: int) -> None:
        self._expect("accept", who, services.accept_event)

    @rule(who=st.integers(0, 3), note=st.sampled_from(["清运车辆已出发", " "]))
    def progress(self, who: int, note: str) -> None:
        self._expect(
            "progress",
            who,
            lambda actor, event: services.report_progress(actor, event, note=note),
            text_ok=bool(note.strip()),
        )

    @rule(who=st.integers(0, 3), evidence=st.sampled_from(["垃圾已清运，现场照片见附件", ""]))
    def close(self, who: int, evidence: str) -> None:
        self._expect(
            "close",
            who,
            lambda actor, event: services.close_event(actor, event, evidence=evidence),
            text_ok=bool(evidence),
        )

    @rule(who=st.integers(0, 3), reason=st.sampled_from(["超时未处理", "\t"]))
    def escalate(self, who: int, reason: str) -> None:
        self._expect(
            "escalate",
            who,
            lambda actor, event: services.escalate_event(actor, event, reason=reason),
            text_ok=bool(reason.strip()),
        )

    @rule(who=st.integers(0, 3), reason=st.sampled_from(["不属于本部门职责", ""]))
    def give_back(self, who: int, reason: str) -> None:
        self._expect(
            "return",
            who,
            lambda actor, event: services.return_event(actor, event, reason=reason),
            text_ok=bool(reason),
        )

    @invariant()
    def history_and_ledger_follow(self) -> None:
        if self.event is None:
            return
        event = self._fresh()
        assert event.state == self.state
        assert (event.closed_at is not None) == (event.state == "closed")
        steps = EventStep.objects.filter(event=event)
        assert steps.count() == self.steps
        assert (
            LedgerEntry.objects.filter(
                subject_ref=event.ref, event_type__startswith="cityops.event_"
            ).count()
            == self.steps
        )
        live = event.assignments.exclude(state=AssignmentState.WITHDRAWN)
        if self.assignee is None:
            assert not live.exists()
        else:
            assert set(live.values_list("department__kind", flat=True)) == {self.assignee}
        if event.state not in ("open", "closed"):
            assert event.due_at is not None


@pytest.mark.django_db
def test_random_moves_never_break_an_event(divisions: dict[str, Division]) -> None:
    made = factories.city(divisions, sensors=0)
    assert made.operator is not None
    world: World = {
        "actors": [
            made.operator,
            made.officers["city_management"],
            made.officers["transport"],
            made.officers["ecology"],
        ],
        "departments": made.departments,
        # Chun'an's village: the city's urban management is competent (Xihu has its own).
        "division": divisions["village"],
    }

    class InThisWorld(EventMachine):  # Hypothesis builds the machine with no arguments
        def __init__(self) -> None:
            super().__init__(world)

    run_state_machine_as_test(
        InThisWorld,
        settings=settings(
            max_examples=examples(full=60, ci=25),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
