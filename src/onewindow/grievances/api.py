"""The citizen hotline over JSON at /api/v1/hotline/...: reporters, hotline agents,
dispatchers, departments, supervisors, reviews and mediation. Officer endpoints need a
session confirmed with the second factor; errors are problem+json like the rest of /api/v1/.
Partner apps use Open311 (/open311/v2/) instead.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.security import django_auth

from onewindow.core.errors import DomainError, NotFound, documented_problems
from onewindow.core.models import Division
from onewindow.core.ratelimit import HOTLINE_PER_ACCOUNT, account_of
from onewindow.core.ratelimit import hit as hit_rate_limit
from onewindow.grievances import intake, mediation, reviews, selectors, services, text
from onewindow.grievances.models import (
    Case,
    Channel,
    ContactPreference,
    Dispute,
    MergeProposal,
    RectificationTask,
    Transfer,
    Urgency,
)
from onewindow.identity.decorators import verified_officer
from onewindow.identity.models import Department, Role, User

router = Router(tags=["hotline"], auth=django_auth)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _officer(request: HttpRequest, role: str | None = None) -> User:
    officer = verified_officer(request)
    if role is not None and not services.has_role(officer, role):
        from onewindow.core.errors import PermissionDenied

        raise PermissionDenied("This needs the %(role)s role.", params={"role": role})
    return officer


def _division(code: str) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise DomainError("No division has this code.", field="division", code="unknown_division")
    return division


def _department(code: str | None, field: str = "department") -> Department | None:
    if not code:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise DomainError("No department has this code.", field=field, code="unknown_department")
    return department


# ----- shapes -------------------------------------------------------------------------------


class CaseOut(Schema):
    ref: str
    kind: str
    channel: str
    status: str
    text: str
    division: str
    category: str
    department: str | None
    received_at: datetime
    respond_due: datetime
    reply_due: datetime
    resolve_due: datetime
    answered_at: datetime | None
    public_reply: str
    reopen_count: int
    merged_into: str | None
    escalation_level: int

    @staticmethod
    def resolve_division(case: Case) -> str:
        return case.division.code

    @staticmethod
    def resolve_department(case: Case) -> str | None:
        return case.department.code if case.department else None

    @staticmethod
    def resolve_merged_into(case: Case) -> str | None:
        return case.merged_into.ref if case.merged_into_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_category(case: Case) -> str:
        return case.category or case.proposed_category


class OfficerCaseOut(CaseOut):
    proposed_category: str
    confidence: float | None
    model_version: str
    acknowledged_at: datetime | None
    replied_at: datetime | None
    escalated_to: str | None

    @staticmethod
    def resolve_escalated_to(case: Case) -> str | None:
        return case.escalated_to.code if case.escalated_to else None


class CaseIn(Schema):
    kind: str
    text: str
    division: str
    urgency: str = Urgency.ORDINARY
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    address: str = ""
    anonymous: bool = False
    contact_preference: str = ContactPreference.INBOX
    phone: str = ""


class CallIn(Schema):
    kind: str
    text: str
    division: str
    urgency: str = Urgency.ORDINARY
    caller_name: str = ""
    callback_number: str = ""
    anonymous: bool = False
    contact_preference: str = ContactPreference.PHONE
    address: str = ""


class RatingIn(Schema):
    level: int
    tags: list[str] = []
    comment: str = ""


class CallbackRatingIn(RatingIn):
    reporter: int


class RatingOut(Schema):
    level: int
    round: int
    tags: list[str]
    case_status: str

    @staticmethod
    def resolve_case_status(rating: Any) -> str:
        return str(rating.case.status)


class NoteIn(Schema):
    note: str


class ReplyIn(Schema):
    reply: str


class TransferIn(Schema):
    to: str
    reason: str


class ReasonIn(Schema):
    reason: str


class PurposeIn(Schema):
    purpose: str


class ContactOut(Schema):
    reporter: int
    name: str
    phone: str
    contact_preference: str


class CaseDispatchIn(Schema):
    category: str
    department: str | None = None


class MergeIn(Schema):
    confirm: bool


class ContestDecisionIn(Schema):
    decision: str
    department: str | None = None


class TransferOut(Schema):
    id: int
    case: str
    from_department: str
    to_department: str
    reason: str
    contest_reason: str
    decision: str

    @staticmethod
    def resolve_case(transfer: Transfer) -> str:
        return transfer.case.ref

    @staticmethod
    def resolve_from_department(transfer: Transfer) -> str:
        return transfer.from_department.code

    @staticmethod
    def resolve_to_department(transfer: Transfer) -> str:
        return transfer.to_department.code


class MergeOut(Schema):
    id: int
    case: str
    primary: str
    similarity: float
    distance_m: float | None
    status: str

    @staticmethod
    def resolve_case(proposal: MergeProposal) -> str:
        return proposal.case.ref

    @staticmethod
    def resolve_primary(proposal: MergeProposal) -> str:
        return proposal.primary.ref


class DispatchOut(Schema):
    cases: list[OfficerCaseOut]
    merges: list[MergeOut]
    contested: list[TransferOut]


class WallCaseOut(Schema):
    ref: str
    kind: str
    category: str
    division: str
    department: str
    question: str
    answer: str
    answered_at: datetime


class ScoreOut(Schema):
    department: str
    name: str
    cases: int
    answered: int
    on_time_rate: float | None
    mean_response_hours: float | None
    satisfaction: float | None
    ratings: int
    reopened: int
    bad_reviews: int
    open_rectifications: int


class TermOut(Schema):
    term: str
    count: int
    previous: int
    rise: int


class CountOut(Schema):
    name: str
    count: int


class TrendsOut(Schema):
    year: int
    week: int
    division: str | None
    hot_terms: list[TermOut]
    by_category: list[CountOut]
    by_department: list[CountOut]


class InvitationOut(Schema):
    id: int
    subject_ref: str
    service_name: str
    department: str
    reviewed: bool
    level: int | None

    @staticmethod
    def resolve_department(invitation: Any) -> str:
        return str(invitation.department.code)

    @staticmethod
    def resolve_reviewed(invitation: Any) -> bool:
        return hasattr(invitation, "review")

    @staticmethod
    def resolve_level(invitation: Any) -> int | None:
        return invitation.review.level if hasattr(invitation, "review") else None


class ReviewOut(Schema):
    level: int
    tags: list[str]
    rectification_due: datetime | None

    @staticmethod
    def resolve_rectification_due(review: Any) -> datetime | None:
        return review.rectification.due_at if hasattr(review, "rectification") else None


class RectificationOut(Schema):
    id: int
    subject_ref: str
    level: int
    due_at: datetime
    status: str
    response: str

    @staticmethod
    def resolve_subject_ref(task: RectificationTask) -> str:
        return task.review.invitation.subject_ref

    @staticmethod
    def resolve_level(task: RectificationTask) -> int:
        return task.review.level


class ResponseIn(Schema):
    response: str


class PartyIn(Schema):
    role: str
    name: str
    phone: str = ""


class DisputeIn(Schema):
    kind: str
    summary: str
    parties: list[PartyIn]


class DisputeOut(Schema):
    ref: str
    kind: str
    status: str
    summary: str
    mediator: str | None
    sessions: int
    agreement: str
    follow_up_due: datetime | None

    @staticmethod
    def resolve_mediator(dispute: Dispute) -> str | None:
        return dispute.mediator.username if dispute.mediator else None

    @staticmethod
    def resolve_sessions(dispute: Dispute) -> int:
        return dispute.sessions.count()


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


# ----- reporters ------------------------------------------------------------------------------


@router.post(
    "/hotline/cases",
    response={201: CaseOut},
    summary="Report a case",
    openapi_extra=documented_problems(429),  # flood limits per phone, address and network
)
def report(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    user = _user(request)
    hit_rate_limit(HOTLINE_PER_ACCOUNT, account_of(user.pk))
    case = intake.submit_case(
        kind=payload.kind,
        text_in=payload.text,
        location=intake.Location(
            division=_division(payload.division),
            latitude=payload.latitude,
            longitude=payload.longitude,
            address=payload.address,
        ),
        channel=Channel.WEB,
        contact=intake.Contact(
            user=user,
            phone=payload.phone,
            anonymous=payload.anonymous,
            preference=payload.contact_preference,
        ),
        urgency=payload.urgency,
        ip=str(request.META.get("REMOTE_ADDR", "")),
    )
    return Status(201, case)


@router.get("/hotline/cases", response=list[CaseOut], summary="My hotline cases")
def my_cases(request: HttpRequest) -> list[Case]:
    return list(selectors.cases_of(_user(request))[:100])


@router.get("/hotline/cases/{ref}", response=CaseOut, summary="One of my cases")
def my_case(request: HttpRequest, ref: str) -> Case:
    return selectors.access_own_case(_user(request), ref)[0]


@router.post("/hotline/cases/{ref}/rating", response={201: RatingOut}, summary="Rate the answer")
def rate(request: HttpRequest, ref: str, payload: RatingIn) -> Status[Any]:
    _case, reporter = selectors.access_own_case(_user(request), ref)
    rating = services.rate_answer(
        reporter, level=payload.level, tags=payload.tags, comment=payload.comment
    )
    return Status(201, rating)


# ----- hotline agents --------------------------------------------------------------------------


@router.post(
    "/hotline/calls",
    response={201: OfficerCaseOut},
    summary="Record a call (agent)",
    openapi_extra=documented_problems(429),  # the same flood limits as every channel
)
def record_call(request: HttpRequest, payload: CallIn) -> Status[Case]:
    agent = _officer(request, Role.HOTLINE_AGENT)
    case = intake.submit_case(
        kind=payload.kind,
        text_in=payload.text,
        location=intake.Location(division=_division(payload.division), address=payload.address),
        channel=Channel.HOTLINE,
        contact=intake.Contact(
            user=intake.citizen_with_phone(payload.callback_number),
            name=payload.caller_name,
            phone=payload.callback_number,
            anonymous=payload.anonymous,
            preference=payload.contact_preference,
        ),
        urgency=payload.urgency,
        recorded_by=agent,
    )
    return Status(201, case)


@router.post(
    "/hotline/work/{ref}/ratings",
    response={201: RatingOut},
    summary="Record a caller's rating on a call-back (agent)",
)
def record_callback_rating(
    request: HttpRequest, ref: str, payload: CallbackRatingIn
) -> Status[Any]:
    agent = _officer(request, Role.HOTLINE_AGENT)
    case = selectors.access_case_for_officer(agent, ref)
    reporter = case.reporters.filter(pk=payload.reporter).first()
    if reporter is None:
        raise NotFound("This case has no such reporter.", field="reporter")
    rating = services.rate_answer(
        reporter,
        level=payload.level,
        tags=payload.tags,
        comment=payload.comment,
        recorded_by=agent,
    )
    return Status(201, rating)


# ----- departments -----------------------------------------------------------------------------


@router.get("/hotline/work", response=list[OfficerCaseOut], summary="My department's cases")
def work_queue(request: HttpRequest) -> list[Case]:
    return list(selectors.department_queue(_officer(request))[:200])


@router.get("/hotline/work/{ref}", response=OfficerCaseOut, summary="A case of my department")
def work_case(request: HttpRequest, ref: str) -> Case:
    return selectors.access_case_for_officer(_officer(request), ref)


@router.post("/hotline/work/{ref}/acknowledge", response=OfficerCaseOut, summary="Accept a case")
def acknowledge(request: HttpRequest, ref: str) -> Case:
    officer = _officer(request)
    return services.acknowledge_case(officer, selectors.access_case_for_officer(officer, ref))


@router.post("/hotline/work/{ref}/progress", response=OfficerCaseOut, summary="Tell progress")
def progress(request: HttpRequest, ref: str, payload: NoteIn) -> Case:
    officer = _officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    return services.reply_progress(officer, case, note=payload.note)


@router.post("/hotline/work/{ref}/answer", response=OfficerCaseOut, summary="Answer publicly")
def answer(request: HttpRequest, ref: str, payload: ReplyIn) -> Case:
    officer = _officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    return services.answer_case(officer, case, reply=payload.reply)


@router.post("/hotline/work/{ref}/transfer", response=TransferOut, summary="Transfer a case")
def transfer(request: HttpRequest, ref: str, payload: TransferIn) -> Transfer:
    officer = _officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    target = _department(payload.to, "to")
    assert target is not None
    return services.transfer_case(officer, case, to=target, reason=payload.reason)


@router.post("/hotline/work/{ref}/contest", response=TransferOut, summary="Contest a transfer")
def contest(request: HttpRequest, ref: str, payload: ReasonIn) -> Transfer:
    officer = _officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    return services.contest_transfer(officer, case, reason=payload.reason)


@router.post(
    "/hotline/work/{ref}/contacts",
    response=list[ContactOut],
    summary="Read the reporters' contact details (logged)",
)
def contacts(request: HttpRequest, ref: str, payload: PurposeIn) -> list[dict[str, Any]]:
    officer = _officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    return [
        {
            "reporter": r.pk,
            "name": r.name or (r.user.real_name if r.user else ""),
            "phone": r.phone,
            "contact_preference": r.contact_preference,
        }
        for r in services.read_contacts(officer, case, purpose=payload.purpose)
    ]


# ----- dispatchers ------------------------------------------------------------------------------


@router.get("/hotline/dispatch", response=DispatchOut, summary="The dispatcher's queue")
def dispatch_queue(request: HttpRequest) -> dict[str, Any]:
    _officer(request, Role.DISPATCHER)
    return {
        "cases": list(selectors.dispatcher_queue()[:200]),
        "merges": list(selectors.merge_proposals()[:100]),
        "contested": list(selectors.contested_transfers()[:100]),
    }


@router.post("/hotline/dispatch/{ref}", response=OfficerCaseOut, summary="Route a case")
def dispatch(request: HttpRequest, ref: str, payload: CaseDispatchIn) -> Case:
    dispatcher = _officer(request, Role.DISPATCHER)
    case = selectors.access_case_for_officer(dispatcher, ref)
    return services.dispatch_case(
        dispatcher, case, category=payload.category, department=_department(payload.department)
    )


@router.post("/hotline/merges/{pk}", response=MergeOut, summary="Confirm or reject a merge")
def decide_merge(request: HttpRequest, pk: int, payload: MergeIn) -> MergeProposal:
    dispatcher = _officer(request, Role.DISPATCHER)
    proposal = MergeProposal.objects.filter(pk=pk).first()
    if proposal is None:
        raise NotFound("No merge proposal has this number.")
    if payload.confirm:
        services.confirm_merge(dispatcher, proposal)
    else:
        services.reject_merge(dispatcher, proposal)
    proposal.refresh_from_db()
    return proposal


@router.post(
    "/hotline/transfers/{pk}/decision", response=OfficerCaseOut, summary="Decide a contest"
)
def decide_contest(request: HttpRequest, pk: int, payload: ContestDecisionIn) -> Case:
    dispatcher = _officer(request, Role.DISPATCHER)
    found = Transfer.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound("No transfer has this number.")
    return services.decide_contest(
        dispatcher,
        found,
        decision=payload.decision,
        department=_department(payload.department),
    )


@router.post("/hotline/work/{ref}/close", response=OfficerCaseOut, summary="Close (dispatcher)")
def close(request: HttpRequest, ref: str) -> Case:
    dispatcher = _officer(request, Role.DISPATCHER)
    return services.close_case(dispatcher, selectors.access_case_for_officer(dispatcher, ref))


# ----- the public, supervisors -----------------------------------------------------------------


@router.get("/hotline/wall", response=list[WallCaseOut], auth=None, summary="Answered cases")
def wall(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    return [
        {
            "ref": case.ref,
            "kind": case.kind,
            "category": selectors.category_label(case.category or case.proposed_category),
            "division": case.division.name,
            "department": case.department.name if case.department else "",
            "question": text.desensitise(case.text),
            "answer": text.desensitise(case.public_reply),
            "answered_at": case.answered_at,
        }
        for case in selectors.public_wall(q[:100])
    ]


@router.get("/hotline/scoreboard", response=list[ScoreOut], summary="Department scoreboard")
def scoreboard(request: HttpRequest) -> list[dict[str, Any]]:
    _officer(request)
    return [
        {
            "department": row.department.code,
            "name": row.department.name,
            "cases": row.cases,
            "answered": row.answered,
            "on_time_rate": row.on_time_rate,
            "mean_response_hours": row.mean_response_hours,
            "satisfaction": row.satisfaction,
            "ratings": row.ratings,
            "reopened": row.reopened,
            "bad_reviews": row.bad_reviews,
            "open_rectifications": row.open_rectifications,
        }
        for row in selectors.scoreboard()
    ]


def may_see_trends(user: User) -> bool:
    return services.has_role(user, Role.SUPERVISOR) or services.has_role(user, Role.DISPATCHER)


@router.get(
    "/hotline/trends",
    response=TrendsOut,
    summary="Public-opinion trends (supervisors)",
    openapi_extra=documented_problems(400),  # a malformed week, an unknown division
)
def trends(request: HttpRequest, week: str = "", division: str = "") -> dict[str, Any]:
    officer = _officer(request)
    if not may_see_trends(officer):
        from onewindow.core.errors import PermissionDenied

        raise PermissionDenied("Trends are for supervisors and dispatchers.")
    year, number = parse_week(week)
    place = _division(division) if division else None
    by_category, by_department = selectors.counts_by_category_and_department(
        year=year, week=number, division=place
    )
    return {
        "year": year,
        "week": number,
        "division": place.code if place else None,
        "hot_terms": [
            {"term": t.term, "count": t.count, "previous": t.previous, "rise": t.rise}
            for t in selectors.hot_terms(year=year, week=number, division=place)
        ],
        "by_category": [{"name": n, "count": c} for n, c in by_category],
        "by_department": [{"name": d.name, "count": c} for d, c in by_department],
    }


def parse_week(value: str) -> tuple[int, int]:
    """`2026-W47` → (2026, 47); empty → this ISO week."""
    if not value:
        return selectors.iso_week(timezone.localdate())
    try:
        year, week = value.upper().split("-W")
        date.fromisocalendar(int(year), int(week), 1)
        return int(year), int(week)
    except ValueError:
        raise DomainError("A week is written like 2026-W47.", field="week") from None


# ----- reviews of completed applications ---------------------------------------------------------


@router.get("/hotline/reviews", response=list[InvitationOut], summary="My reviews to give")
def my_reviews(request: HttpRequest) -> list[Any]:
    return list(_user(request).review_invitations.select_related("department", "review")[:100])


@router.post("/hotline/reviews/{pk}", response={201: ReviewOut}, summary="Review an application")
def review(request: HttpRequest, pk: int, payload: RatingIn) -> Status[Any]:
    user = _user(request)
    invitation = selectors.access_invitation(user, pk)
    made = reviews.submit_review(
        user, invitation, level=payload.level, tags=payload.tags, comment=payload.comment
    )
    return Status(201, made)


@router.get(
    "/hotline/rectifications", response=list[RectificationOut], summary="My department's tasks"
)
def rectifications(request: HttpRequest) -> list[RectificationTask]:
    return list(selectors.rectifications_for(_officer(request))[:200])


@router.post(
    "/hotline/rectifications/{pk}", response=RectificationOut, summary="Record the rectification"
)
def rectify(request: HttpRequest, pk: int, payload: ResponseIn) -> RectificationTask:
    officer = _officer(request)
    task = selectors.rectifications_for(officer).filter(pk=pk).first()
    if task is None:
        raise NotFound("No rectification task of your department has this number.")
    return reviews.complete_rectification(officer, task, response=payload.response)


# ----- mediation ---------------------------------------------------------------------------------


@router.post("/hotline/disputes", response={201: DisputeOut}, summary="Register a dispute")
def register_dispute(request: HttpRequest, payload: DisputeIn) -> Status[Dispute]:
    officer = _officer(request)
    dispute = mediation.register_dispute(
        officer,
        kind=payload.kind,
        summary=payload.summary,
        parties=[mediation.Party(p.role, p.name, p.phone) for p in payload.parties],
    )
    return Status(201, dispute)


@router.get("/hotline/disputes", response=list[DisputeOut], summary="Disputes I handle")
def disputes(request: HttpRequest) -> list[Dispute]:
    return list(selectors.disputes_for(_officer(request))[:200])


@router.get("/hotline/disputes/{ref}", response=DisputeOut, summary="One dispute")
def dispute_detail(request: HttpRequest, ref: str) -> Dispute:
    return selectors.access_dispute(_officer(request), ref)


@router.post("/hotline/disputes/{ref}/mediator", response=DisputeOut, summary="Assign mediator")
def assign(request: HttpRequest, ref: str, payload: MediatorIn) -> Dispute:
    officer = _officer(request)
    dispute = selectors.access_dispute(officer, ref)
    mediator = User.objects.filter(username=payload.mediator).first()
    if mediator is None:
        raise DomainError("No mediator has this account name.", field="mediator")
    return mediation.assign_mediator(officer, dispute, mediator=mediator)


@router.post("/hotline/disputes/{ref}/sessions", response={201: DisputeOut}, summary="A session")
def session(request: HttpRequest, ref: str, payload: SessionIn) -> Status[Dispute]:
    officer = _officer(request)
    dispute = selectors.access_dispute(officer, ref)
    mediation.record_session(
        officer, dispute, held_at=payload.held_at, place=payload.place, notes=payload.notes
    )
    return Status(201, selectors.access_dispute(officer, ref))


@router.post("/hotline/disputes/{ref}/outcome", response=DisputeOut, summary="The outcome")
def outcome(request: HttpRequest, ref: str, payload: OutcomeIn) -> Dispute:
    officer = _officer(request)
    dispute = selectors.access_dispute(officer, ref)
    return mediation.record_outcome(
        officer, dispute, agreed=payload.agreed, agreement=payload.agreement
    )


@router.post("/hotline/disputes/{ref}/follow-up", response=DisputeOut, summary="Follow-up visit")
def follow_up(request: HttpRequest, ref: str, payload: FollowUpIn) -> Dispute:
    officer = _officer(request)
    dispute = selectors.access_dispute(officer, ref)
    mediation.record_follow_up(
        officer, dispute, agreement_kept=payload.agreement_kept, notes=payload.notes
    )
    return selectors.access_dispute(officer, ref)
