"""Supervision items and random inspection plans: draft, fix, draw ("double random, one
public"). Inspections and their consequences are in `inspections.py`; complaints in `cases.py`.

Every refusal is a DomainError naming the field and the rule, and is logged."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.identity.models import Business, Department, OfficerRole, Role, User
from onewindow.ledger import selectors as ledger_selectors
from onewindow.ledger import services as ledger
from onewindow.supervision import redraw, risk
from onewindow.supervision.models import (
    ChecklistItem,
    DeclaredRelation,
    Draw,
    Inspection,
    InspectionKind,
    Inspector,
    Plan,
    PlanStatus,
    RefCounter,
    SubjectLicence,
    SubjectProfile,
    SubjectType,
    SupervisionItem,
)

log = logging.getLogger("onewindow.supervision")

INDUSTRY_CODE = re.compile(r"[A-T](?:[0-9]{2}){0,2}")
DIVISION_CODE = re.compile(r"[0-9]{2,12}")
MAX_FILTERS = 50


def refuse(error: DomainError) -> DomainError:
    """Log a refusal (the brief asks that bad input be logged) and hand it back to raise."""
    log.warning("supervision refused: %s (%s, field %s)", error, error.code, error.field)
    return error


def has_role(user: User, role: str) -> bool:
    return (
        user.is_authenticated
        and user.is_officer
        and OfficerRole.objects.filter(user=user, role=role).exists()
    )


def require_supervisor(user: User) -> Department:
    if not has_role(user, Role.SUPERVISOR) or user.department is None:
        raise refuse(PermissionDenied(_("Only a supervisor of a department may do this.")))
    return user.department


def next_ref(prefix: str) -> str:
    """The next number under `prefix` (the row stays locked to the end of the transaction)."""
    counter, _created = RefCounter.objects.select_for_update().get_or_create(prefix=prefix)
    RefCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{prefix}-{counter.last:04d}"


# ----- items ---------------------------------------------------------------------------------


@transaction.atomic
def define_item(
    supervisor: User,
    *,
    code: str,
    name_zh: str,
    name_en: str,
    legal_basis: str,
    subject_type: str,
    checks: Sequence[tuple[str, str]],
) -> SupervisionItem:
    """A department lists something it inspects, with its checklist ((zh, en) per check).
    Raises PermissionDenied (not a supervisor), DomainError (no checklist, no legal basis)."""
    department = require_supervisor(supervisor)
    code = code.strip()
    for field, value, longest in (
        ("code", code, 40),
        ("name_zh", name_zh.strip(), 120),
        ("name_en", name_en.strip(), 160),
        ("legal_basis", legal_basis.strip(), 300),
    ):
        if not value or len(value) > longest:
            raise refuse(
                DomainError(
                    _("Fill this in, in at most %(longest)s characters."),
                    code="invalid",
                    field=field,
                    params={"longest": longest},
                )
            )
    if subject_type not in SubjectType.values:
        raise refuse(DomainError(_("Choose a subject type."), field="subject_type"))
    if not 1 <= len(checks) <= MAX_FILTERS:
        raise refuse(
            DomainError(_("An item needs 1 to 50 checks."), code="required", field="checks")
        )
    if any(not zh.strip() or not en.strip() or len(zh) > 200 or len(en) > 250 for zh, en in checks):
        raise refuse(
            DomainError(
                _("Each check needs its Chinese (at most 200) and English (at most 250) text."),
                field="checks",
            )
        )
    if SupervisionItem.objects.filter(code=code).exclude(department=department).exists():
        raise refuse(
            Conflict(_("Another department lists an item with this code."), code="code_taken")
        )
    item, _created = SupervisionItem.objects.update_or_create(
        code=code.strip(),
        defaults={
            "department": department,
            "name_zh": name_zh,
            "name_en": name_en,
            "legal_basis": legal_basis.strip(),
            "subject_type": subject_type,
        },
    )
    item.checklist.all().delete()
    ChecklistItem.objects.bulk_create(
        ChecklistItem(item=item, position=position, text_zh=zh, text_en=en)
        for position, (zh, en) in enumerate(checks, start=1)
    )
    return item


@transaction.atomic
def register_subject(business: Business, *, industry_code: str, licence_types: list[str]) -> None:
    """Put a business in the supervision register (the demo and the tests; in production the
    register is filled from market supervision's registration data)."""
    subject, _created = SubjectProfile.objects.update_or_create(
        business=business, defaults={"industry_code": industry_code}
    )
    subject.licences.all().delete()
    SubjectLicence.objects.bulk_create(
        SubjectLicence(subject=subject, licence_type=licence_type)
        for licence_type in sorted(set(licence_types))
    )


def appoint_inspector(user: User, *, certificate_number: str) -> Inspector:
    if user.department is None:
        raise refuse(DomainError(_("An inspector belongs to a department."), field="department"))
    inspector, _created = Inspector.objects.update_or_create(
        user=user,
        defaults={"certificate_number": certificate_number, "department": user.department},
    )
    return inspector


def declare_relation(inspector: Inspector, business: Business, *, relation: str) -> None:
    """An inspector declares an interest in a business; draws then never send them there.
    Raises DomainError (no relation named, or longer than 100 characters)."""
    if not relation.strip() or len(relation) > 100:
        raise refuse(
            DomainError(_("Say what the relation is, in at most 100 characters."), field="relation")
        )
    DeclaredRelation.objects.update_or_create(
        inspector=inspector, business=business, defaults={"relation": relation.strip()}
    )


# ----- plans ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanInput:
    title: str
    item_codes: list[str]
    department_codes: list[str]
    industry_codes: list[str]
    division_codes: list[str]
    licence_types: list[str]
    sample_size: int
    period_start: date
    period_end: date
    inspectors_per_department: int = 2


def plan_errors(values: PlanInput) -> list[tuple[str, str]]:
    """(field, message) for every rule the plan breaks; empty when it may be drafted."""
    found: list[tuple[str, str]] = []
    if not values.title.strip():
        found.append(("title", str(_("Give the plan a title."))))
    if not values.item_codes:
        found.append(("items", str(_("Choose at least one supervision item."))))
    if not values.department_codes:
        found.append(("departments", str(_("Name at least one department."))))
    if values.sample_size < 1:
        found.append(("sample_size", str(_("The sample size must be at least 1."))))
    if not 1 <= values.inspectors_per_department <= 5:
        found.append(
            (
                "inspectors_per_department",
                str(_("Between 1 and 5 inspectors per department go on a visit.")),
            )
        )
    if values.period_end < values.period_start:
        found.append(("period_end", str(_("The period must end on or after its start."))))
    for field, codes, pattern in (
        ("industry_codes", values.industry_codes, INDUSTRY_CODE),
        ("division_codes", values.division_codes, DIVISION_CODE),
    ):
        bad = [code for code in codes if not pattern.fullmatch(code)]
        if bad:
            found.append((field, str(_("Not a valid code: %(codes)s")) % {"codes": ", ".join(bad)}))
    for field, codes in (
        ("industry_codes", values.industry_codes),
        ("division_codes", values.division_codes),
        ("licence_types", values.licence_types),
    ):
        if len(codes) > MAX_FILTERS:
            found.append((field, str(_("At most 50 values."))))
    if any(not t.strip() or len(t) > 40 for t in values.licence_types):
        found.append(("licence_types", str(_("Licence types are 1 to 40 characters."))))
    return found


@transaction.atomic
def draft_plan(supervisor: User, values: PlanInput) -> Plan:
    """A supervisor drafts a plan for their department (and others, for a joint inspection).
    Raises DomainError on the first broken rule (see `plan_errors`), PermissionDenied."""
    department = require_supervisor(supervisor)
    errors = plan_errors(values)
    if errors:
        field, message = errors[0]
        raise refuse(DomainError(message, code="invalid_plan", field=field))
    departments = list(Department.objects.filter(code__in=values.department_codes))
    if len(departments) != len(set(values.department_codes)):
        raise refuse(DomainError(_("Unknown department."), code="unknown", field="departments"))
    if department not in departments:
        raise refuse(
            DomainError(_("Your own department must take part in its plan."), field="departments")
        )
    items = list(SupervisionItem.objects.filter(code__in=values.item_codes))
    if len(items) != len(set(values.item_codes)):
        raise refuse(DomainError(_("Unknown supervision item."), code="unknown", field="items"))
    if any(item.department not in departments for item in items):
        raise refuse(
            DomainError(_("Every item must belong to a department of the plan."), field="items")
        )
    plan = Plan.objects.create(
        ref=next_ref(f"SJ{department.division.code[:6]}-{timezone.localdate():%Y}"),
        title=values.title.strip(),
        department=department,
        industry_codes=sorted(set(values.industry_codes)),
        division_codes=sorted(set(values.division_codes)),
        licence_types=sorted(set(values.licence_types)),
        sample_size=values.sample_size,
        inspectors_per_department=values.inspectors_per_department,
        period_start=values.period_start,
        period_end=values.period_end,
        created_by=supervisor,
    )
    plan.departments.set(departments)
    plan.items.set(items)
    return plan


def population_of(plan: Plan) -> QuerySet[SubjectProfile]:
    """The register's businesses the plan's filters select."""
    subjects = SubjectProfile.objects.select_related("business__division")
    if plan.industry_codes:
        by_industry = Q()
        for code in plan.industry_codes:
            by_industry |= Q(industry_code__startswith=code)
        subjects = subjects.filter(by_industry)
    if plan.division_codes:
        by_division = Q()
        for code in plan.division_codes:
            by_division |= Q(business__division__code__startswith=code)
        subjects = subjects.filter(by_division)
    if plan.licence_types:
        holds_one = SubjectLicence.objects.filter(
            subject=OuterRef("pk"), licence_type__in=plan.licence_types
        )
        subjects = subjects.filter(Exists(holds_one))
    return subjects.order_by("business__credit_code")


def _inspector_pool(departments: Iterable[Department]) -> list[dict[str, Any]]:
    pool = []
    inspectors = (
        Inspector.objects.filter(department__in=list(departments), is_active=True)
        .select_related("user__division", "department")
        .prefetch_related("relations__business")
    )
    for inspector in inspectors:
        last = (
            Inspection.objects.filter(inspectors=inspector)
            .order_by("-created_at", "-pk")
            .select_related("business")
            .first()
        )
        pool.append(
            {
                "ref": inspector.certificate_number,
                "department": inspector.department.code,
                "residence": inspector.user.division.code if inspector.user.division else "",
                "related": sorted(r.business.credit_code for r in inspector.relations.all()),
                "last_target": last.business.credit_code if last is not None else "",
            }
        )
    return sorted(pool, key=lambda row: row["ref"])


def plan_document(plan: Plan, population: list[dict[str, Any]]) -> dict[str, Any]:
    departments = sorted(d.code for d in plan.departments.all())
    return {
        "algorithm": redraw.ALGORITHM,
        "ref": plan.ref,
        "title": plan.title,
        "department": plan.department.code,
        "departments": departments,
        "items": sorted(item.code for item in plan.items.all()),
        "filters": {
            "industry_codes": plan.industry_codes,
            "division_codes": plan.division_codes,
            "licence_types": plan.licence_types,
        },
        "sample_size": plan.sample_size,
        "inspectors_per_department": plan.inspectors_per_department,
        "period": {"start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()},
        "weights": dict(redraw.WEIGHTS),
        "grading": risk.GRADING_TEXT,
        "population_size": len(population),
        "population_sha256": redraw.population_digest(population),
        "inspectors": _inspector_pool(plan.departments.all()),
    }


def _locked_plan(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().select_related("department__division").get(pk=plan.pk)


@transaction.atomic
def fix_plan(supervisor: User, plan: Plan) -> Plan:
    """Freeze the plan: its population (with each business's risk grade today), its
    inspector pool and the public plan document; their digests go to the ledger.

    Raises Conflict (already fixed), DomainError `population_empty` or
    `population_smaller_than_sample` on `sample_size`, PermissionDenied."""
    department = require_supervisor(supervisor)
    plan = _locked_plan(plan)
    if plan.department_id != department.pk:
        raise refuse(PermissionDenied(_("Only the plan's own department may fix it.")))
    if plan.status != PlanStatus.DRAFT:
        raise refuse(Conflict(_("This plan is already fixed."), code="plan_already_fixed"))
    subjects = list(population_of(plan))
    if not subjects:
        raise refuse(
            DomainError(
                _("No business matches the plan's filters: the population is empty."),
                code="population_empty",
                field="sample_size",
            )
        )
    if len(subjects) < plan.sample_size:
        raise refuse(
            DomainError(
                _("The population has %(count)s businesses, fewer than the sample of %(size)s."),
                code="population_smaller_than_sample",
                field="sample_size",
                params={"count": len(subjects), "size": plan.sample_size},
            )
        )
    grades = risk.grades([s.business for s in subjects])
    population = redraw.sorted_population(
        {
            "credit_code": s.business.credit_code,
            "division": s.business.division.code,
            "grade": grades[s.business.pk],
        }
        for s in subjects
    )
    document = plan_document(plan, population)
    plan.population = population
    plan.document = document
    plan.population_sha256 = document["population_sha256"]
    plan.plan_sha256 = redraw.digest(document)
    plan.status = PlanStatus.FIXED
    plan.fixed_at = timezone.now()
    receipt = ledger.record(
        "supervision.plan_fixed",
        subject_ref=f"plan:{plan.ref}",
        actor_role="supervisor",
        department=department.code,
        payload={
            "plan": plan.ref,
            "plan_sha256": plan.plan_sha256,
            "population_sha256": plan.population_sha256,
            "population_size": len(population),
        },
    )
    plan.fixed_ledger_index = receipt.index
    plan.save()
    return plan


def _checkpoint_after(index: int) -> Any:
    checkpoint = ledger_selectors.first_checkpoint_covering(index)
    if checkpoint is None:
        ledger.integrate_pending()
        checkpoint = ledger_selectors.first_checkpoint_covering(index)
    return checkpoint


def draw_plan(supervisor: User, plan: Plan) -> Draw:
    """Draw the plan's targets and inspectors, seeded by the first ledger checkpoint signed
    after the plan was fixed, and schedule one inspection per visit.

    Raises DomainError `plan_not_fixed` (a draft), Conflict `already_drawn`, DomainError
    `draw_impossible` (too few inspectors without a conflict), PermissionDenied."""
    department = require_supervisor(supervisor)
    if plan.status == PlanStatus.DRAFT or plan.fixed_ledger_index is None:
        raise refuse(
            DomainError(
                _("The plan must be fixed before its draw."), code="plan_not_fixed", field="plan"
            )
        )
    checkpoint = _checkpoint_after(plan.fixed_ledger_index)  # integrates in its own transaction
    with transaction.atomic():
        plan = _locked_plan(plan)
        if plan.department_id != department.pk:
            raise refuse(PermissionDenied(_("Only the plan's own department may draw it.")))
        if plan.status == PlanStatus.DRAWN:
            raise refuse(Conflict(_("This plan has been drawn already."), code="already_drawn"))
        if checkpoint is None:
            raise refuse(
                DomainError(
                    _("The ledger has not signed a checkpoint since the plan was fixed."),
                    code="no_checkpoint_yet",
                    field="plan",
                )
            )
        try:
            document = redraw.compute_draw(plan.document, plan.population, checkpoint.note)
        except redraw.DrawError as error:
            raise refuse(_draw_refusal(error)) from error
        document["plan_ledger_index"] = plan.fixed_ledger_index
        draw = Draw.objects.create(
            plan=plan,
            checkpoint_size=checkpoint.size,
            checkpoint_note=checkpoint.note,
            document=document,
        )
        _schedule_visits(plan, document["visits"])
        receipt = ledger.record(
            "supervision.draw",
            subject_ref=f"plan:{plan.ref}",
            actor_role="supervisor",
            department=department.code,
            payload={
                "plan": plan.ref,
                "draw_sha256": redraw.digest(document),
                "checkpoint_size": checkpoint.size,
                "visits": len(document["visits"]),
            },
        )
        draw.ledger_index = receipt.index
        draw.save(update_fields=["ledger_index"])
        plan.status = PlanStatus.DRAWN
        plan.save(update_fields=["status"])
    return draw


def _draw_refusal(error: redraw.DrawError) -> DomainError:
    if "visit" not in error.details:  # inputs that fixing the plan already checked
        return DomainError(
            _("The draw could not be made: %(reason)s"),
            code="draw_impossible",
            field="plan",
            params={"reason": str(error)},
        )
    return DomainError(
        _(
            "Visit %(visit)s: department %(department)s has %(eligible)s inspectors "
            "without a conflict, fewer than %(needed)s."
        ),
        code="draw_impossible",
        field="inspectors",
        params=error.details,
    )


def _schedule_visits(plan: Plan, visits: list[dict[str, Any]]) -> None:
    businesses = {
        b.credit_code: b
        for b in Business.objects.filter(credit_code__in=[v["credit_code"] for v in visits])
    }
    inspectors = {
        i.certificate_number: i
        for i in Inspector.objects.filter(
            certificate_number__in={ref for v in visits for ref in v["inspectors"]}
        )
    }
    departments = list(plan.departments.all())
    items = list(plan.items.all())
    for visit in visits:
        inspection = Inspection.objects.create(
            ref=f"{plan.ref}-{visit['position']:03d}",
            kind=InspectionKind.DRAWN,
            plan=plan,
            position=visit["position"],
            business=businesses[visit["credit_code"]],
        )
        inspection.departments.set(departments)
        inspection.items.set(items)
        inspection.inspectors.set([inspectors[ref] for ref in visit["inspectors"]])
