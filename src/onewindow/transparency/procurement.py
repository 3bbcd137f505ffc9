"""Writes of e-procurement, entered by the buyer's procurement officers, with the rules of
the Government Procurement Law and its implementing regulation that matter here:

- bids are accepted for at least 20 days in an open or selective tender (5 for single source);
- every bidder declares it has no conflict of interest with the buyer;
- the award names a bidder, after the tender closed; the result is public for 1 working day
  and bidders may question it for 7 working days;
- the contract is signed after the complaint window and within 30 days of the award.

Each function: one transaction, a ledger entry, DomainError naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import calendar
from onewindow.core.errors import Conflict, DomainError, PermissionDenied
from onewindow.core.validators import validate_credit_code
from onewindow.identity.models import Department, OfficerRole, Role, User
from onewindow.ledger import services as ledger
from onewindow.transparency import fiscal
from onewindow.transparency.models import (
    Bid,
    Method,
    Milestone,
    Procurement,
    ProcurementStatus,
)

OCID_PREFIX = "ocds-ow3301"
MIN_TENDER_DAYS = {Method.OPEN: 20, Method.SELECTIVE: 20, Method.LIMITED: 5}
PUBLICITY_WORKING_DAYS = 1
COMPLAINT_WORKING_DAYS = 7
CONTRACT_WITHIN_DAYS = 30


def _may_procure(officer: User, buyer: Department) -> None:
    if (
        officer.department_id != buyer.pk
        or not OfficerRole.objects.filter(user=officer, role=Role.PROCUREMENT_OFFICER).exists()
    ):
        raise PermissionDenied(_("This needs a procurement officer of the buying department."))


def _in_status(process: Procurement, *statuses: str) -> None:
    if process.status not in statuses:
        raise Conflict(
            _("The process is %(status)s: this step does not apply."),
            params={"status": process.get_status_display()},
            code="procurement_wrong_stage",
            field="status",
        )


def _working_days_after(day: date, count: int) -> date:
    start = datetime.combine(day, time(12), tzinfo=calendar.SHANGHAI)
    return calendar.add_working_days(start, count).astimezone(calendar.SHANGHAI).date()


def _record(process: Procurement, officer: User, step: str, **payload: object) -> None:
    ledger.record(
        f"transparency.procurement.{step}",
        subject_ref=process.ocid,
        actor_role=Role.PROCUREMENT_OFFICER,
        department=process.buyer.code,
        payload={"ocid": process.ocid, "status": process.status, **payload},
    )


def plan_procurement(
    officer: User,
    buyer: Department,
    *,
    title_zh: str,
    title_en: str,
    function_code: str,
    method: str,
    budget_fen: int,
    planned_on: date,
) -> Procurement:
    """A procurement plan of the buyer. Raises PermissionDenied, DomainError (field)."""
    _may_procure(officer, buyer)
    if not title_zh.strip():
        raise DomainError(_("Give the title."), code="required", field="title_zh")
    if not fiscal.function_code_valid(function_code):
        raise DomainError(
            _("Unknown functional class."), code="fiscal_line_invalid", field="function_code"
        )
    if method not in Method.values:
        raise DomainError(_("Unknown method."), code="procurement_method", field="method")
    if budget_fen <= 0:
        raise DomainError(
            _("The budget is a positive amount in fen."), code="amount", field="budget_fen"
        )
    with transaction.atomic():
        count = Procurement.objects.select_for_update().filter(planned_on__year=planned_on.year)
        sequence = count.count() + 1
        process = Procurement.objects.create(
            ocid=f"{OCID_PREFIX}-{planned_on.year}-{sequence:04d}",
            title_zh=title_zh.strip(),
            title_en=title_en.strip(),
            buyer=buyer,
            function_code=function_code,
            method=method,
            budget_fen=budget_fen,
            planned_on=planned_on,
        )
        _record(process, officer, "planned", budget_fen=budget_fen)
    return process


def open_tender(officer: User, process: Procurement, *, start: date, end: date) -> Procurement:
    """Publish the tender notice: bids from `start` to `end`. Raises DomainError (field)
    for dates out of order or a bidding period shorter than the law's."""
    _may_procure(officer, process.buyer)
    _in_status(process, ProcurementStatus.PLANNING)
    if start < process.planned_on:
        raise DomainError(
            _("The tender opens after the plan."), code="date_order", field="tender_start"
        )
    minimum = MIN_TENDER_DAYS[Method(process.method)]
    if end < start + timedelta(days=minimum):
        raise DomainError(
            _("Bids must be accepted for at least %(days)s days."),
            params={"days": minimum},
            code="tender_too_short",
            field="tender_end",
        )
    with transaction.atomic():
        process.status = ProcurementStatus.TENDER
        process.tender_start, process.tender_end = start, end
        process.updated_at = timezone.now()
        process.save()
        _record(process, officer, "tender", start=start.isoformat(), end=end.isoformat())
    return process


