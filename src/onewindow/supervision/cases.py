"""Complaints and hotline cases about a business: an officer links a case to the business it
concerns (the case stays in grievances); linked cases raise the business's risk grade
(`risk.py`) and an inspection can be opened from one.

grievances is a peer on layer 4: we read a case only through its selector that checks the
officer may see it (an ignore line in pyproject.toml says so)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import Conflict, DomainError, NotFound
from onewindow.grievances.selectors import access_case_for_officer
from onewindow.identity.models import Business, User
from onewindow.ledger import services as ledger
from onewindow.supervision.models import (
    CaseLink,
    DeclaredRelation,
    Inspection,
    InspectionKind,
    Inspector,
    SupervisionItem,
)
from onewindow.supervision.services import has_role, next_ref, refuse, require_supervisor


@transaction.atomic
def link_case(officer: User, case_ref: str, business: Business) -> CaseLink:
    """Record that a case the officer may see is about `business`. Raises NotFound (no such
    case for this officer), Conflict (already linked)."""
    case = access_case_for_officer(officer, case_ref.strip())
    if CaseLink.objects.filter(business=business, case_ref=case.ref).exists():
        raise refuse(Conflict(_("This case is already linked to the business."), code="linked"))
    return CaseLink.objects.create(
        business=business, case_ref=case.ref, received_at=case.received_at, linked_by=officer
    )


@transaction.atomic
def open_inspection_from_case(
    supervisor: User, link: CaseLink, *, item_codes: list[str], certificate_numbers: list[str]
) -> Inspection:
    """An inspection of the business a case is about, by inspectors the supervisor names.
    Raises DomainError `inspector_conflict` on `inspectors` for an inspector who declared a
    relation with the business or who inspected it last time, and on `items`."""
    department = require_supervisor(supervisor)
    if link.inspection_id is not None:
        raise refuse(Conflict(_("An inspection was already opened from this case."), code="opened"))
    items = list(SupervisionItem.objects.filter(code__in=item_codes, department=department))
    if not items or len(items) != len(set(item_codes)):
        raise refuse(DomainError(_("Choose items your department inspects."), field="items"))
    inspectors = list(
        Inspector.objects.filter(
            certificate_number__in=certificate_numbers, department=department, is_active=True
        )
    )
    if len(inspectors) < 2 or len(inspectors) != len(set(certificate_numbers)):
        raise refuse(
            DomainError(_("Name at least two inspectors of your department."), field="inspectors")
        )
    for inspector in inspectors:
        related = DeclaredRelation.objects.filter(inspector=inspector, business=link.business)
        last = (
            Inspection.objects.filter(inspectors=inspector).order_by("-created_at", "-pk").first()
        )
        if related.exists() or (last is not None and last.business_id == link.business_id):
            raise refuse(
                DomainError(
                    _("Inspector %(number)s has a conflict with this business."),
                    code="inspector_conflict",
                    field="inspectors",
                    params={"number": inspector.certificate_number},
                )
            )
    inspection = Inspection.objects.create(
        ref=next_ref(f"AJ{department.division.code[:6]}-{timezone.localdate():%Y}"),
        kind=InspectionKind.CASE,
        business=link.business,
        source_case_ref=link.case_ref,
    )
    inspection.departments.set([department])
    inspection.items.set(items)
    inspection.inspectors.set(inspectors)
    link.inspection = inspection
    link.save(update_fields=["inspection"])
    ledger.record(
        "supervision.case_inspection_opened",
        subject_ref=f"inspection:{inspection.ref}",
        actor_role="supervisor",
        department=department.code,
        payload={"inspection": inspection.ref, "case": link.case_ref},
    )
    return inspection


def access_link(officer: User, pk: int) -> CaseLink:
    """A link the officer made, or any link for a supervisor (who opens inspections from
    them); NotFound otherwise."""
    link = CaseLink.objects.select_related("business").filter(pk=pk).first()
    if link is None or not (link.linked_by_id == officer.pk or has_role(officer, "supervisor")):
        raise refuse(NotFound(_("No linked case has this number."), field="link"))
    return link


def links_for(officer: User) -> QuerySet[CaseLink]:
    if has_role(officer, "supervisor"):
        return CaseLink.objects.select_related("business", "inspection").order_by("-linked_at")
    return CaseLink.objects.filter(linked_by=officer).select_related("business", "inspection")
