"""Disputes brought to the mediation office: registration, mediator, sessions, outcome."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from onewindow.core.errors import DomainError
from onewindow.grievances import mediation, selectors
from onewindow.grievances.models import Dispute, DisputeParty, FollowUpVisit, MediationSession
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import User
from onewindow.identity.selectors import account_named

router = Router()


class PartyIn(Schema):
    role: str
    name: str
    phone: str = ""


class DisputeIn(Schema):
    kind: str
    summary: str
    parties: list[PartyIn]


class MediationSessionOut(Schema):
    held_at: datetime
    place: str


class PartyOut(Schema):
    """A party as everyone on the dispute sees them: role, masked name, their answer."""

    id: int
    role: str
    name: str
    response: str

    @staticmethod
    def resolve_name(party: DisputeParty) -> str:
        return party.masked_name


class VisitOut(Schema):
    visited_at: datetime
    agreement_kept: bool


class DisputeOut(Schema):
    ref: str
    kind: str
    status: str
    summary: str
    mediator: str | None
    sessions: int
    agreement: str
    follow_up_due: datetime | None
    parties: list[PartyOut]
    session_times: list[MediationSessionOut]
    follow_ups: list[VisitOut]

    @staticmethod
    def resolve_mediator(dispute: Dispute) -> str | None:
        return dispute.mediator.username if dispute.mediator else None

    @staticmethod
    def resolve_sessions(dispute: Dispute) -> int:
        return dispute.sessions.count()

    @staticmethod
    def resolve_parties(dispute: Dispute) -> list[DisputeParty]:
        return list(dispute.parties.all())

    @staticmethod
    def resolve_session_times(dispute: Dispute) -> list[MediationSession]:
        return list(dispute.sessions.all())

    @staticmethod
    def resolve_follow_ups(dispute: Dispute) -> list[FollowUpVisit]:
        return list(dispute.visits.all())


class AgreementAnswerIn(Schema):
    confirmed: bool


class MessageIn(Schema):
    party: int  # the party's number in the dispute (`party_ids` of the mediator's page)
    text: str


class MediatorIn(Schema):
    mediator: str


class SessionIn(Schema):
    held_at: datetime
    place: str
    notes: str


class OutcomeIn(Schema):
    agreed: bool
    agreement: str


class FollowUpIn(Schema):
    agreement_kept: bool
    notes: str


@router.post("/hotline/disputes", response={201: DisputeOut}, summary="Register a dispute")
def register_dispute(request: HttpRequest, payload: DisputeIn) -> Status[Dispute]:
    officer = verified_officer(request)
    dispute = mediation.register_dispute(
        officer,
        kind=payload.kind,
        summary=payload.summary,
        parties=[mediation.Party(p.role, p.name, p.phone) for p in payload.parties],
    )
    return Status(201, dispute)


def _reader(request: HttpRequest) -> User:
    """An officer (with the second factor) or anyone signed in, who then sees the disputes
    naming them as a party."""
    user = signed_in_user(request)
    return verified_officer(request) if user.is_officer else user


@router.get(
    "/hotline/disputes", response=list[DisputeOut], summary="Disputes I handle or am a party to"
)
def disputes(request: HttpRequest) -> list[Dispute]:
    return list(selectors.disputes_for(_reader(request))[:200])


@router.get("/hotline/disputes/{ref}", response=DisputeOut, summary="One dispute")
def dispute_detail(request: HttpRequest, ref: str) -> Dispute:
    return selectors.access_dispute(_reader(request), ref)


@router.post(
    "/hotline/disputes/{ref}/response",
    response=DisputeOut,
    summary="A party confirms or declines the agreement",
)
def respond(request: HttpRequest, ref: str, payload: AgreementAnswerIn) -> Dispute:
    user = signed_in_user(request)
    dispute = selectors.access_dispute(user, ref)
    mediation.respond_to_agreement(user, dispute, confirmed=payload.confirmed)
    return selectors.access_dispute(user, ref)


@router.post(
    "/hotline/disputes/{ref}/messages",
    response={201: DisputeOut},
    summary="The mediator messages a party through the platform",
)
def message(request: HttpRequest, ref: str, payload: MessageIn) -> Status[Dispute]:
    officer = verified_officer(request)
    dispute = selectors.access_dispute(officer, ref)
    mediation.message_party(officer, dispute, party=payload.party, text=payload.text)
    return Status(201, dispute)


@router.post("/hotline/disputes/{ref}/mediator", response=DisputeOut, summary="Assign mediator")
def assign(request: HttpRequest, ref: str, payload: MediatorIn) -> Dispute:
    officer = verified_officer(request)
    dispute = selectors.access_dispute(officer, ref)
    mediator = account_named(payload.mediator)
    if mediator is None:
        raise DomainError(_("No mediator has this account name."), field="mediator")
    return mediation.assign_mediator(officer, dispute, mediator=mediator)


@router.post("/hotline/disputes/{ref}/sessions", response={201: DisputeOut}, summary="A session")
def session(request: HttpRequest, ref: str, payload: SessionIn) -> Status[Dispute]:
    officer = verified_officer(request)
    dispute = selectors.access_dispute(officer, ref)
    mediation.record_session(
        officer, dispute, held_at=payload.held_at, place=payload.place, notes=payload.notes
    )
    return Status(201, selectors.access_dispute(officer, ref))


@router.post("/hotline/disputes/{ref}/outcome", response=DisputeOut, summary="The outcome")
def outcome(request: HttpRequest, ref: str, payload: OutcomeIn) -> Dispute:
    officer = verified_officer(request)
    dispute = selectors.access_dispute(officer, ref)
    return mediation.record_outcome(
        officer, dispute, agreed=payload.agreed, agreement=payload.agreement
    )


@router.post("/hotline/disputes/{ref}/follow-up", response=DisputeOut, summary="Follow-up visit")
def follow_up(request: HttpRequest, ref: str, payload: FollowUpIn) -> Dispute:
    officer = verified_officer(request)
    dispute = selectors.access_dispute(officer, ref)
    mediation.record_follow_up(
        officer, dispute, agreement_kept=payload.agreement_kept, notes=payload.notes
    )
    return selectors.access_dispute(officer, ref)