def receive_bid(
    officer: User,
    process: Procurement,
    *,
    credit_code: str,
    name: str,
    amount_fen: int,
    received_on: date,
    no_conflict_declared: bool,
) -> Bid:
    """Record a bid received within the bidding period. Raises DomainError (field): an
    invalid credit code, a bid outside the period, no conflict-of-interest declaration."""
    _may_procure(officer, process.buyer)
    _in_status(process, ProcurementStatus.TENDER)
    try:
        validate_credit_code(credit_code)
    except ValidationError as error:
        raise DomainError(
            error.messages[0], code="credit_code_invalid", field="credit_code"
        ) from None
    assert process.tender_start is not None
    assert process.tender_end is not None
    if not (process.tender_start <= received_on <= process.tender_end):
        raise DomainError(
            _("The bid arrived outside the bidding period."),
            code="date_order",
            field="received_on",
        )
    if not no_conflict_declared:
        raise DomainError(
            _("The bidder must declare it has no conflict of interest with the buyer."),
            code="conflict_of_interest",
            field="no_conflict_declared",
        )
    if amount_fen <= 0:
        raise DomainError(
            _("The bid is a positive amount in fen."), code="amount", field="amount_fen"
        )
    with transaction.atomic():
        if process.bids.filter(credit_code=credit_code).exists():
            raise Conflict(_("This business has bid already."), field="credit_code")
        bid = Bid.objects.create(
            procurement=process,
            credit_code=credit_code,
            name=name.strip(),
            amount_fen=amount_fen,
            received_on=received_on,
            no_conflict_declared=True,
        )
        _record(process, officer, "bid", bidder=credit_code, amount_fen=amount_fen)
    return bid


def award(
    officer: User, process: Procurement, *, credit_code: str, awarded_on: date
) -> Procurement:
    """Award the contract to one bidder, after the bidding closed; opens the publicity and
    complaint windows. Raises DomainError (field)."""
    _may_procure(officer, process.buyer)
    _in_status(process, ProcurementStatus.TENDER)
    assert process.tender_end
    if awarded_on <= process.tender_end:
        raise DomainError(
            _("The award follows the close of bidding."), code="date_order", field="awarded_on"
        )
    bid = process.bids.filter(credit_code=credit_code).first()
    if bid is None:
        raise DomainError(
            _("Only a bidder can be awarded."), code="not_a_bidder", field="credit_code"
        )
    with transaction.atomic():
        process.status = ProcurementStatus.AWARD
        process.awarded_on = awarded_on
        process.publicity_end = _working_days_after(awarded_on, PUBLICITY_WORKING_DAYS)
        process.complaint_end = _working_days_after(awarded_on, COMPLAINT_WORKING_DAYS)
        process.supplier_credit_code = bid.credit_code
        process.supplier_name = bid.name
        process.award_fen = bid.amount_fen
        process.updated_at = timezone.now()
        process.save()
        _record(process, officer, "award", supplier=bid.credit_code, amount_fen=bid.amount_fen)
    return process


def sign_contract(
    officer: User,
    process: Procurement,
    *,
    signed_on: date,
    ends_on: date,
    milestones: Sequence[tuple[str, date]] = (),
) -> Procurement:
    """The contract, signed after the complaint window closed and within 30 days of the
    award, with its implementation milestones. Raises DomainError (field)."""
    _may_procure(officer, process.buyer)
    _in_status(process, ProcurementStatus.AWARD)
    assert process.awarded_on is not None
    assert process.complaint_end is not None
    if signed_on <= process.complaint_end:
        raise DomainError(
            _("The contract is signed after the complaint window (until %(end)s)."),
            params={"end": process.complaint_end.isoformat()},
            code="date_order",
            field="signed_on",
        )
    if signed_on > process.awarded_on + timedelta(days=CONTRACT_WITHIN_DAYS):
        raise DomainError(
            _("The contract is signed within 30 days of the award."),
            code="contract_late",
            field="signed_on",
        )
    if ends_on <= signed_on:
        raise DomainError(
            _("The contract ends after it is signed."), code="date_order", field="ends_on"
        )
    for number, (_title, due) in enumerate(milestones):
        if not (signed_on <= due <= ends_on):
            raise DomainError(
                _("A milestone falls within the contract."),
                code="date_order",
                field=f"milestones[{number}].due",
            )
    with transaction.atomic():
        process.status = ProcurementStatus.CONTRACT
        process.contract_signed, process.contract_end = signed_on, ends_on
        process.updated_at = timezone.now()
        process.save()
        Milestone.objects.bulk_create(
            Milestone(procurement=process, title=title, due=due) for title, due in milestones
        )
        _record(process, officer, "contract", signed=signed_on.isoformat())
    return process


def complete(officer: User, process: Procurement, *, completed_on: date) -> Procurement:
    """The contract fulfilled: every milestone met by `completed_on`."""
    _may_procure(officer, process.buyer)
    _in_status(process, ProcurementStatus.CONTRACT)
    assert process.contract_signed
    if completed_on < process.contract_signed:
        raise DomainError(
            _("Completion follows the signature."), code="date_order", field="completed_on"
        )
    with transaction.atomic():
        process.milestones.filter(met_on__isnull=True).update(met_on=completed_on)
        process.status = ProcurementStatus.COMPLETE
        process.completed_on = completed_on
        process.updated_at = timezone.now()
        process.save()
        _record(process, officer, "complete", completed=completed_on.isoformat())
    return process


def cancel(officer: User, process: Procurement) -> Procurement:
    _may_procure(officer, process.buyer)
    _in_status(process, ProcurementStatus.PLANNING, ProcurementStatus.TENDER)
    with transaction.atomic():
        process.status = ProcurementStatus.CANCELLED
        process.updated_at = timezone.now()
        process.save()
        _record(process, officer, "cancel")
    return process
