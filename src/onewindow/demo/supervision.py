"""The demo's random inspections: Shangcheng market supervision's food-safety plan and a joint
hygiene plan with the city's health commission, both fixed and drawn from ledger checkpoints;
inspections completed and published, a rectification order, and one penalty that reaches the
business's public credit profile through the exchange. All through the real services."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from onewindow.exchange.models import CreditProfile
from onewindow.identity import services as identity
from onewindow.identity.models import Business, Department, Role, User
from onewindow.supervision import inspections, services
from onewindow.supervision.models import Inspection, Penalty, Plan

MARKET = "330102-AMR"
HEALTH = "330100-HEALTH"
FOOD_ITEM = "AMR-SP-CY-01"
HYGIENE_ITEM = "WJ-GGCS-01"
# GB/T 4754 classes of the demo's businesses: catering, food retail, hotels, hairdressing.
INDUSTRIES = (
    ("H6210", ["food_business"]),
    ("F5221", ["food_business"]),
    ("H6110", ["hygiene"]),
    ("O8010", ["hygiene"]),
)


def _officer(
    username: str, real_name: str, department: Department, role: str, password: str
) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = identity.create_officer(
            username=username,
            password=password,
            real_name=real_name,
            department=department,
            roles=(role,),
        )
    return user


def _staff(password: str, totp: Callable[[User], str]) -> tuple[User, User]:
    market = Department.objects.get(code=MARKET)
    health = Department.objects.get(code=HEALTH)
    supervisor = _officer("amr-supervisor", "冯建国", market, Role.SUPERVISOR, password)
    health_supervisor = _officer("health-supervisor", "韩晓梅", health, Role.SUPERVISOR, password)
    inspectors = [User.objects.get(username="inspector")]  # the demo's inspector, 孙丽
    inspectors += [
        _officer(f"amr-inspector-{n}", name, market, Role.INSPECTOR, password)
        for n, name in ((2, "马志强"), (3, "邓丽华"), (4, "彭涛"))
    ]
    health_inspectors = [
        _officer(f"health-inspector-{n}", name, health, Role.INSPECTOR, password)
        for n, name in ((1, "罗静"), (2, "曹磊"))
    ]
    for number, user in enumerate([supervisor, health_supervisor, *inspectors, *health_inspectors]):
        totp(user)
        if user.roles.filter(role=Role.INSPECTOR).exists():
            services.appoint_inspector(user, certificate_number=f"33010{number:03d}2026")
    return supervisor, health_supervisor


def _items(supervisor: User, health_supervisor: User) -> None:
    services.define_item(
        supervisor,
        code=FOOD_ITEM,
        name_zh="餐饮服务食品安全监督检查",
        name_en="Food safety in catering",
        legal_basis="《中华人民共和国食品安全法》第八十七条；《食品生产经营监督检查管理办法》",
        subject_type="business",
        checks=[
            ("持有有效的食品经营许可证并悬挂", "A valid food business licence is displayed"),
            ("从业人员持有有效健康证明", "Staff hold valid health certificates"),
            ("食品原料贮存分离、离墙离地", "Raw materials stored apart, off walls and floor"),
            ("餐具清洗消毒设施正常使用", "Dishware is washed and disinfected"),
        ],
    )
    services.define_item(
        health_supervisor,
        code=HYGIENE_ITEM,
        name_zh="公共场所卫生监督检查",
        name_en="Hygiene of public places",
        legal_basis="《公共场所卫生管理条例》第三条、第十二条",
        subject_type="business",
        checks=[
            ("卫生许可证在有效期内", "The hygiene licence is valid"),
            ("公共用品用具按规定清洗消毒", "Shared articles are cleaned and disinfected"),
        ],
    )


def _register(rng: random.Random) -> None:
    for business in Business.objects.order_by("credit_code"):
        industry, licences = rng.choice(INDUSTRIES)
        services.register_subject(business, industry_code=industry, licence_types=licences)


def _plan(supervisor: User, **values: object) -> Plan:
    today = timezone.localdate()
    defaults: dict[str, object] = {
        "industry_codes": [],
        "division_codes": ["3301"],
        "licence_types": [],
        "period_start": today - timedelta(days=20),
        "period_end": today + timedelta(days=70),
        "inspectors_per_department": 2,
    }
    plan = services.draft_plan(supervisor, services.PlanInput(**{**defaults, **values}))  # type: ignore[arg-type]
    plan = services.fix_plan(supervisor, plan)
    services.draw_plan(supervisor, plan)
    plan.refresh_from_db()
    return plan


def _complete(inspection: Inspection, *, finding: int | None, summary: str) -> Inspection:
    user = inspection.inspectors.order_by("certificate_number").first().user  # type: ignore[union-attr]
    checks = [
        pk for item in inspection.items.all() for pk in item.checklist.values_list("pk", flat=True)
    ]
    inspections.record_checks(user, inspection, dict.fromkeys(checks, "passed"))
    if finding is not None:
        inspections.record_finding(
            user,
            inspection,
            checklist_item=checks[finding],
            description="两名后厨从业人员健康证明已过期，仍从事接触直接入口食品的工作"
            if finding == 1
            else "冷藏柜温度 9℃，超过 8℃ 的要求",
            severity="major" if finding == 1 else "minor",
        )
    inspections.complete_inspection(
        user, inspection, mode="on_site", signed=True, signatory="店长", summary=summary
    )
    return inspections.publish_result(user, inspection)


def seed_supervision(password: str, totp: Callable[[User], str]) -> str:
    """Two plans drawn, results published, a rectification order and one penalty on a credit
    profile (skipped when the demo's plans exist). Returns what to print, the same each time.
    Its own random numbers: the city's stream stays the same whether this runs or not."""
    if not Plan.objects.filter(department__code=MARKET).exists():
        _seed(random.Random("onewindow-demo-supervision"), password, totp)  # noqa: S311  (demo data)
    food = Plan.objects.filter(department__code=MARKET).order_by("created_at", "pk").first()
    penalty = Penalty.objects.order_by("pk").first()
    assert food is not None
    assert penalty is not None
    return (
        f"Random inspections: 2 plans drawn at /supervision/ (food safety {food.ref}); penalty "
        f"{penalty.decision_number} on /exchange/credit/{penalty.business.credit_code}/; "
        "supervisor amr-supervisor fixes and draws at /supervision/work/, inspectors "
        "(inspector, amr-inspector-2…4) work at /supervision/inspections/ (their codes: "
        "onewindow demo-totp USERNAME)."
    )


def _seed(rng: random.Random, password: str, totp: Callable[[User], str]) -> None:
    supervisor, health_supervisor = _staff(password, totp)
    _items(supervisor, health_supervisor)
    _register(rng)
    food = _plan(
        supervisor,
        title="2026年第四季度餐饮服务食品安全双随机抽查",
        item_codes=[FOOD_ITEM],
        department_codes=[MARKET],
        licence_types=["food_business"],
        sample_size=6,
    )
    _plan(
        supervisor,
        title="2026年第四季度公共场所卫生部门联合双随机抽查",
        item_codes=[FOOD_ITEM, HYGIENE_ITEM],
        department_codes=[MARKET, HEALTH],
        licence_types=["hygiene"],
        sample_size=3,
        inspectors_per_department=1,
    )
    visits = list(Inspection.objects.filter(plan=food).order_by("position"))
    # The penalty goes to a business the credit platform knows (businesses registered by the
    # demo's applications came after the profiles were compiled).
    profiled = set(CreditProfile.objects.values_list("credit_code", flat=True))
    first = next(v for v in visits if v.business.credit_code in profiled)
    others = [v for v in visits if v != first]
    penalised = _complete(first, finding=1, summary="健康证明过期，立案处罚")
    ordered = _complete(others[0], finding=2, summary="责令整改冷藏温度")
    _complete(others[1], finding=None, summary="未发现问题")
    order_finding = ordered.findings.get()
    inspections.order_rectification(
        ordered.inspectors.order_by("certificate_number").first().user,  # type: ignore[union-attr]
        order_finding,
        working_days=10,
    )
    finding = penalised.findings.get()
    decision = f"上市监罚〔{timezone.localdate().year}〕{rng.randrange(100, 300)}号"
    inspections.decide_penalty(
        supervisor,
        penalised,
        finding_ids=[finding.pk],
        decision_number=decision,
        violation="安排未取得健康证明的人员从事接触直接入口食品的工作",
        legal_basis="《中华人民共和国食品安全法》第一百二十六条第一款第六项",
        fine_fen=500_000,
        decided_on=timezone.localdate(),
    )
    # The penalty refreshes the profile on commit; when seeding runs inside an outer
    # transaction (the demo's tests) that never comes, so refresh now instead.
    if connection.in_atomic_block:
        inspections.refresh_credit(penalised.business.credit_code)
