"""Random actions by random actors over random workflow definitions.

For every action the test works out by itself whether it is legal, and the engine must agree:
no illegal transition is ever accepted (and no legal one refused). After every action every
due date falls on a working day, the statuses agree, and the application's status document
is the one its rows give now and answers what the full models answered; at the end every
application is driven to exactly one terminal state.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any, TypedDict

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from onewindow.applications import services
from onewindow.applications.models import (
    TERMINAL_APPLICATION_STATUSES,
    Application,
    ApplicationStatus,
    Step,
    StepStatus,
)
from onewindow.catalog.services import ServiceGuide, publish_service
from onewindow.catalog.workflow_definition import parse_workflow
from onewindow.core import calendar
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.identity.models import Department, User
from tests.applications import factories
from tests.applications.test_delivery import ADDRESS
from tests.hypothesis_budget import examples
from tests.identity.factories import citizen

PLACES = (
    ("public_security", "county"),
    ("market_supervision", "county"),
    ("civil_affairs", "county"),
    ("taxation", "city"),
    ("health", "city"),
)
ROLES = ("reviewer", "approver")
_codes = itertools.count(1)


@st.composite
def workflow_texts(draw: st.DrawFn) -> str:
    count = draw(st.integers(min_value=1, max_value=5))
    lines = [f"workflow remind_before={draw(st.integers(0, 2))}"]
    for index in range(count):
        department, level = draw(st.sampled_from(PLACES))
        role = draw(st.sampled_from(ROLES))
        words = [
            f"step s{index}",
            f'name_zh="步骤{index}"',
            f'name_en="Step {index}"',
            f"role={role}",
            f"department={department}",
            f"level={level}",
            f"sla={draw(st.integers(1, 3))}",
        ]
        if index:
            after = draw(st.lists(st.sampled_from([f"s{i}" for i in range(index)]), unique=True))
            if after:
                words.append("after=" + ",".join(after))
            if len(after) >= 2:
                words.append(f"join={draw(st.sampled_from(['all', 'any']))}")
        if draw(st.booleans()) and draw(st.booleans()):
            words.append(f"when='flag == {draw(st.sampled_from(['true', 'false']))}'")
        lines.append(" ".join(words))
    return "\n".join(lines)


class World(TypedDict):
    applicant: User
    officers: list[User]
    outsider: User


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.application: Application | None = None

    @initialize(
        text=workflow_texts(),
        flag=st.booleans(),
        delivery=st.sampled_from(["electronic", "pickup", "post"]),
    )
    def file(self, text: str, flag: bool, delivery: str) -> None:
        code = f"TEST-{next(_codes)}"
        version = publish_service(
            code,
            department_kind="public_security",
            level=4,
            guide=ServiceGuide(
                name_zh="测试事项",
                name_en="Test service",
                service_type="public_service",
                audience="citizen",
                statutory_days=20,
                promised_days=5,
                workflow=text,
                delivery_options=["electronic", "pickup", "post"],
                form_schema={
                    "type": "object",
                    "properties": {"flag": {"type": "boolean", "title": "Flag"}},
                },
            ),
        )
        self.definition = parse_workflow(text)
        self.now = timezone.now()
        self.application = services.submit_application(
            self.world["applicant"],
            version,
            {"flag": flag},
            idempotency_key=code,
            delivery=delivery,
            address=ADDRESS if delivery == "post" else None,
        )

    # --- the model of what is legal --------------------------------------------------------
    def _fresh(self) -> tuple[Application, list[Step]]:
        assert self.application is not None
        self.application.refresh_from_db()
        return self.application, list(self.application.steps.order_by("pk"))

    def _eligible(self, officer: User, step: Step) -> bool:
        return officer.department_id in {step.department_id, step.escalated_to_id} and (
            officer.roles.filter(role=step.role).exists()
        )

    def _officer(self, step: Step, pick: int) -> User:
        pool = self.world["officers"]
        candidates = [o for o in pool if self._eligible(o, step)]
        everyone = [*candidates, self.world["outsider"], *pool]
        return everyone[pick % len(everyone)]

    def _expect(self, legal: bool, call: Any) -> None:
        application, steps = self._fresh()
        before = (application.status, application.version, [(s.status, s.version) for s in steps])
        try:
            call()
        except DomainError:
            assert not legal, "a legal action was refused"
            application, steps = self._fresh()
            after = (
                application.status,
                application.version,
                [(s.status, s.version) for s in steps],
            )
            assert after == before, "a refused action changed something"
        else:
            assert legal, "an illegal action was accepted"

    # --- rules ----------------------------------------------------------------------------
    @rule(
        index=st.integers(0, 20),
        pick=st.integers(0, 50),
        action=st.sampled_from(["claim", "approve", "reject", "supplements"]),
        stale=st.booleans(),
    )
    def officer_acts(self, index: int, pick: int, action: str, stale: bool) -> None:
        application, steps = self._fresh()
        step = steps[index % len(steps)]
        officer = self._officer(step, pick)
        version = step.version - 1 if stale else step.version
        open_for_work = (
            not application.is_terminal
            and not stale
            and step.status == StepStatus.OPEN
            and self._eligible(officer, step)
        )
        if action == "claim":
            legal = open_for_work and step.assignee_id in (None, officer.pk)
            self._expect(legal, lambda: services.claim_step(officer, step, version=version))
            return
        legal = open_for_work and step.assignee_id == officer.pk
        if action == "approve":
            self._expect(legal, lambda: services.approve_step(officer, step, version=version))
        elif action == "reject":
            self._expect(
                legal, lambda: services.reject_step(officer, step, version=version, reasons="no")
            )
        else:
            legal = legal and not step.is_supplement_used
            self._expect(
                legal,
                lambda: services.request_supplements(
                    officer, step, version=version, items=[{"key": "", "reason": "missing"}]
                ),
            )

    @rule(stale=st.booleans())
    def applicant_supplements(self, stale: bool) -> None:
        application, _steps = self._fresh()
        legal = application.status == ApplicationStatus.AWAITING_SUPPLEMENTS and not stale
        version = application.version - 1 if stale else application.version
        self._expect(
            legal,
            lambda: services.provide_supplements(
                self.world["applicant"], application, version=version, note="here"
            ),
        )

    @precondition(lambda self: self.application is not None)
    @rule()
    def applicant_withdraws(self) -> None:
        application, _steps = self._fresh()
        self._expect(
            not application.is_terminal,
            lambda: services.withdraw_application(
                self.world["applicant"], application, version=application.version
            ),
        )

    @rule(days=st.integers(1, 6))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)
        services.send_reminders(self.now)
        services.escalate_overdue(self.now)

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def statuses_agree(self) -> None:
        if self.application is None:
            return
        application, steps = self._fresh()
        statuses = [step.status for step in steps]
        for step in steps:
            assert calendar.is_working_day(timezone.localtime(step.due_at).date())
        assert calendar.is_working_day(timezone.localtime(application.due_at).date())
        if application.is_terminal:
            assert not any(step.is_active for step in steps)
        if application.status == ApplicationStatus.APPROVED:
            assert len(steps) == len(self.definition.steps)
            assert StepStatus.REJECTED not in statuses
        if application.status == ApplicationStatus.REJECTED:
            assert statuses.count(StepStatus.REJECTED) == 1
        assert (application.status == ApplicationStatus.AWAITING_SUPPLEMENTS) == (
            StepStatus.AWAITING_SUPPLEMENTS in statuses
        )

    @invariant()
    def status_document_agrees(self) -> None:
        if self.application is not None:
            factories.assert_status_document_agrees(self.application)

    def teardown(self) -> None:
        if self.application is None:
            return
        for _round in range(20):
            application, steps = self._fresh()
            if application.is_terminal:
                break
            if application.status == ApplicationStatus.AWAITING_SUPPLEMENTS:
                services.provide_supplements(
                    self.world["applicant"], application, version=application.version
                )
                continue
            for step in steps:
                if step.status != StepStatus.OPEN:
                    continue
                holder = step.assignee or self._officer(step, 0)
                step = services.claim_step(holder, step, version=step.version)
                services.approve_step(holder, step, version=step.version)
                break
        application, _steps = self._fresh()
        assert application.status in TERMINAL_APPLICATION_STATUSES
        endings = application.transitions.filter(
            step__isnull=True, to_status__in=list(TERMINAL_APPLICATION_STATUSES)
        )
        assert endings.count() == 1
        factories.assert_status_document_agrees(application)


@pytest.mark.django_db
def test_random_actions_never_break_the_workflow(divisions: dict[str, Division]) -> None:
    made = factories.departments(divisions)
    officers: list[User] = []
    for department, level in PLACES:
        home = made[f"{'330106' if level == 'county' else '330100'}-{department}"]
        upper: Department = made[f"330100-{department}"]
        for place in {home.pk: home, upper.pk: upper}.values():
            for role in ROLES:
                officers.append(factories.officer(place, role))
    world: World = {
        "applicant": citizen(divisions["community"]),
        "officers": officers,
        "outsider": factories.officer(made["330100-education"], "reviewer"),
    }

    class InThisWorld(WorkflowMachine):  # Hypothesis builds the machine with no arguments
        def __init__(self) -> None:
            super().__init__(world)

    run_state_machine_as_test(
        InThisWorld,
        settings=settings(
            max_examples=examples(full=40, ci=20),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
