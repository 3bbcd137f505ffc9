"""Mediation of grassroots disputes (neighbours, labour, land, family) by the township.

A township office registers a dispute with its parties and assigns one of its mediators;
the mediator records sessions, then the outcome (an agreement, or none); an agreement is
followed up by a visit within twenty working days. Assignments and outcomes go to the ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.grievances import sla
from onewindow.grievances.intake import check_phone, normalise_phone
from onewindow.grievances.models import (
    CaseCounter,
    Dispute,
    DisputeKind,
    DisputeParty,
    DisputeStatus,
    FollowUpVisit,
    MediationSession,
    PartyRole,
)
from onewindow.identity.models import DepartmentKind, OfficerRole, Role, User
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.models import Event

MAX_TEXT = 4000


@dataclass(frozen=True)
class Party:
    role: str
    name: str
    phone: str = ""


def is_township_officer(user: User) -> bool:
    return bool(
        user.is_officer
        and user.department is not None
        and user.department.kind == DepartmentKind.TOWNSHIP_OFFICE
    )


def _require_office(user: User, dispute: Dispute | None = None) -> None:
    if not is_township_officer(user):
        raise PermissionDenied(_("Only a township office registers and assigns disputes."))
    if dispute is not None and dispute.office_id != user.department_id:
        raise NotFound(_("No dispute of your township has this number."))


def _require_mediator(user: User, dispute: Dispute) -> None:
    if dispute.mediator_id != user.pk:
        raise NotFound(_("No dispute assigned to you has this number."))


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > MAX_TEXT:
        raise DomainError(
            _("Keep it to %(max)d characters."), field=field, params={"max": MAX_TEXT}
        )
    return value


def _ref(office_code: str, now: datetime) -> str:
    prefix = f"M{office_code[:9]}-{timezone.localtime(now):%Y%m%d}"
    counter, _created = CaseCounter.objects.select_for_update().get_or_create(prefix=prefix)
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{prefix}-{counter.last:03d}"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@transaction.atomic
def register_dispute(
    officer: User, *, kind: str, summary: str, parties: list[Party], now: datetime | None = None
) -> Dispute:
    now = now or timezone.now()
    _require_office(officer)
    assert officer.department is not None
    if kind not in DisputeKind.values:
        raise DomainError(_("Choose the kind of dispute."), field="kind")
    summary = _text(summary, "summary")
    roles = {party.role for party in parties}
    if not {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles:
        raise DomainError(
            _("A dispute has at least one applicant and one respondent."), field="parties"
        )
    dispute = Dispute.objects.create(
        ref=_ref(officer.department.code, now),
        kind=kind,
        summary=summary,
        township=officer.department.division,
        office=officer.department,
        registered_by=officer,
        registered_at=now,
    )
    for party in parties:
        if party.role not in PartyRole.values or not party.name.strip():
            raise DomainError(_("Every party needs a role and a name."), field="parties")
        phone = normalise_phone(party.phone) if party.phone else ""
        if phone:
            check_phone(phone)
        row = DisputeParty(dispute=dispute, role=party.role)
        row.set_contact(name=party.name.strip()[:60], phone=phone)
        row.save()
    return dispute


@transaction.atomic
def assign_mediator(officer: User, dispute: Dispute, *, mediator: User) -> Dispute:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    _require_office(officer, dispute)
    if not (
        mediator.department_id == dispute.office_id
        and OfficerRole.objects.filter(user=mediator, role=Role.MEDIATOR).exists()
    ):
        raise DomainError(_("Choose a mediator of this township office."), field="mediator")
    if dispute.status not in (DisputeStatus.REGISTERED, DisputeStatus.IN_MEDIATION):
        raise Conflict(_("This dispute is already settled."), code="settled")
    dispute.mediator = mediator
    dispute.status = DisputeStatus.IN_MEDIATION
    dispute.save(update_fields=["mediator", "status"])
    ledger.record(
        "grievance.mediator_assigned",
        subject_ref=dispute.ref,
        actor_role="officer",
        department=dispute.office.code,
        payload={"ref": dispute.ref, "mediator": mediator.pk},
    )
    notify.send(
        mediator,
        Event.MEDIATION_ASSIGNED,
        context={"ref": dispute.ref, "kind": DisputeKind(dispute.kind).label},
        subject_ref=dispute.ref,
        link=f"/hotline/mediation/{dispute.ref}/",
    )
    return dispute


@transaction.atomic
def record_session(
    mediator: User, dispute: Dispute, *, held_at: datetime, place: str, notes: str
) -> MediationSession:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    _require_mediator(mediator, dispute)
    if dispute.status != DisputeStatus.IN_MEDIATION:
        raise Conflict(_("Sessions are recorded while the dispute is in mediation."))
    if held_at > timezone.now():
        raise DomainError(_("A session is recorded after it took place."), field="held_at")
    return MediationSession.objects.create(
        dispute=dispute,
        held_at=held_at,
        place=_text(place, "place")[:200],
        notes=_text(notes, "notes"),
        recorded_by=mediator,
    )


@transaction.atomic
def record_outcome(
    mediator: User,
    dispute: Dispute,
    *,
    agreed: bool,
    agreement: str,
    now: datetime | None = None,
) -> Dispute:
    """The agreement (its terms) or the failure to agree; an agreement is followed up."""
    now = now or timezone.now()
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    _require_mediator(mediator, dispute)
    if dispute.status != DisputeStatus.IN_MEDIATION:
        raise Conflict(_("The outcome is recorded once, during mediation."))
    if not dispute.sessions.exists():
        raise Conflict(_("Record at least one session first."), code="no_session")
    text = _text(agreement, "agreement")
    dispute.status = DisputeStatus.AGREED if agreed else DisputeStatus.FAILED
    dispute.agreement = text
    dispute.outcome_at = now
    dispute.follow_up_due = (
        calendar.add_working_days(now, sla.FOLLOW_UP_WORKING_DAYS) if agreed else None
    )
    dispute.save()
    ledger.record(
        "grievance.mediation_agreement" if agreed else "grievance.mediation_failed",
        subject_ref=dispute.ref,
        actor_role="mediator",
        department=dispute.office.code,
        payload={"ref": dispute.ref, "agreement": _digest(text), "agreed": agreed},
    )
    return dispute


@transaction.atomic
def record_follow_up(
    mediator: User, dispute: Dispute, *, agreement_kept: bool, notes: str
) -> FollowUpVisit:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    _require_mediator(mediator, dispute)
    if dispute.status != DisputeStatus.AGREED:
        raise Conflict(_("Follow-up visits are for disputes settled by agreement."))
    visit = FollowUpVisit.objects.create(
        dispute=dispute,
        visited_at=timezone.now(),
        agreement_kept=agreement_kept,
        notes=_text(notes, "notes"),
        by=mediator,
    )
    dispute.status = DisputeStatus.FOLLOWED_UP
    dispute.save(update_fields=["status"])
    return visit
