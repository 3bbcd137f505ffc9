"""Supervision over /api/v1/supervision: anyone reads fixed plans, their population, draw and
published results (what `onewindow-redraw` needs); supervisors draft, fix and draw plans and
decide penalties; inspectors record findings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.security import django_auth
from pydantic import Field

from onewindow.core.errors import NotFound, documented_problems
from onewindow.identity.decorators import verified_officer
from onewindow.identity.models import Role
from onewindow.supervision import cases, inspections, selectors, services
from onewindow.supervision.models import CaseLink, Plan, SupervisionItem

router = Router(tags=["supervision"])


class PlanSummaryOut(Schema):
    ref: str
    title: str
    department: str
    status: str
    sample_size: int
    period_start: date
    period_end: date


class ResultOut(Schema):
    inspection: str
    credit_code: str
    business: str
    published_at: datetime | None
    findings: int
    penalties: list[str]


class PlanOut(PlanSummaryOut):
    plan_sha256: str
    population_sha256: str
    plan_ledger_index: int | None
    document: dict[str, Any]
    draw: dict[str, Any] | None
    checkpoint_note: str | None
    results: list[ResultOut]


class PopulationRowOut(Schema):
    credit_code: str
    division: str
    grade: str


class PlanIn(Schema):
    title: str
    item_codes: list[str]
    department_codes: list[str]
    industry_codes: list[str] = []
    division_codes: list[str] = []
    licence_types: list[str] = []
    sample_size: int
    period_start: date
    period_end: date
    inspectors_per_department: int = 2


class FindingIn(Schema):
    checklist_item: int | None = None
    description: str
    severity: str


class FindingOut(Schema):
    id: int
    inspection: str
    checklist_item: int
    severity: str


class PenaltyIn(Schema):
    finding_ids: list[int]
    decision_number: str
    violation: str
    legal_basis: str
    fine_fen: int = 0
    decided_on: date
    publicity_category: str = "general"


class CheckIn(Schema):
    zh: str
    en: str


class ItemIn(Schema):
    code: str
    name_zh: str
    name_en: str
    legal_basis: str
    subject_type: str = "business"
    checks: list[CheckIn]


class ItemOut(Schema):
    code: str
    department: str
    name_zh: str
    name_en: str
    legal_basis: str
    subject_type: str
    checks: list[CheckIn]


class RelationIn(Schema):
    credit_code: str
    relation: str


class RelationOut(Schema):
    inspector: str
    credit_code: str
    relation: str


class PenaltyOut(Schema):
    decision_number: str
    inspection: str
    decided_on: date
    fine_fen: int


def _summary(plan: Plan) -> dict[str, Any]:
    return {
        "ref": plan.ref,
        "title": plan.title,
        "department": plan.department.code,
        "status": plan.status,
        "sample_size": plan.sample_size,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
    }


def _plan(plan: Plan) -> dict[str, Any]:
    draw = getattr(plan, "draw", None)
    return {
        **_summary(plan),
        "plan_sha256": plan.plan_sha256,
        "population_sha256": plan.population_sha256,
        "plan_ledger_index": plan.fixed_ledger_index,
        "document": plan.document,
        "draw": draw.document if draw else None,
        "checkpoint_note": draw.checkpoint_note if draw else None,
        "results": [
            {
                "inspection": inspection.ref,
                "credit_code": inspection.business.credit_code,
                "business": inspection.business.name,
                "published_at": inspection.published_at,
                "findings": len(inspection.findings.all()),
                "penalties": [p.decision_number for p in inspection.penalties.all()],
            }
            for inspection in selectors.published_results(plan)
        ],
    }


@router.get(
    "/supervision/plans",
    response=list[PlanSummaryOut],
    auth=None,
    summary="Fixed random inspection plans",
)
def plans(
    request: HttpRequest, limit: Annotated[int, Field(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    """The latest `limit` plans (1–200); another limit is a problem+json 422."""
    return [_summary(plan) for plan in selectors.public_plans()[:limit]]


@router.get(
    "/supervision/plans/{ref}",
    response=PlanOut,
    auth=None,
    summary="A fixed plan: its public document, its draw and the published results",
)
def plan(request: HttpRequest, ref: str) -> dict[str, Any]:
    """With the population (below) and `checkpoint_note`, what `onewindow-redraw` needs to
    recompute `draw`. A draft or unknown plan is a problem+json 404."""
    return _plan(selectors.public_plan(ref))


@router.get(
    "/supervision/plans/{ref}/population",
    response=list[PopulationRowOut],
    auth=None,
    summary="The frozen population of a fixed plan, with each business's risk grade",
)
def population(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    return list(selectors.public_plan(ref).population)


@router.post(
    "/supervision/plans",
    response={201: PlanSummaryOut},
    auth=django_auth,
    summary="Draft a random inspection plan",
    openapi_extra=documented_problems(400),
)
def draft(request: HttpRequest, payload: PlanIn) -> Status[dict[str, Any]]:
    supervisor = verified_officer(request, Role.SUPERVISOR)
    created = services.draft_plan(supervisor, services.PlanInput(**payload.dict()))
    return Status(201, _summary(created))


@router.post(
    "/supervision/plans/{ref}/fix",
    response=PlanOut,
    auth=django_auth,
    summary="Fix a plan: freeze it and its population, digests to the ledger",
    openapi_extra=documented_problems(400, 409),
)
def fix(request: HttpRequest, ref: str) -> dict[str, Any]:
    supervisor = verified_officer(request, Role.SUPERVISOR)
    return _plan(services.fix_plan(supervisor, selectors.access_plan(supervisor, ref)))


@router.post(
    "/supervision/plans/{ref}/draw",
    response=PlanOut,
    auth=django_auth,
    summary="Draw a fixed plan's targets and inspectors",
    openapi_extra=documented_problems(400, 409),
)
def draw(request: HttpRequest, ref: str) -> dict[str, Any]:
    supervisor = verified_officer(request, Role.SUPERVISOR)
    found = selectors.access_plan(supervisor, ref)
    services.draw_plan(supervisor, found)
    return _plan(Plan.objects.select_related("department", "draw").get(pk=found.pk))


@router.post(
    "/supervision/inspections/{ref}/findings",
    response={201: FindingOut},
    auth=django_auth,
    summary="Record a finding on a check of the inspection's checklist",
    openapi_extra=documented_problems(400, 409),
)
def finding(request: HttpRequest, ref: str, payload: FindingIn) -> Status[dict[str, Any]]:
    inspector = verified_officer(request, Role.INSPECTOR)
    inspection = selectors.access_inspection(inspector, ref)
    recorded = inspections.record_finding(
        inspector,
        inspection,
        checklist_item=payload.checklist_item,
        description=payload.description,
        severity=payload.severity,
    )
    return Status(
        201,
        {
            "id": recorded.pk,
            "inspection": inspection.ref,
            "checklist_item": recorded.checklist_item_id,
            "severity": recorded.severity,
        },
    )


@router.post(
    "/supervision/inspections/{ref}/penalties",
    response={201: PenaltyOut},
    auth=django_auth,
    summary="Decide an administrative penalty on findings; it reaches the credit profile",
    openapi_extra=documented_problems(400, 409),
)
def penalty(request: HttpRequest, ref: str, payload: PenaltyIn) -> Status[dict[str, Any]]:
    supervisor = verified_officer(request, Role.SUPERVISOR)
    inspection = selectors.access_inspection(supervisor, ref)
    decided = inspections.decide_penalty(supervisor, inspection, **payload.dict())
    return Status(
        201,
        {
            "decision_number": decided.decision_number,
            "inspection": inspection.ref,
            "decided_on": decided.decided_on,
            "fine_fen": decided.fine_fen,
        },
    )


class RectificationOrderIn(Schema):
    working_days: int


class RectificationOrderOut(Schema):
    ref: str
    due: datetime
    status: str
    reinspection: str


class CaseLinkIn(Schema):
    case_ref: str
    credit_code: str


class CaseLinkOut(Schema):
    id: int
    case_ref: str
    credit_code: str
    inspection: str | None


class CaseInspectionIn(Schema):
    item_codes: list[str]
    certificate_numbers: list[str]


@router.post(
    "/supervision/inspections/{ref}/findings/{finding_id}/rectification",
    response={201: RectificationOrderOut},
    auth=django_auth,
    summary="Order the business to rectify a finding by a deadline; schedules the re-inspection",
    openapi_extra=documented_problems(400, 409),
)
def rectification(
    request: HttpRequest, ref: str, finding_id: int, payload: RectificationOrderIn
) -> Status[dict[str, Any]]:
    inspector = verified_officer(request, Role.INSPECTOR)
    inspection = selectors.access_inspection(inspector, ref)
    finding = inspection.findings.filter(pk=finding_id).first()
    if finding is None:
        raise NotFound(_("No finding of this inspection has this number."), field="finding_id")
    order = inspections.order_rectification(inspector, finding, working_days=payload.working_days)
    assert order.reinspection is not None
    return Status(
        201,
        {
            "ref": order.ref,
            "due": order.due,
            "status": order.status,
            "reinspection": order.reinspection.ref,
        },
    )


def _link(link: CaseLink) -> dict[str, Any]:
    return {
        "id": link.pk,
        "case_ref": link.case_ref,
        "credit_code": link.business.credit_code,
        "inspection": link.inspection.ref if link.inspection else None,
    }


@router.post(
    "/supervision/case-links",
    response={201: CaseLinkOut},
    auth=django_auth,
    summary="Link a hotline case the officer may see to the business it is about",
    openapi_extra=documented_problems(400, 409),
)
def link_case(request: HttpRequest, payload: CaseLinkIn) -> Status[dict[str, Any]]:
    officer = verified_officer(request)
    business = selectors.business_by_credit_code(payload.credit_code)
    return Status(201, _link(cases.link_case(officer, payload.case_ref, business)))


@router.post(
    "/supervision/case-links/{link_id}/inspections",
    response={201: CaseLinkOut},
    auth=django_auth,
    summary="Open an inspection of the business a linked case is about",
    openapi_extra=documented_problems(400, 409),
)
def open_from_case(
    request: HttpRequest, link_id: int, payload: CaseInspectionIn
) -> Status[dict[str, Any]]:
    supervisor = verified_officer(request, Role.SUPERVISOR)
    link = cases.access_link(supervisor, link_id)
    cases.open_inspection_from_case(
        supervisor,
        link,
        item_codes=payload.item_codes,
        certificate_numbers=payload.certificate_numbers,
    )
    return Status(201, _link(link))


def _item(item: SupervisionItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "department": item.department.code,
        "name_zh": item.name_zh,
        "name_en": item.name_en,
        "legal_basis": item.legal_basis,
        "subject_type": item.subject_type,
        "checks": [{"zh": c.text_zh, "en": c.text_en} for c in item.checklist.all()],
    }


@router.get(
    "/supervision/items",
    response=list[ItemOut],
    auth=None,
    summary="What departments inspect: items, legal basis, subject type and checklist",
)
def item_list(
    request: HttpRequest, limit: Annotated[int, Field(ge=1, le=500)] = 200
) -> list[dict[str, Any]]:
    """The first `limit` items by code (1–500); another limit is a problem+json 422."""
    return [_item(item) for item in selectors.items()[:limit]]


@router.post(
    "/supervision/items",
    response={201: ItemOut},
    auth=django_auth,
    summary="Define (or redefine) an item the supervisor's department inspects",
    openapi_extra=documented_problems(400, 409),
)
def define_item(request: HttpRequest, payload: ItemIn) -> Status[dict[str, Any]]:
    supervisor = verified_officer(request, Role.SUPERVISOR)
    item = services.define_item(
        supervisor,
        code=payload.code,
        name_zh=payload.name_zh,
        name_en=payload.name_en,
        legal_basis=payload.legal_basis,
        subject_type=payload.subject_type,
        checks=[(check.zh, check.en) for check in payload.checks],
    )
    return Status(201, _item(selectors.items().get(pk=item.pk)))


@router.post(
    "/supervision/relations",
    response={201: RelationOut},
    auth=django_auth,
    summary="The signed-in inspector declares a relation with a business (a conflict)",
    openapi_extra=documented_problems(400, 404),
)
def declare_relation(request: HttpRequest, payload: RelationIn) -> Status[dict[str, Any]]:
    inspector = selectors.own_inspector(verified_officer(request, Role.INSPECTOR))
    business = selectors.business_by_credit_code(payload.credit_code)
    services.declare_relation(inspector, business, relation=payload.relation)
    return Status(
        201,
        {
            "inspector": inspector.certificate_number,
            "credit_code": business.credit_code,
            "relation": payload.relation.strip(),
        },
    )
