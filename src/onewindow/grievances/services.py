"""Writes of the hotline after intake: dispatch, department handling, transfers and their
contest, merges, ratings and reopening, closing, escalation, contact reads, partner keys.

Every function locks the case row first (`_locked`), so two officers acting at once
serialise and the second sees the first's result. Decisions (routing by a dispatcher,
transfer, contest decision, escalation, answer, closing, merge) go to the ledger as digests.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.grievances import classifier, sla, text
from onewindow.grievances.intake import department_for, fallback_department, record_event
from onewindow.grievances.models import (
    STAGE_ORDER,
    ApiClient,
    Case,
    CaseStatus,
    ContactPreference,
    DispatcherCorrection,
    MergeProposal,
    MergeStatus,
    Rating,
    Reporter,
    RoutedBy,
    Stage,
    Transfer,
    TransferDecision,
)
from onewindow.identity.access import record_data_access
from onewindow.identity.models import AccessKind, Department, OfficerRole, Role, User
from onewindow.identity.selectors import supervising_department
from onewindow.identity.sms import send_sms
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.message_templates import template_for
from onewindow.notify.models import Event

MAX_REPLY = 4000
MAX_REASON = 1000
AUTO_CLOSE_WORKING_DAYS = 5
REASON_TAGS = {
    "fast": _("Quick to respond"),
    "solved": _("The problem was solved"),
    "clear": _("Clear explanation"),
    "polite": _("Polite and patient"),
    "slow": _("Too slow"),
    "unsolved": _("The problem is not solved"),
    "unclear": _("The answer is unclear"),
    "attitude": _("Poor attitude"),
    "passed_around": _("Passed from department to department"),
}


# ----- who may do what --------------------------------------------------------------------


def has_role(user: User, role: str) -> bool:
    return bool(
        user.is_authenticated
        and user.is_officer
        and OfficerRole.objects.filter(user=user, role=role).exists()
    )


def _require_role(user: User, role: str) -> None:
    if not has_role(user, role):
        raise PermissionDenied(_("Only a %(role)s may do this."), params={"role": Role(role).label})


def handles(officer: User, case: Case) -> bool:
    """The officer's department is responsible for the case, or it was escalated to it."""
    return (
        officer.is_officer
        and officer.department_id is not None
        and officer.department_id in (case.department_id, case.escalated_to_id)
    )


def _require_handler(officer: User, case: Case) -> None:
    if not handles(officer, case):
        raise NotFound(_("No case of your department has this number."), field="ref")


def _locked(case: Case) -> Case:
    # Lock the case row only: PostgreSQL refuses FOR UPDATE on the nullable department join.
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("division", "department")
        .get(pk=case.pk)
    )


def _require_status(case: Case, *statuses: str) -> None:
    if case.status not in statuses:
        raise Conflict(
            _("This case is %(status)s: that cannot be done now."),
            code="case_state",
            params={"status": CaseStatus(case.status).label, "current": case.status},
        )


