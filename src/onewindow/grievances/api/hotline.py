"""Hotline cases over JSON: reporters file, follow and rate; hotline agents record calls;
departments work their cases; dispatchers route, merge and decide contested transfers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from onewindow.core.errors import DomainError, NotFound, documented_problems
from onewindow.core.ratelimit import HOTLINE_PER_ACCOUNT, account_of
from onewindow.core.ratelimit import hit as hit_rate_limit
from onewindow.grievances import intake, selectors, services
from onewindow.grievances.api.common import RatingIn, division_named
from onewindow.grievances.models import (
    Case,
    Channel,
    ContactPreference,
    MergeProposal,
    Transfer,
    Urgency,
)
from onewindow.identity.decorators import signed_in_user, verified_officer
from onewindow.identity.models import Department, Role

router = Router()


def _department(code: str | None, field: str = "department") -> Department | None:
    if not code:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise DomainError(_("No department has this code."), field=field, code="unknown_department")
    return department


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


@router.post(
    "/hotline/cases",
    response={201: CaseOut},
    summary="Report a case",
    openapi_extra=documented_problems(429),  # flood limits per phone, address and network
)
def report(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    user = signed_in_user(request)
    hit_rate_limit(HOTLINE_PER_ACCOUNT, account_of(user.pk))
    case = intake.submit_case(
        kind=payload.kind,
        text_in=payload.text,
        location=intake.Location(
            division=division_named(payload.division),
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
    return list(selectors.cases_of(signed_in_user(request))[:100])


@router.get("/hotline/cases/{ref}", response=CaseOut, summary="One of my cases")
def my_case(request: HttpRequest, ref: str) -> Case:
    return selectors.access_own_case(signed_in_user(request), ref)[0]


@router.post("/hotline/cases/{ref}/rating", response={201: RatingOut}, summary="Rate the answer")
def rate(request: HttpRequest, ref: str, payload: RatingIn) -> Status[Any]:
    _case, reporter = selectors.access_own_case(signed_in_user(request), ref)
    rating = services.rate_answer(
        reporter, level=payload.level, tags=payload.tags, comment=payload.comment
    )
    return Status(201, rating)


@router.post(
    "/hotline/calls",
    response={201: OfficerCaseOut},
    summary="Record a call (agent)",
    openapi_extra=documented_problems(429),  # the same flood limits as every channel
)
def record_call(request: HttpRequest, payload: CallIn) -> Status[Case]:
    agent = verified_officer(request, Role.HOTLINE_AGENT)
    case = intake.submit_case(
        kind=payload.kind,
        text_in=payload.text,
        location=intake.Location(
            division=division_named(payload.division), address=payload.address
        ),
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
    agent = verified_officer(request, Role.HOTLINE_AGENT)
    case = selectors.access_case_for_officer(agent, ref)
    reporter = case.reporters.filter(pk=payload.reporter).first()
    if reporter is None:
        raise NotFound(_("This case has no such reporter."), field="reporter")
    rating = services.rate_answer(
        reporter,
        level=payload.level,
        tags=payload.tags,
        comment=payload.comment,
        recorded_by=agent,
    )
    return Status(201, rating)


@router.get("/hotline/work", response=list[OfficerCaseOut], summary="My department's cases")
def work_queue(request: HttpRequest) -> list[Case]:
    return list(selectors.department_queue(verified_officer(request))[:200])


@router.get("/hotline/work/{ref}", response=OfficerCaseOut, summary="A case of my department")
def work_case(request: HttpRequest, ref: str) -> Case:
    return selectors.access_case_for_officer(verified_officer(request), ref)


@router.post("/hotline/work/{ref}/acknowledge", response=OfficerCaseOut, summary="Accept a case")
def acknowledge(request: HttpRequest, ref: str) -> Case:
    officer = verified_officer(request)
    return services.acknowledge_case(officer, selectors.access_case_for_officer(officer, ref))


@router.post("/hotline/work/{ref}/progress", response=OfficerCaseOut, summary="Tell progress")
def progress(request: HttpRequest, ref: str, payload: NoteIn) -> Case:
    officer = verified_officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    return services.reply_progress(officer, case, note=payload.note)


@router.post("/hotline/work/{ref}/answer", response=OfficerCaseOut, summary="Answer publicly")
def answer(request: HttpRequest, ref: str, payload: ReplyIn) -> Case:
    officer = verified_officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    return services.answer_case(officer, case, reply=payload.reply)


@router.post("/hotline/work/{ref}/transfer", response=TransferOut, summary="Transfer a case")
def transfer(request: HttpRequest, ref: str, payload: TransferIn) -> Transfer:
    officer = verified_officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    target = _department(payload.to, "to")
    assert target is not None
    return services.transfer_case(officer, case, to=target, reason=payload.reason)


@router.post("/hotline/work/{ref}/contest", response=TransferOut, summary="Contest a transfer")
def contest(request: HttpRequest, ref: str, payload: ReasonIn) -> Transfer:
    officer = verified_officer(request)
    case = selectors.access_case_for_officer(officer, ref)
    return services.contest_transfer(officer, case, reason=payload.reason)


@router.post(
    "/hotline/work/{ref}/contacts",
    response=list[ContactOut],
    summary="Read the reporters' contact details (logged)",
)
def contacts(request: HttpRequest, ref: str, payload: PurposeIn) -> list[dict[str, Any]]:
    officer = verified_officer(request)
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


@router.get("/hotline/dispatch", response=DispatchOut, summary="The dispatcher's queue")
def dispatch_queue(request: HttpRequest) -> dict[str, Any]:
    verified_officer(request, Role.DISPATCHER)
    return {
        "cases": list(selectors.dispatcher_queue()[:200]),
        "merges": list(selectors.merge_proposals()[:100]),
        "contested": list(selectors.contested_transfers()[:100]),
    }


@router.post("/hotline/dispatch/{ref}", response=OfficerCaseOut, summary="Route a case")
def dispatch(request: HttpRequest, ref: str, payload: CaseDispatchIn) -> Case:
    dispatcher = verified_officer(request, Role.DISPATCHER)
    case = selectors.access_case_for_officer(dispatcher, ref)
    return services.dispatch_case(
        dispatcher, case, category=payload.category, department=_department(payload.department)
    )


@router.post("/hotline/merges/{pk}", response=MergeOut, summary="Confirm or reject a merge")
def decide_merge(request: HttpRequest, pk: int, payload: MergeIn) -> MergeProposal:
    dispatcher = verified_officer(request, Role.DISPATCHER)
    proposal = selectors.access_merge_proposal(dispatcher, pk)
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
    dispatcher = verified_officer(request, Role.DISPATCHER)
    found = selectors.access_transfer(dispatcher, pk)
    return services.decide_contest(
        dispatcher,
        found,
        decision=payload.decision,
        department=_department(payload.department),
    )


@router.post("/hotline/work/{ref}/close", response=OfficerCaseOut, summary="Close (dispatcher)")
def close(request: HttpRequest, ref: str) -> Case:
    dispatcher = verified_officer(request, Role.DISPATCHER)
    return services.close_case(dispatcher, selectors.access_case_for_officer(dispatcher, ref))
