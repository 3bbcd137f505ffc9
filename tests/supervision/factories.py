"""A small supervised city built through the real services: market supervision with a
supervisor and inspectors, a food-safety item with its checklist, registered businesses."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TypedDict

from django.utils import timezone

from onewindow.core.models import Division
from onewindow.core.validators import generate_credit_code
from onewindow.exchange import services as exchange
from onewindow.exchange.credit import services as credit
from onewindow.exchange.models import DataService
from onewindow.exchange.seed import seed_data_services
from onewindow.identity import services as identity
from onewindow.identity.models import Business, Department, User
from onewindow.supervision import services
from onewindow.supervision.models import Inspector, Plan, SupervisionItem
from tests.applications import factories
from tests.identity.factories import citizen

MARKET = "330100-market_supervision"
HEALTH = "330100-health"
FOOD_ITEM = "AMR-SP-01"
HYGIENE_ITEM = "WJ-GG-01"


class World(TypedDict):
    divisions: dict[str, Division]
    departments: dict[str, Department]
    supervisor: User
    inspectors: list[Inspector]
    health_inspectors: list[Inspector]
    item: SupervisionItem
    businesses: list[Business]
    owner: User


def inspector(department: Department, division: Division, number: str) -> Inspector:
    user = factories.officer(department, "inspector", username=f"inspector-{number}")
    user.division = division
    user.save(update_fields=["division"])
    return services.appoint_inspector(user, certificate_number=f"ZF{number}")


def world(divisions: dict[str, Division], *, businesses: int = 12) -> World:
    departments = factories.departments(divisions)
    supervisor = factories.officer(departments[MARKET], "supervisor", username="supervisor")
    health_supervisor = factories.officer(departments[HEALTH], "supervisor", username="hsup")
    # Inspectors live in the rural county; the businesses are in Xihu District.
    inspectors = [
        inspector(departments[MARKET], divisions["village"], f"3301{n:04d}") for n in range(4)
    ]
    health = [
        inspector(departments[HEALTH], divisions["village"], f"3302{n:04d}") for n in range(2)
    ]
    item = services.define_item(
        supervisor,
        code=FOOD_ITEM,
        name_zh="餐饮服务食品安全检查",
        name_en="Food safety in catering",
        legal_basis="《中华人民共和国食品安全法》第八十七条",
        subject_type="business",
        checks=[
            ("持有有效食品经营许可证", "Holds a valid food business licence"),
            ("从业人员持有健康证明", "Staff hold health certificates"),
            ("食品贮存符合要求", "Food is stored as required"),
        ],
    )
    services.define_item(
        health_supervisor,
        code=HYGIENE_ITEM,
        name_zh="公共场所卫生检查",
        name_en="Hygiene of public places",
        legal_basis="《公共场所卫生管理条例》第三条",
        subject_type="business",
        checks=[("卫生许可证在有效期内", "Hygiene licence valid")],
    )
    owner = citizen(divisions["community"], username="owner")
    rng = random.Random(23)
    made = []
    for number in range(businesses):
        business = identity.register_business(
            owner,
            credit_code=generate_credit_code(rng, division_code="330106"),
            name=f"西湖餐馆{number}",
            division=divisions["street"],
        )
        services.register_subject(business, industry_code="H6210", licence_types=["food_business"])
        made.append(business)
    return {
        "divisions": divisions,
        "departments": departments,
        "supervisor": supervisor,
        "inspectors": inspectors,
        "health_inspectors": health,
        "item": item,
        "businesses": made,
        "owner": owner,
    }


def plan_input(**overrides: object) -> services.PlanInput:
    today = timezone.localdate()
    values: dict[str, object] = {
        "title": "2026年餐饮服务食品安全双随机抽查",
        "item_codes": [FOOD_ITEM],
        "department_codes": [MARKET],
        "industry_codes": ["H62"],
        "division_codes": ["330106"],
        "licence_types": ["food_business"],
        "sample_size": 3,
        "period_start": today,
        "period_end": today + timedelta(days=60),
        "inspectors_per_department": 2,
    }
    values.update(overrides)
    return services.PlanInput(**values)  # type: ignore[arg-type]


def drawn_plan(w: World, **overrides: object) -> Plan:
    plan = services.draft_plan(w["supervisor"], plan_input(**overrides))
    plan = services.fix_plan(w["supervisor"], plan)
    services.draw_plan(w["supervisor"], plan)
    plan.refresh_from_db()
    return plan


def credit_platform_ready(w: World) -> None:
    """The credit platform may read every source (as in exchange's tests), and market
    supervision's registration answers for every business."""
    seed_data_services()
    platform = w["departments"]["330100-development_reform"]
    requester = factories.officer(platform)
    for code in (credit.REGISTRATION_SERVICE, *(s.service_code for s in credit.SOURCES)):
        service = DataService.objects.get(code=code)
        steward = factories.officer(service.provider, "data_steward")
        grant = exchange.request_grant(
            requester, service, purpose=credit.CREDIT_PURPOSE, fields=service.field_names
        )
        exchange.approve_grant(
            steward,
            grant,
            fields=service.field_names,
            expires_at=timezone.now() + timedelta(days=30),
        )
    exchange.load_records(
        DataService.objects.get(code=credit.REGISTRATION_SERVICE),
        [
            (
                b.credit_code,
                {
                    "name": b.name,
                    "legal_representative": "王小明",
                    "registered_on": "2021-03-15",
                    "status": "存续",
                    "registration_authority": "杭州市西湖区市场监督管理局",
                },
            )
            for b in w["businesses"]
        ],
    )


def today() -> date:
    return timezone.localdate()
