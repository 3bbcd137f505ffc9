"""Reads shared by pages and the API: public plans, draws and results; an inspector's work."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Context "supervision" where another app translates the same English differently: Django
# merges all catalogues, so the plain msgid would show whichever won.
from django.utils.translation import pgettext_lazy

from onewindow.core.errors import NotFound
from onewindow.exchange.credit.selectors import PublicSection
from onewindow.identity.models import Business, OfficerRole, Role, User
from onewindow.supervision.models import (
    Inspection,
    InspectionStatus,
    Inspector,
    Plan,
    PlanStatus,
    SupervisionItem,
)


def public_plans() -> QuerySet[Plan]:
    """Fixed and drawn plans: their documents are public."""
    return Plan.objects.exclude(status=PlanStatus.DRAFT).select_related("department", "draw")


def public_plan(ref: str) -> Plan:
    plan = public_plans().filter(ref=ref).first()
    if plan is None:
        raise NotFound(_("No published plan has this number."), field="ref")
    return plan


def published_results(plan: Plan) -> QuerySet[Inspection]:
    return (
        plan.inspections.filter(status=InspectionStatus.PUBLISHED)
        .select_related("business")
        .prefetch_related("findings__checklist_item", "penalties")
        .order_by("position", "ref")
    )


def items() -> QuerySet[SupervisionItem]:
    return SupervisionItem.objects.select_related("department").prefetch_related("checklist")


def is_supervisor(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_officer
        and OfficerRole.objects.filter(user=user, role=Role.SUPERVISOR).exists()
    )


def plans_of(user: User) -> QuerySet[Plan]:
    """The plans of a supervisor's department, drafts included."""
    if not is_supervisor(user) or user.department_id is None:
        return Plan.objects.none()
    return Plan.objects.filter(department_id=user.department_id)


def access_plan(user: User, ref: str) -> Plan:
    plan = plans_of(user).filter(ref=ref).first()
    if plan is None:
        raise NotFound(_("No plan of your department has this number."), field="ref")
    return plan


def inspections_for(user: User) -> QuerySet[Inspection]:
    """An inspector's own inspections, and every inspection of a supervisor's department."""
    if not user.is_authenticated or not user.is_officer:
        return Inspection.objects.none()
    found = Inspection.objects.filter(inspectors__user=user)
    if is_supervisor(user) and user.department_id is not None:
        found = found | Inspection.objects.filter(departments=user.department_id)
    return found.distinct().select_related("business__division", "plan")


def overdue_results(user: User) -> QuerySet[Inspection]:
    """A supervisor's department's completed inspections whose result is past its due date."""
    if not is_supervisor(user) or user.department_id is None:
        return Inspection.objects.none()
    return (
        Inspection.objects.filter(
            departments=user.department_id,
            status=InspectionStatus.COMPLETED,
            publish_due__lt=timezone.now(),
        )
        .select_related("business")
        .order_by("publish_due")
    )


def own_inspector(user: User) -> Inspector:
    """The signed-in officer's inspector record."""
    inspector = Inspector.objects.filter(user_id=user.pk, is_active=True).first()
    if inspector is None:
        raise NotFound(_("You are not an inspector."), field="inspector")
    return inspector


def access_inspection(user: User, ref: str) -> Inspection:
    inspection = inspections_for(user).filter(ref=ref).first()
    if inspection is None:
        raise NotFound(_("No inspection of yours has this number."), field="ref")
    return inspection


def business_by_credit_code(credit_code: str) -> Business:
    """A registered business (its credit code and name are public); NotFound otherwise."""
    business = Business.objects.filter(credit_code=credit_code.strip().upper()).first()
    if business is None:
        raise NotFound(_("No business has this credit code."), field="credit_code")
    return business


def inspectors_of(department_id: int | None) -> QuerySet[Inspector]:
    if department_id is None:
        return Inspector.objects.none()
    return Inspector.objects.filter(department_id=department_id, is_active=True).select_related(
        "user"
    )


def inspections_section(credit_code: str) -> PublicSection | None:
    """Published inspection results of the business, for its public credit profile."""
    rows: list[tuple[str, tuple[str, ...]]] = [
        (
            f"/supervision/plans/{inspection.plan.ref}/" if inspection.plan else "",
            (
                inspection.ref,
                inspection.published_at.date().isoformat() if inspection.published_at else "",
                str(inspection.findings.count()),
            ),
        )
        for inspection in Inspection.objects.filter(
            business__credit_code=credit_code, status=InspectionStatus.PUBLISHED
        ).select_related("plan")
    ]
    return PublicSection(
        key="inspections",
        title=_("Inspection results"),
        columns=(_("Inspection"), pgettext_lazy("supervision", "Published"), _("Findings")),
        rows=rows,
    )
