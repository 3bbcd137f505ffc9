"""Mediation of grassroots disputes (neighbours, labour, land, family) by the township.

A township office registers a dispute with its parties and assigns one of its mediators;
the mediator records sessions, then the outcome (an agreement, or none); an agreement is
followed up by a visit within twenty working days. Assignments and outcomes go to the ledger.

The parties are told at each step (registration, each session, the agreement): in their
inbox when their number is a registered account's (they then see the dispute on their pages
and confirm or decline the agreement), else by text message. The mediator reaches a party
through the platform (`message_party`): the platform reads the number, the mediator never
sees it, and the read is in the one data-access record the party sees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.grievances import sla
from onewindow.grievances.intake import check_phone, citizen_with_phone, normalise_phone
from onewindow.grievances.models import (
    AgreementResponse,
    CaseCounter,
    Dispute,
    DisputeKind,
    DisputeMessage,
    DisputeParty,
    DisputeStatus,
    FollowUpVisit,
    MediationSession,
    PartyRole,
)
from onewindow.identity.access import record_data_access
from onewindow.identity.models import AccessKind, DepartmentKind, OfficerRole, Role, User
from onewindow.identity.sms import send_sms
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.message_templates import template_for
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


def runs_the_office(user: User) -> bool:
    """A township officer who registers and assigns disputes: any role there but mediator
    alone (a mediator works the disputes assigned to them, nothing more)."""
    return is_township_officer(user) and (
        OfficerRole.objects.filter(user=user).exclude(role=Role.MEDIATOR).exists()
    )


def _require_office(user: User, dispute: Dispute | None = None) -> None:
    if not runs_the_office(user):
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
        row = DisputeParty(dispute=dispute, role=party.role, user=citizen_with_phone(phone))
        row.set_contact(name=party.name.strip()[:60], phone=phone)
        row.save()
    _tell_parties(
        dispute,
        Event.DISPUTE_REGISTERED,
        {"kind": DisputeKind(kind).label, "office": officer.department},
    )
    return dispute


def _tell_parties(dispute: Dispute, event: str, context: dict[str, object]) -> None:
    """Each party hears of `event`: in the inbox (and its text-message copy) in their own
    language when they have an account, else by a text message to the number the office
    took (in Chinese); a party without either is told by the mediator in person."""
    context = {"ref": dispute.ref, **context}
    for party in dispute.parties.select_related("user"):
        if party.user is not None:
            notify.send(
                party.user,
                event,
                context=context,
                subject_ref=dispute.ref,
                link=f"/hotline/mediation/{dispute.ref}/",
            )
        elif party.phone_encrypted:
            _subject, body = template_for(event).render(notify.DEFAULT_LANGUAGE, context)
            transaction.on_commit(partial(send_sms, party.plain_phone(), body))


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
    session = MediationSession.objects.create(
        dispute=dispute,
        held_at=held_at,
        place=_text(place, "place")[:200],
        notes=_text(notes, "notes"),
        recorded_by=mediator,
    )
    _tell_parties(
        dispute,
        Event.MEDIATION_SESSION,
        {"when": f"{timezone.localtime(held_at):%Y-%m-%d %H:%M}", "place": session.place},
    )
    return session


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
    if agreed:
        _tell_parties(dispute, Event.AGREEMENT_RECORDED, {"agreement": text[:500]})
    return dispute


@transaction.atomic
def respond_to_agreement(
    user: User, dispute: Dispute, *, confirmed: bool, now: datetime | None = None
) -> DisputeParty:
    """A party confirms or declines the recorded agreement, once. Raises NotFound (not a
    party), Conflict (no agreement to answer, or answered already)."""
    now = now or timezone.now()
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    party = dispute.parties.filter(user=user).first()
    if party is None:
        raise NotFound(_("No dispute of yours has this number."), field="ref")
    if dispute.status not in (DisputeStatus.AGREED, DisputeStatus.FOLLOWED_UP):
        raise Conflict(_("There is no agreement to answer yet."), code="no_agreement")
    if party.response:
        raise Conflict(_("You have already answered this agreement."), code="answered")
    party.response = AgreementResponse.CONFIRMED if confirmed else AgreementResponse.DECLINED
    party.responded_at = now
    party.save(update_fields=["response", "responded_at"])
    ledger.record(
        "grievance.agreement_confirmed" if confirmed else "grievance.agreement_declined",
        subject_ref=dispute.ref,
        actor_role="party",
        department=dispute.office.code,
        payload={"ref": dispute.ref, "party": party.pk, "agreement": _digest(dispute.agreement)},
    )
    return party


@transaction.atomic
def message_party(mediator: User, dispute: Dispute, *, party: int, text: str) -> DisputeMessage:
    """The mediator's message to one party, sent by the platform to the party's inbox or
    number; the read of the number is recorded for the party to see, and the mediator
    never sees it. Raises NotFound (not your dispute or party), DomainError (no way to
    reach the party, empty text)."""
    dispute = Dispute.objects.select_for_update().select_related("office").get(pk=dispute.pk)
    _require_mediator(mediator, dispute)
    found = dispute.parties.select_related("user").filter(pk=party).first()
    if found is None:
        raise NotFound(_("No party of this dispute has this number."), field="party")
    text = _text(text, "text")[:500]
    if found.user is None and not found.phone_encrypted:
        raise DomainError(
            _("This party left no number and has no account: reach them in person."),
            field="party",
        )
    assert mediator.department is not None
    record_data_access(
        AccessKind.CONTACT_READ,
        subject_user=found.user,
        department=mediator.department,
        accessor=mediator.username,
        actor_role="mediator",
        what=_("Your phone number in a mediation case"),
        purpose=str(_("A message from the mediator")),
        case_ref=dispute.ref,
        details={"read": "grievance.dispute_contact"},
    )
    message = DisputeMessage.objects.create(
        dispute=dispute, party=found, text=text, sent_by=mediator
    )
    context = {
        "ref": dispute.ref,
        "mediator": mediator.real_name or mediator.username,
        "text": text,
    }
    if found.user is not None:
        notify.send(
            found.user,
            Event.MEDIATOR_MESSAGE,
            context=context,
            subject_ref=dispute.ref,
            link=f"/hotline/mediation/{dispute.ref}/",
        )
    else:
        _subject, body = template_for(Event.MEDIATOR_MESSAGE).render(
            notify.DEFAULT_LANGUAGE, context
        )
        transaction.on_commit(partial(send_sms, found.plain_phone(), body))
    return message


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
