"""The pages and the API as people and clients use them: the public plan page and its redraw
files, the inspector's inspection page, the supervisor's plans; who may call what."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.core.models import Division
from onewindow.identity.models import User
from onewindow.supervision import redraw
from onewindow.supervision.models import (
    Finding,
    Inspection,
    InspectionStatus,
    Photo,
    Plan,
    PlanStatus,
    SupervisionItem,
)
from tests.applications import factories as application_factories
from tests.identity.factories import citizen
from tests.identity.test_assisted_filing import verified_client
from tests.supervision import factories

pytestmark = pytest.mark.django_db
API = "/api/v1/supervision"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def world(divisions: dict[str, Division]) -> factories.World:
    return factories.world(divisions)


def _body() -> dict[str, Any]:
    values = factories.plan_input()
    return {
        "title": values.title,
        "item_codes": values.item_codes,
        "department_codes": values.department_codes,
        "industry_codes": values.industry_codes,
        "division_codes": values.division_codes,
        "licence_types": values.licence_types,
        "sample_size": 3,
        "period_start": values.period_start.isoformat(),
        "period_end": values.period_end.isoformat(),
    }


def test_the_public_plan_page_offers_the_four_redraw_files_that_reproduce_the_draw(
    world: factories.World,
) -> None:
    plan = factories.drawn_plan(world)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")

    page = anonymous.get(f"/supervision/plans/{plan.ref}/").content.decode()
    files = {
        name: anonymous.get(f"/supervision/plans/{plan.ref}/{name}")
        for name in ("plan.json", "population.json", "checkpoint.txt", "draw.json")
    }

    assert plan.plan_sha256 in page
    assert plan.population_sha256 in page
    for visit in plan.draw.document["visits"]:
        assert visit["credit_code"] in page
    assert all(response.status_code == 200 for response in files.values())
    redraw.verify(
        json.loads(files["draw.json"].content),
        json.loads(files["plan.json"].content),
        json.loads(files["population.json"].content),
        files["checkpoint.txt"].content.decode(),
    )
    assert anonymous.get(f"/supervision/plans/{plan.ref}/secrets.txt").status_code == 404
    assert anonymous.get("/supervision/").status_code == 200
    algorithm = anonymous.get("/supervision/algorithm/").content.decode()
    assert "Efraimidis" in algorithm


def test_a_draft_plan_is_not_public(world: factories.World) -> None:
    supervisor = verified_client(world["supervisor"])
    ref = supervisor.post(f"{API}/plans", _body(), content_type="application/json").json()["ref"]

    assert Client().get(f"/supervision/plans/{ref}/").status_code == 404
    assert Client().get(f"{API}/plans/{ref}").status_code == 404


def test_the_supervisor_fixes_and_draws_on_the_plans_page(world: factories.World) -> None:
    supervisor = verified_client(world["supervisor"])
    ref = supervisor.post(f"{API}/plans", _body(), content_type="application/json").json()["ref"]

    early = supervisor.post("/supervision/work/", {"plan": ref, "action": "draw"}, follow=True)
    assert "must be fixed" in early.content.decode() or "必须先" in early.content.decode()
    supervisor.post("/supervision/work/", {"plan": ref, "action": "fix"})
    supervisor.post("/supervision/work/", {"plan": ref, "action": "draw"})

    assert Plan.objects.get(ref=ref).status == PlanStatus.DRAWN
    assert Inspection.objects.filter(plan__ref=ref).count() == 3


def test_an_inspector_completes_an_inspection_on_the_page(
    world: factories.World, caplog: pytest.LogCaptureFixture
) -> None:
    plan = factories.drawn_plan(world)
    visit = Inspection.objects.filter(plan=plan).order_by("position").first()
    assert visit is not None
    inspector = verified_client(visit.inspectors.first().user)  # type: ignore[union-attr]
    url = f"/supervision/inspections/{visit.ref}/"
    checks = list(visit.items.first().checklist.values_list("pk", flat=True))  # type: ignore[union-attr]

    assert visit.ref in inspector.get("/supervision/inspections/").content.decode()
    with caplog.at_level(logging.WARNING, logger="onewindow.supervision"):
        refused = inspector.post(
            url,
            {"action": "finding", "severity": "minor", "description": "地面湿滑"},
            follow=True,
        )
    assert refused.status_code == 200
    assert "finding_without_checklist_item" in caplog.text
    assert not Finding.objects.exists()
    inspector.post(url, {"action": "checks", **{f"check-{pk}": "passed" for pk in checks}})
    inspector.post(
        url,
        {
            "action": "finding",
            "checklist_item": str(checks[2]),
            "severity": "minor",
            "description": "冷藏柜温度偏高",
        },
    )
    inspector.post(url, {"action": "photo", "photo": SimpleUploadedFile("f.png", PNG, "image/png")})
    done = inspector.post(
        url,
        {
            "action": "complete",
            "mode": "on_site",
            "acknowledgement": "signed",
            "signatory": "张店长",
            "summary": "冷藏柜整改",
        },
        follow=True,
    )
    inspector.post(url, {"action": "publish"})

    visit.refresh_from_db()
    assert visit.status == InspectionStatus.PUBLISHED
    assert Finding.objects.filter(inspection=visit).count() == 1
    assert Photo.objects.filter(inspection=visit).count() == 1
    assert "张店长" not in done.content.decode()  # kept encrypted, never shown
    public = Client().get(f"/supervision/plans/{plan.ref}/").content.decode()
    assert visit.ref in public


def test_only_assigned_inspectors_and_the_department_see_an_inspection(
    world: factories.World,
) -> None:
    plan = factories.drawn_plan(world)
    visit = Inspection.objects.filter(plan=plan).order_by("position").first()
    assert visit is not None
    other = next(i for i in world["inspectors"] if not visit.inspectors.filter(pk=i.pk).exists())
    url = f"/supervision/inspections/{visit.ref}/"

    assert verified_client(other.user).get(url).status_code == 404
    assert verified_client(world["supervisor"]).get(url).status_code == 200
    assert Client().get(url).status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("citizen", 403), ("officer", 403), ("supervisor", 201)],
)
def test_drafting_a_plan_needs_a_supervisor(
    world: factories.World, divisions: dict[str, Division], who: str, status: int
) -> None:
    clients = {
        "anonymous": Client(),
        "citizen": _signed_in(citizen(divisions["community"])),
        "officer": verified_client(
            application_factories.officer(world["departments"][factories.MARKET])
        ),
        "supervisor": verified_client(world["supervisor"]),
    }

    response = clients[who].post(f"{API}/plans", _body(), content_type="application/json")

    assert response.status_code == status
    assert Plan.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("citizen", 403), ("other_inspector", 404), ("inspector", 201)],
)
def test_recording_a_finding_needs_an_assigned_inspector(
    world: factories.World, divisions: dict[str, Division], who: str, status: int
) -> None:
    plan = factories.drawn_plan(world)
    visit = Inspection.objects.filter(plan=plan).order_by("position").first()
    assert visit is not None
    assigned = visit.inspectors.first()
    assert assigned is not None
    other = next(i for i in world["inspectors"] if not visit.inspectors.filter(pk=i.pk).exists())
    clients = {
        "anonymous": Client(),
        "citizen": _signed_in(citizen(divisions["community"])),
        "other_inspector": verified_client(other.user),
        "inspector": verified_client(assigned.user),
    }
    check = visit.items.first().checklist.first().pk  # type: ignore[union-attr]

    response = clients[who].post(
        f"{API}/inspections/{visit.ref}/findings",
        {"checklist_item": check, "description": "无证上岗", "severity": "major"},
        content_type="application/json",
    )

    assert response.status_code == status
    assert Finding.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("citizen", 403), ("inspector", 403), ("supervisor", 200)],
)
def test_fixing_a_plan_needs_its_departments_supervisor(
    world: factories.World, divisions: dict[str, Division], who: str, status: int
) -> None:
    supervisor = verified_client(world["supervisor"])
    ref = supervisor.post(f"{API}/plans", _body(), content_type="application/json").json()["ref"]
    clients = {
        "anonymous": Client(),
        "citizen": _signed_in(citizen(divisions["community"])),
        "inspector": verified_client(world["inspectors"][0].user),
        "supervisor": supervisor,
    }

    response = clients[who].post(f"{API}/plans/{ref}/fix")

    assert response.status_code == status
    fixed = Plan.objects.get(ref=ref).status == PlanStatus.FIXED
    assert fixed == (status == 200)


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_supervisor_drafts_a_plan_on_the_page_and_is_told_what_is_wrong(
    world: factories.World,
) -> None:
    supervisor = verified_client(world["supervisor"])
    values = factories.plan_input()
    form = {
        "action": "draft",
        "title": values.title,
        "items": [factories.FOOD_ITEM],
        "departments": [factories.MARKET],
        "industry_codes": "H62",
        "division_codes": "330106",
        "licence_types": "food_business",
        "sample_size": "0",
        "inspectors_per_department": "2",
        "period_start": values.period_start.isoformat(),
        "period_end": values.period_end.isoformat(),
    }

    refused = supervisor.post("/supervision/work/", form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "抽取数量至少为 1。" in refused.content.decode()
    assert not Plan.objects.exists()
    supervisor.post("/supervision/work/", {**form, "sample_size": "3"})

    plan = Plan.objects.get()
    assert plan.industry_codes == ["H62"]
    assert plan.status == PlanStatus.DRAFT


def test_rectification_and_a_penalty_are_decided_on_the_inspection_page(
    world: factories.World,
) -> None:
    from onewindow.supervision import inspections
    from onewindow.supervision.models import Penalty, RectificationOrder

    factories.credit_platform_ready(world)
    plan = factories.drawn_plan(world)
    visit = Inspection.objects.filter(plan=plan).order_by("position").first()
    assert visit is not None
    user = visit.inspectors.first().user  # type: ignore[union-attr]
    checks = list(visit.items.first().checklist.values_list("pk", flat=True))  # type: ignore[union-attr]
    inspections.record_checks(user, visit, dict.fromkeys(checks, "passed"))
    finding = inspections.record_finding(
        user, visit, checklist_item=checks[0], description="许可证过期", severity="serious"
    )
    inspections.complete_inspection(user, visit, mode="remote", signed=False, refusal_note="拒签")
    url = f"/supervision/inspections/{visit.ref}/"

    verified_client(user).post(
        url, {"action": "order", "finding": str(finding.pk), "working_days": "15"}
    )
    supervisor = verified_client(world["supervisor"])
    refused = supervisor.post(
        url,
        {
            "action": "penalty",
            "findings": [str(finding.pk)],
            "decision_number": "杭市监罚〔2026〕9号",
            "violation": "许可证过期仍经营",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十二条",
            "fine_yuan": "3000",
            "decided_on": "2099-01-01",
            "publicity_category": "general",
        },
    )
    assert "A decision cannot be dated in the future." in refused.content.decode()
    supervisor.post(
        url,
        {
            "action": "penalty",
            "findings": [str(finding.pk)],
            "decision_number": "杭市监罚〔2026〕9号",
            "violation": "许可证过期仍经营",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十二条",
            "fine_yuan": "3000",
            "decided_on": factories.today().isoformat(),
            "publicity_category": "general",
        },
    )

    order = RectificationOrder.objects.get()
    assert order.finding == finding
    assert order.reinspection is not None
    penalty = Penalty.objects.get()
    assert penalty.fine_fen == 300_000
    assert "杭市监罚〔2026〕9号" in supervisor.get(url).content.decode()


def test_a_case_is_linked_on_the_page_and_a_supervisor_opens_an_inspection_from_it(
    world: factories.World,
) -> None:
    from onewindow.identity.models import Role
    from onewindow.supervision.models import CaseLink
    from tests.grievances import factories as hotline

    agent_user = hotline.officer(
        world["departments"]["330100-hotline"], Role.HOTLINE_AGENT, username="hotline-agent"
    )
    case = hotline.call(world["divisions"]["street"], agent=agent_user)
    business = world["businesses"][0]
    agent = verified_client(agent_user)

    unknown = agent.post(
        "/supervision/cases/", {"action": "link", "case_ref": case.ref, "credit_code": "X"}
    )
    assert "No business has this credit code." in unknown.content.decode()
    agent.post(
        "/supervision/cases/",
        {"action": "link", "case_ref": case.ref, "credit_code": business.credit_code},
    )
    link = CaseLink.objects.get()
    supervisor = verified_client(world["supervisor"])
    supervisor.post(
        "/supervision/cases/",
        {
            "action": "open",
            "link": str(link.pk),
            "items": [factories.FOOD_ITEM],
            "inspectors": [i.certificate_number for i in world["inspectors"][:2]],
        },
    )

    link.refresh_from_db()
    assert link.inspection is not None
    assert link.inspection.source_case_ref == case.ref
    assert link.inspection.ref in supervisor.get("/supervision/cases/").content.decode()


def _item_body(code: str = "SC-HYG-02") -> dict[str, Any]:
    return {
        "code": code,
        "name_zh": "游泳场所卫生检查",
        "name_en": "Hygiene of swimming pools",
        "legal_basis": "《公共场所卫生管理条例》第三条",
        "subject_type": "business",
        "checks": [{"zh": "水质检测合格", "en": "Water quality tested"}],
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("citizen", 403), ("inspector", 403), ("supervisor", 201)],
)
def test_defining_an_item_needs_a_supervisor(
    world: factories.World, divisions: dict[str, Division], who: str, status: int
) -> None:
    clients = {
        "anonymous": Client(),
        "citizen": _signed_in(citizen(divisions["community"])),
        "inspector": verified_client(world["inspectors"][0].user),
        "supervisor": verified_client(world["supervisor"]),
    }

    response = clients[who].post(f"{API}/items", _item_body(), content_type="application/json")

    assert response.status_code == status
    listed = {item["code"]: item for item in Client().get(f"{API}/items").json()}
    assert ("SC-HYG-02" in listed) == (status == 201)
    if status == 201:
        assert listed["SC-HYG-02"]["checks"] == [
            {"zh": "水质检测合格", "en": "Water quality tested"}
        ]


def test_an_item_is_refused_naming_the_field_and_another_departments_code_is_not_taken(
    world: factories.World,
) -> None:
    supervisor = verified_client(world["supervisor"])
    health = verified_client(User.objects.get(username="hsup"))

    no_checks = supervisor.post(
        f"{API}/items", {**_item_body(), "checks": []}, content_type="application/json"
    )
    long_code = supervisor.post(
        f"{API}/items", _item_body("X" * 41), content_type="application/json"
    )
    taken = health.post(
        f"{API}/items", _item_body(factories.FOOD_ITEM), content_type="application/json"
    )

    assert no_checks.status_code == 400
    assert no_checks.json()["errors"][0]["field"] == "checks"
    assert long_code.status_code == 400
    assert long_code.json()["errors"][0]["field"] == "code"
    assert taken.status_code == 409
    kept = SupervisionItem.objects.get(code=factories.FOOD_ITEM)
    assert kept.department == world["item"].department


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("citizen", 403), ("supervisor", 403), ("inspector", 201)],
)
def test_an_inspector_declares_a_relation_and_is_kept_from_that_business(
    world: factories.World, divisions: dict[str, Division], who: str, status: int
) -> None:
    inspector = world["inspectors"][0]
    business = world["businesses"][0]
    clients = {
        "anonymous": Client(),
        "citizen": _signed_in(citizen(divisions["community"])),
        "supervisor": verified_client(world["supervisor"]),
        "inspector": verified_client(inspector.user),
    }

    response = clients[who].post(
        f"{API}/relations",
        {"credit_code": business.credit_code, "relation": "配偶的企业"},
        content_type="application/json",
    )

    assert response.status_code == status
    declared = inspector.relations.filter(business=business).exists()
    assert declared == (status == 201)
