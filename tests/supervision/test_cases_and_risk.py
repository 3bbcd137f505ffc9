"""Complaints and hotline cases about a business raise its risk grade (and so its chance of
being drawn); an inspection can be opened from a case, never by a conflicted inspector."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.errors import Conflict, DomainError, NotFound
from onewindow.core.models import Division
from onewindow.identity.models import Role
from onewindow.supervision import cases, risk, services
from onewindow.supervision.models import CaseLink, Inspection, InspectionKind
from tests.grievances import factories as hotline
from tests.supervision import factories

COMPLAINT = "西湖餐馆的后厨很脏，老鼠乱跑，吃完饭拉肚子，请市场监管部门来查一查。"


@pytest.fixture
def world(divisions: dict[str, Division]) -> factories.World:
    return factories.world(divisions, businesses=3)


@pytest.mark.django_db
def test_linked_complaints_raise_the_risk_grade(world: factories.World) -> None:
    business = world["businesses"][0]
    agent = hotline.officer(
        world["departments"]["330100-hotline"], Role.HOTLINE_AGENT, username="hotline-agent"
    )
    assert risk.grades([business]) == {business.pk: "A"}

    for number in range(6):
        case = hotline.call(
            world["divisions"]["street"], COMPLAINT, agent=agent, phone=f"1390000{number:04d}"
        )
        cases.link_case(agent, case.ref, business)

    assert risk.scores([business]) == {business.pk: 6}
    assert risk.grades([business]) == {business.pk: "D"}
    with pytest.raises(Conflict):
        cases.link_case(agent, case.ref, business)


@pytest.mark.django_db
def test_an_officer_links_only_cases_they_may_see(world: factories.World) -> None:
    agent = hotline.officer(
        world["departments"]["330100-hotline"], Role.HOTLINE_AGENT, username="hotline-agent"
    )
    case = hotline.call(world["divisions"]["street"], COMPLAINT, agent=agent)
    stranger = hotline.officer(
        world["departments"]["330100-education"], Role.REVIEWER, username="teacher-officer"
    )

    with pytest.raises(NotFound):
        cases.link_case(stranger, case.ref, world["businesses"][0])
    assert not CaseLink.objects.exists()


@pytest.mark.django_db
def test_an_inspection_is_opened_from_a_case_but_not_with_a_conflicted_inspector(
    world: factories.World,
) -> None:
    business = world["businesses"][0]
    agent = hotline.officer(
        world["departments"]["330100-hotline"], Role.HOTLINE_AGENT, username="hotline-agent"
    )
    link = cases.link_case(
        agent, hotline.call(world["divisions"]["street"], COMPLAINT, agent=agent).ref, business
    )
    first, second, third = world["inspectors"][:3]
    services.declare_relation(first, business, relation="亲属开办")

    with pytest.raises(DomainError) as refused:
        cases.open_inspection_from_case(
            world["supervisor"],
            link,
            item_codes=[factories.FOOD_ITEM],
            certificate_numbers=[first.certificate_number, second.certificate_number],
        )
    assert refused.value.code == "inspector_conflict"
    assert refused.value.field == "inspectors"
    assert first.certificate_number in str(refused.value)
    assert not Inspection.objects.exists()

    opened = cases.open_inspection_from_case(
        world["supervisor"],
        link,
        item_codes=[factories.FOOD_ITEM],
        certificate_numbers=[second.certificate_number, third.certificate_number],
    )

    assert opened.kind == InspectionKind.CASE
    assert opened.source_case_ref == link.case_ref
    link.refresh_from_db()
    assert link.inspection == opened


@given(score=st.integers(min_value=0, max_value=1000))
def test_grades_never_improve_as_the_score_grows(score: int) -> None:
    order = "ABCD"
    assert order.index(risk.grade_of(score)) <= order.index(risk.grade_of(score + 1))