def _text(value: str, *, field: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Write the %(what)s."), field=field, params={"what": what})
    if len(value) > limit:
        raise DomainError(
            _("Keep the %(what)s to %(max)d characters."),
            field=field,
            params={"what": what, "max": limit},
        )
    return value


# ----- the dispatcher --------------------------------------------------------------------


def _assign(case: Case, department: Department, now: datetime) -> None:
    case.department = department
    case.status = CaseStatus.ASSIGNED
    case.assigned_at = now
    case.acknowledged_at = None
    case.version = F("version") + 1


@transaction.atomic
def dispatch_case(
    dispatcher: User,
    case: Case,
    *,
    category: str,
    department: Department | None = None,
    now: datetime | None = None,
) -> Case:
    """A dispatcher routes a case the classifier was unsure of (or re-routes one it sent
    wrongly before the department accepted it). Choosing another category than proposed
    stores a DispatcherCorrection that `onewindow grievances retrain` learns from."""
    _require_role(dispatcher, Role.DISPATCHER)
    now = now or timezone.now()
    case = _locked(case)
    if case.status == CaseStatus.ASSIGNED and case.acknowledged_at is not None:
        raise Conflict(
            _("The department has accepted this case: it can transfer it if it is not theirs."),
            code="case_state",
        )
    _require_status(case, CaseStatus.DISPATCHING, CaseStatus.ASSIGNED)
    if category not in classifier.CATEGORIES:
        raise DomainError(_("Choose a category from the list."), field="category")
    kind = classifier.CATEGORIES[category].department_kind
    if department is None:
        # The competent department up the division tree, else the local government.
        department = department_for(kind, case.division) or fallback_department(case.division)
        if department is None:
            raise DomainError(
                _("No department of this kind serves %(division)s: choose one."),
                field="department",
                params={"division": case.division.name},
            )
    if category != case.proposed_category:
        DispatcherCorrection.objects.create(
            case=case,
            text=case.text,
            language=text.language_of(case.text),
            proposed_kind=case.proposed_kind,
            proposed_category=case.proposed_category,
            corrected_kind=kind,
            corrected_category=category,
            model_version=case.model_version,
            dispatcher=dispatcher,
            created_at=now,
        )
    case.category = category
    case.routed_by = RoutedBy.DISPATCHER
    _assign(case, department, now)
    case.save()
    case.refresh_from_db()
    record_event(
        case,
        "dispatched",
        actor=dispatcher,
        department=department,
        decision={
            "category": category,
            "department": department.code,
            "proposed": case.proposed_category,
        },
        now=now,
    )
    return case


@transaction.atomic
def confirm_merge(
    dispatcher: User, proposal: MergeProposal, *, now: datetime | None = None
) -> Case:
    """The duplicate joins the primary case: its reporters become the primary's reporters
    (each gets the public reply), and it is closed as merged."""
    _require_role(dispatcher, Role.DISPATCHER)
    now = now or timezone.now()
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != MergeStatus.PROPOSED:
        raise Conflict(_("This merge was already decided."), code="merge_decided")
    duplicate, primary = _locked(proposal.case), _locked(proposal.primary)
    if not duplicate.is_open or primary.status in (CaseStatus.CLOSED, CaseStatus.MERGED):
        raise Conflict(_("One of these cases is already closed or merged."), code="case_state")
    Reporter.objects.filter(case=duplicate).update(case=primary)
    duplicate.status = CaseStatus.MERGED
    duplicate.merged_into = primary
    duplicate.closed_at = now
    duplicate.save()
    proposal.status = MergeStatus.CONFIRMED
    proposal.decided_by, proposal.decided_at = dispatcher, now
    proposal.save()
    MergeProposal.objects.filter(case=duplicate, status=MergeStatus.PROPOSED).update(
        status=MergeStatus.REJECTED, decided_by=dispatcher, decided_at=now
    )
    record_event(
        duplicate,
        "merged",
        actor=dispatcher,
        note=primary.ref,
        decision={"into": primary.ref, "similarity": proposal.similarity},
        now=now,
    )
    record_event(primary, "merged_in", actor=dispatcher, note=duplicate.ref, now=now)
    return primary


@transaction.atomic
def reject_merge(dispatcher: User, proposal: MergeProposal, *, now: datetime | None = None) -> None:
    _require_role(dispatcher, Role.DISPATCHER)
    updated = MergeProposal.objects.filter(pk=proposal.pk, status=MergeStatus.PROPOSED).update(
        status=MergeStatus.REJECTED, decided_by=dispatcher, decided_at=now or timezone.now()
    )
    if not updated:
        raise Conflict(_("This merge was already decided."), code="merge_decided")


# ----- the department ----------------------------------------------------------------------


@transaction.atomic
def acknowledge_case(officer: User, case: Case, *, now: datetime | None = None) -> Case:
    """The department accepts the case (the "respond" deadline)."""
    now = now or timezone.now()
    case = _locked(case)
    _require_handler(officer, case)
    _require_status(case, CaseStatus.ASSIGNED)
    if case.acknowledged_at is None:
        case.acknowledged_at = now
        case.save(update_fields=["acknowledged_at"])
        record_event(case, "acknowledged", actor=officer, department=officer.department, now=now)
    return case


def _tell_reporters(case: Case, event: str, context: dict[str, object], now: datetime) -> None:
    """Each reporter hears in their own way: the inbox for users, a text message for
    callers who asked for one; anonymous reporters without a number are not told."""
    for reporter in case.reporters.select_related("user"):
        if reporter.user is not None:
            notify.send(
                reporter.user,
                event,
                context={"ref": reporter.original_case_ref, **context},
                subject_ref=case.ref,
                link=f"/hotline/cases/{case.ref}/",
            )
        elif reporter.phone and reporter.contact_preference in (
            ContactPreference.SMS,
            ContactPreference.PHONE,
        ):
            _subject, body = template_for(event).render(
                notify.DEFAULT_LANGUAGE, {"ref": reporter.original_case_ref, **context}
            )
            transaction.on_commit(partial(send_sms, reporter.phone, body))
        Reporter.objects.filter(pk=reporter.pk).update(told_at=now)


@transaction.atomic
def reply_progress(officer: User, case: Case, *, note: str, now: datetime | None = None) -> Case:
    """A first word to the reporters while the department works (the "reply" deadline)."""
    now = now or timezone.now()
    note = _text(note, field="note", limit=MAX_REPLY, what=str(_("progress note")))
    case = _locked(case)
    _require_handler(officer, case)
    _require_status(case, CaseStatus.ASSIGNED)
    case.acknowledged_at = case.acknowledged_at or now
    case.replied_at = case.replied_at or now
    case.save(update_fields=["acknowledged_at", "replied_at"])
    record_event(case, "progress", actor=officer, department=officer.department, note=note, now=now)
    assert officer.department is not None
    _tell_reporters(
        case, Event.CASE_PROGRESS, {"department": officer.department, "note": note}, now
    )
    return case


@transaction.atomic
def answer_case(officer: User, case: Case, *, reply: str, now: datetime | None = None) -> Case:
    """The department's public answer: every reporter is told and asked to rate it."""
    now = now or timezone.now()
    reply = _text(reply, field="reply", limit=MAX_REPLY, what=str(_("answer")))
    case = _locked(case)
    _require_handler(officer, case)
    _require_status(case, CaseStatus.ASSIGNED)
    case.public_reply = reply
    case.status = CaseStatus.ANSWERED
    case.acknowledged_at = case.acknowledged_at or now
    case.replied_at = case.replied_at or now
    case.answered_at = now
    case.save()
    record_event(
        case,
        "answered",
        actor=officer,
        department=officer.department,
        note=reply,
        decision={"reply": hashlib.sha256(reply.encode()).hexdigest(), "round": case.reopen_count},
        now=now,
    )
    assert officer.department is not None
    _tell_reporters(
        case, Event.CASE_ANSWERED, {"department": officer.department, "reply": reply}, now
    )
    return case


@transaction.atomic
def transfer_case(
    officer: User,
    case: Case,
    *,
    to: Department,
    reason: str,
    now: datetime | None = None,
) -> Transfer:
    """The case is not this department's: it goes to `to`, which may contest it once."""
    now = now or timezone.now()
    reason = _text(reason, field="reason", limit=MAX_REASON, what=str(_("reason")))
    case = _locked(case)
    _require_handler(officer, case)
    _require_status(case, CaseStatus.ASSIGNED)
    if case.department_id == to.pk:
        raise DomainError(_("The case is already with this department."), field="to")
    if case.transfers.filter(contested_at__isnull=False, decision="").exists():
        raise Conflict(_("A contested transfer waits for the dispatcher."), code="contested")
    assert case.department is not None
    transfer = Transfer.objects.create(
        case=case,
        from_department=case.department,
        to_department=to,
        reason=reason,
        by=officer,
        at=now,
    )
    _assign(case, to, now)
    case.escalated_to = None
    case.save()
    case.refresh_from_db()
    record_event(
        case,
        "transferred",
        actor=officer,
        department=to,
        note=reason,
        decision={"from": transfer.from_department.code, "to": to.code},
        now=now,
    )
    return transfer


@transaction.atomic
def contest_transfer(
    officer: User, case: Case, *, reason: str, now: datetime | None = None
) -> Transfer:
    """The receiving department says the case is not theirs either. Each department may
    contest a transfer of a case once; the dispatcher decides."""
    now = now or timezone.now()
    reason = _text(reason, field="reason", limit=MAX_REASON, what=str(_("reason")))
    case = _locked(case)
    _require_handler(officer, case)
    _require_status(case, CaseStatus.ASSIGNED)
    transfer = case.transfers.filter(to_department=officer.department).order_by("-at").first()
    if transfer is None or transfer.to_department_id != case.department_id:
        raise Conflict(_("Only a case transferred to your department can be contested."))
    if case.transfers.filter(
        contested_at__isnull=False, contested_by__department=officer.department
    ).exists():
        raise Conflict(
            _("Your department has already contested a transfer of this case."),
            code="already_contested",
        )
    if case.acknowledged_at is not None:
        raise Conflict(_("A case you accepted cannot be contested."), code="accepted")
    transfer.contested_at, transfer.contest_reason, transfer.contested_by = now, reason, officer
    transfer.save()
    case.status = CaseStatus.DISPATCHING
    case.save(update_fields=["status"])
    record_event(
        case,
        "contested",
        actor=officer,
        department=officer.department,
        note=reason,
        decision={"transfer": transfer.pk},
        now=now,
    )
    return transfer


@transaction.atomic
def decide_contest(
    dispatcher: User,
    transfer: Transfer,
    *,
    decision: str,
    department: Department | None = None,
    now: datetime | None = None,
) -> Case:
    """upheld: the receiver keeps it; returned: back to the sender; reassigned: to a third."""
    _require_role(dispatcher, Role.DISPATCHER)
    now = now or timezone.now()
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if not transfer.awaits_decision:
        raise Conflict(_("This transfer is not waiting for a decision."), code="not_contested")
    case = _locked(transfer.case)
    target = {
        TransferDecision.UPHELD: transfer.to_department,
        TransferDecision.RETURNED: transfer.from_department,
        TransferDecision.REASSIGNED: department,
    }.get(decision)  # type: ignore[call-overload]
    if decision not in TransferDecision.values:
        raise DomainError(_("Choose a decision."), field="decision")
    if target is None:
        raise DomainError(_("Choose the department the case goes to."), field="department")
    transfer.decision, transfer.decided_department = decision, target
    transfer.decided_by, transfer.decided_at = dispatcher, now
    transfer.save()
    _assign(case, target, now)
    case.save()
    case.refresh_from_db()
    record_event(
        case,
        "contest_decided",
        actor=dispatcher,
        department=target,
        note=str(TransferDecision(decision).label),
        decision={"transfer": transfer.pk, "decision": decision, "department": target.code},
        now=now,
    )
    return case


# ----- the reporter's rating, reopening and closing -----------------------------------------


def _close(case: Case, *, actor: User | None, reason: str, now: datetime) -> None:
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.save(update_fields=["status", "closed_at"])
    record_event(case, "closed", actor=actor, note=reason, decision={"reason": reason}, now=now)


@transaction.atomic
def rate_answer(
    reporter: Reporter,
    *,
    level: int,
    tags: Iterable[str] = (),
    comment: str = "",
    recorded_by: User | None = None,
    now: datetime | None = None,
) -> Rating:
    """A reporter rates the answer (1–5, reason tags). Dissatisfied (1 or 2) reopens the case
    the first time; after a reopen it is recorded and the case closes. When every reporter
    has rated this answer without dissatisfaction, the case closes."""
    now = now or timezone.now()
    tags = list(dict.fromkeys(tags))
    if level not in range(1, 6):
        raise DomainError(_("Choose a rating from 1 to 5."), field="level")
    unknown = [tag for tag in tags if tag not in REASON_TAGS]
    if unknown:
        raise DomainError(_("Unknown reason: %(tag)s."), field="tags", params={"tag": unknown[0]})
    if len(comment) > MAX_REASON:
        raise DomainError(
            _("Keep the comment to %(max)d characters."),
            field="comment",
            params={"max": MAX_REASON},
        )
    case = _locked(reporter.case)
    _require_status(case, CaseStatus.ANSWERED)
    if Rating.objects.filter(case=case, reporter=reporter, round=case.reopen_count).exists():
        raise Conflict(_("You have already rated this answer."), code="already_rated")
    rating = Rating.objects.create(
        case=case,
        reporter=reporter,
        round=case.reopen_count,
        level=level,
        tags=tags,
        comment=comment.strip(),
        recorded_by=recorded_by,
        at=now,
    )
    record_event(case, "rated", actor=recorded_by, note=f"{level}/5", now=now)
    if rating.is_dissatisfied and case.reopen_count == 0:
        case.status = CaseStatus.ASSIGNED
        case.reopen_count = 1
        case.resolve_due = sla.reopened_resolve_due(case.urgency, now)
        case.escalated_stage = ""
        case.save()
        record_event(
            case, "reopened", actor=recorded_by, decision={"level": level, "round": 1}, now=now
        )
    elif rating.is_dissatisfied:
        _close(case, actor=recorded_by, reason="dissatisfied_after_reopen", now=now)
    else:
        rated = Rating.objects.filter(case=case, round=case.reopen_count).values("reporter")
        if not case.reporters.exclude(pk__in=rated).exists():
            _close(case, actor=recorded_by, reason="satisfied", now=now)
    return rating


@transaction.atomic
def close_case(dispatcher: User, case: Case, *, now: datetime | None = None) -> Case:
    """A dispatcher closes an answered case (for example after calling the reporter back)."""
    _require_role(dispatcher, Role.DISPATCHER)
    case = _locked(case)
    _require_status(case, CaseStatus.ANSWERED)
    _close(case, actor=dispatcher, reason="dispatcher", now=now or timezone.now())
    return case


def close_unrated(now: datetime | None = None) -> int:
    """Answered cases nobody rated within five working days close by themselves."""
    now = now or timezone.now()
    closed = 0
    for case in Case.objects.filter(status=CaseStatus.ANSWERED, answered_at__isnull=False):
        assert case.answered_at is not None
        if calendar.add_working_days(case.answered_at, AUTO_CLOSE_WORKING_DAYS) > now:
            continue
        with transaction.atomic():
            locked = _locked(case)
            if locked.status == CaseStatus.ANSWERED:
                _close(locked, actor=None, reason="not_rated", now=now)
                closed += 1
    return closed


# ----- deadlines: escalation to the level above ---------------------------------------------


def overdue_stage(case: Case, now: datetime) -> str:
    """The latest deadline the case has missed, or "" when it is on time."""
    if case.status != CaseStatus.ASSIGNED:
        return ""
    if case.resolve_due < now:
        return Stage.RESOLVE
    if case.replied_at is None and case.reply_due < now:
        return Stage.REPLY
    if case.acknowledged_at is None and case.respond_due < now:
        return Stage.RESPOND
    return ""


def escalate_overdue(now: datetime | None = None) -> int:
    """Each missed deadline escalates the case once to the same kind of department at the
    parent division, which may then act on it. The work is found from the database and each
    move is a conditional update, so a late or doubled tick escalates nothing twice."""
    now = now or timezone.now()
    candidates = Case.objects.filter(status=CaseStatus.ASSIGNED).filter(
        Q(resolve_due__lt=now)
        | Q(replied_at__isnull=True, reply_due__lt=now)
        | Q(acknowledged_at__isnull=True, respond_due__lt=now)
    )
    moved = 0
    for case in candidates.select_related("department__division", "escalated_to__division"):
        stage = overdue_stage(case, now)
        if STAGE_ORDER[stage] <= STAGE_ORDER[case.escalated_stage] or case.department is None:
            continue
        current = case.escalated_to or case.department
        target = supervising_department(current) or current
        with transaction.atomic():
            updated = Case.objects.filter(
                pk=case.pk, status=CaseStatus.ASSIGNED, escalated_stage=case.escalated_stage
            ).update(
                escalated_stage=stage,
                escalation_level=F("escalation_level") + (1 if target != current else 0),
                escalated_to=target,
                escalated_at=now,
                version=F("version") + 1,
            )
            if not updated:
                continue
            case.refresh_from_db()
            record_event(
                case,
                "escalated",
                department=target,
                note=str(Stage(stage).label),
                decision={"stage": stage, "to": target.code, "level": case.escalation_level},
                now=now,
            )
            due = {"respond": case.respond_due, "reply": case.reply_due}.get(
                str(stage), case.resolve_due
            )
            for admin in User.objects.filter(
                department=target, roles__role=Role.DEPARTMENT_ADMIN, is_active=True
            ):
                notify.send(
                    admin,
                    Event.CASE_ESCALATED,
                    context={
                        "ref": case.ref,
                        # Named when rendered, in the admin's language.
                        "department": case.department,
                        "stage": _lower_lazy(Stage(stage).label),
                        "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                    },
                    subject_ref=case.ref,
                    link=f"/hotline/work/{case.ref}/",
                )
            moved += 1
    return moved


def _lower(label: object) -> str:
    return str(label).lower()


_lower_lazy = lazy(_lower, str)


# ----- personal data: reading a reporter's contact details ----------------------------------


@transaction.atomic
def read_contacts(officer: User, case: Case, *, purpose: str) -> list[Reporter]:
    """The reporters' names and numbers, for a callback: logged (and in the ledger) so the
    reporter can see who read them and why. Anonymous reporters' details stay hidden."""
    purpose = _text(purpose, field="purpose", limit=100, what=str(_("purpose")))
    if not (
        handles(officer, case)
        or has_role(officer, Role.DISPATCHER)
        or has_role(officer, Role.HOTLINE_AGENT)
    ):
        raise NotFound(_("No case of your department has this number."), field="ref")
    assert officer.department is not None
    reporters = list(case.reporters.filter(anonymous=False).select_related("user"))
    # Each signed-in reporter sees the read; callers without an account are covered by one
    # record without a subject, so the ledger has the read either way.
    subjects: list[User | None] = list(
        {r.user_id: r.user for r in reporters if r.user is not None}.values()
    )
    for subject in subjects or [None]:
        record_data_access(
            AccessKind.CONTACT_READ,
            subject_user=subject,
            department=officer.department,
            accessor=officer.username,
            actor_role="officer",
            what=_("Your name and phone number in a hotline case"),
            purpose=purpose,
            case_ref=case.ref,
            details={"read": "grievance.contact"},
        )
    return reporters


# ----- partner apps' Open311 keys -----------------------------------------------------------

KEY_PREFIX = "ow311_"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def issue_api_key(admin: User, *, name: str, division: Division) -> tuple[ApiClient, str]:
    """A new partner key; the key itself is shown once and only its hash is stored."""
    if not (admin.is_superuser or has_role(admin, Role.PLATFORM_ADMIN)):
        raise PermissionDenied(_("Only a platform administrator issues partner keys."))
    name = _text(name, field="name", limit=100, what=str(_("partner name")))
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secret}"
    client = ApiClient.objects.create(
        name=name, key_prefix=prefix, key_hash=key_digest(key), division=division, created_by=admin
    )
    ledger.record(
        "grievance.api_key_issued",
        subject_ref=f"api-client-{client.pk}",
        actor_role="platform_admin",
        department=admin.department.code if admin.department else "platform",
        payload={"client": client.pk, "prefix": prefix},
    )
    return client, key


@transaction.atomic
def revoke_api_key(admin: User, client: ApiClient) -> ApiClient:
    if not (admin.is_superuser or has_role(admin, Role.PLATFORM_ADMIN)):
        raise PermissionDenied(_("Only a platform administrator revokes partner keys."))
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        ledger.record(
            "grievance.api_key_revoked",
            subject_ref=f"api-client-{client.pk}",
            actor_role="platform_admin",
            department=admin.department.code if admin.department else "platform",
            payload={"client": client.pk},
        )
    return client


def client_for_key(key: str) -> ApiClient | None:
    """The active partner holding `key`, compared by hash in constant time."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    client = ApiClient.objects.filter(key_prefix=prefix, revoked_at__isnull=True).first()
    if client is None or not secrets.compare_digest(client.key_hash, key_digest(key)):
        return None
    return client
