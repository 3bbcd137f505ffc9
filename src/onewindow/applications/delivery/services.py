"""The paper result of an approved application: posted to an address, or kept at a hall.

At filing, a postal delivery needs the recipient's name, mobile and address: checked here
(every field's error at once) and stored encrypted (`DeliveryAddress`). When the application
is approved, the engine calls `open_delivery` inside the approving transaction, so no
approved application is ever without its delivery row: post → `preparing`; pickup → a
random 8-digit code (stored encrypted, shown only to the applicant) at the receiving
county's service hall, `ready_for_pickup`; electronic → nothing (the credential is the
result).

The hall's window clerks and the officers of the departments that handled the application
then move it along the only transitions allowed (`TRANSITIONS`). Each move is one
transaction: the delivery row locked, a Transition on the application's timeline, a notice
to the applicant, and for the two that end it (delivered, handed over) a ledger entry of
digests only.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.applications import notices
from onewindow.applications.competence import county_of
from onewindow.applications.models import (
    Application,
    Carrier,
    Delivery,
    DeliveryAddress,
    DeliveryStatus,
    Transition,
    decision_payload,
)
from onewindow.applications.workflow.status import moving, touched
from onewindow.catalog.models import Delivery as DeliveryMethod
from onewindow.core import calendar, personal_data
from onewindow.core.divisions import Level
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.core.validators import normalise_mobile, validate_mobile, validate_postal_code
from onewindow.identity.access import record_data_access
from onewindow.identity.models import AccessKind, OfficerRole, Role, User
from onewindow.ledger import services as ledger

# Bound to the application too (`<context>:<application pk>`): a ciphertext copied onto another
# application's row does not decrypt there.
ADDRESS_CONTEXT = "applications.delivery_address.recipient"
PICKUP_CODE_CONTEXT = "applications.delivery.pickup_code"
PICKUP_CODE_DIGITS = 8
# Five wrong codes lock the hand-over for a quarter of an hour: with 10^8 codes, guessing
# stays hopeless, while a clerk's typo costs nothing.
MAX_CODE_ATTEMPTS = 5
CODE_LOCK = timedelta(minutes=15)
TRACKING_NUMBER = re.compile(r"[A-Z0-9]{1,40}")
# Beside the hall's window clerks, who of a handling department may move a delivery.
HANDLING_ROLES = frozenset({Role.WINDOW_CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN})

# action → (the methods it applies to, the statuses it leaves, the status it reaches)
TRANSITIONS: dict[str, tuple[str, frozenset[str], str]] = {
    "dispatch": (
        DeliveryMethod.POST,
        frozenset({DeliveryStatus.PREPARING, DeliveryStatus.RETURNED}),
        DeliveryStatus.DISPATCHED,
    ),
    "delivered": (
        DeliveryMethod.POST,
        frozenset({DeliveryStatus.DISPATCHED}),
        DeliveryStatus.DELIVERED,
    ),
    "returned": (
        DeliveryMethod.POST,
        frozenset({DeliveryStatus.DISPATCHED}),
        DeliveryStatus.RETURNED,
    ),
    "hand_over": (
        DeliveryMethod.PICKUP,
        frozenset({DeliveryStatus.READY_FOR_PICKUP}),
        DeliveryStatus.HANDED_OVER,
    ),
}
FINISHED = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.HANDED_OVER})
OPEN_STATUSES = frozenset(DeliveryStatus.values) - FINISHED
# How each move reads on the application's timeline (and names its ledger event).
LOGGED_AS = {
    "dispatch": "dispatched",
    "delivered": "delivered",
    "returned": "returned",
    "hand_over": "handed_over",
}
TIMELINE_ACTIONS = frozenset({"delivery_opened", *LOGGED_AS.values()})


class TooManyAttempts(DomainError):
    status = 429
    code = "pickup_locked"


# ----- the address, at filing ---------------------------------------------------------------


@dataclass(frozen=True)
class PostalAddress:
    """A checked postal address: mobile normalised, division known and county or below."""

    recipient_name: str
    mobile: str
    division: str  # the division code
    street: str
    postal_code: str

    def masked(self) -> dict[str, str]:
        """What pages and the API show: enough to recognise, not enough to reuse."""
        # The road's name at most: never the first digit (house, building, room numbers).
        road = re.match(r"\D*", self.street)
        keep = min(len(road.group(0).rstrip()) if road else 0, 6, len(self.street) // 2)
        return {
            "recipient_name": personal_data.mask_name(self.recipient_name),
            "mobile": personal_data.mask_mobile(self.mobile),
            "division": self.division,
            "street": personal_data.mask(self.street, keep_start=keep, keep_end=0),
            "postal_code": self.postal_code,
        }


ADDRESS_FIELDS = ("recipient_name", "mobile", "division", "street", "postal_code")


DIVISION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}){0,2}")


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _is_plain(text: str) -> bool:
    """No control characters (a NUL cannot even be stored by PostgreSQL)."""
    return not any(unicodedata.category(char) == "Cc" for char in text)


def _first_message(error: ValidationError) -> str:
    return str(error.messages[0])


def address_errors(raw: Mapping[str, Any]) -> tuple[PostalAddress | None, dict[str, str]]:
    """Check a postal address given at filing. Returns the address, or every field's error
    at once, keyed `address.<field>`."""
    errors: dict[str, str] = {}
    name = _text(raw, "recipient_name")
    if not name or len(name) > 60 or not _is_plain(name):
        errors["address.recipient_name"] = str(
            _("Give the recipient's name (at most 60 characters, no control characters).")
        )
    mobile = normalise_mobile(_text(raw, "mobile"))
    if not mobile:
        errors["address.mobile"] = str(_("Give a mobile number the courier can call."))
    else:
        try:
            validate_mobile(mobile)
        except ValidationError as refused:
            errors["address.mobile"] = _first_message(refused)
    code = _text(raw, "division")
    division = (
        Division.objects.filter(code=code, level__gte=Level.COUNTY).only("code").first()
        if DIVISION_CODE.fullmatch(code)
        else None
    )
    if division is None:
        errors["address.division"] = str(
            _("Choose the county, township or street of the address from the list.")
        )
    street = _text(raw, "street")
    if not street or len(street) > 200 or not _is_plain(street):
        errors["address.street"] = str(
            _(
                "Give the road, number, building and room (at most 200 characters, "
                "no control characters)."
            )
        )
    postal_code = _text(raw, "postal_code")
    try:
        validate_postal_code(postal_code)
    except ValidationError as refused:
        errors["address.postal_code"] = _first_message(refused)
    if errors:
        return None, errors
    return PostalAddress(name, mobile, code, street, postal_code), {}


def check_address(raw: Mapping[str, Any]) -> PostalAddress:
    """`address_errors`, raising DomainError(code="address_invalid") with per-field errors."""
    address, errors = address_errors(raw)
    if address is None:
        raise DomainError(
            _("The postal address has %(count)s problem(s)."),
            code="address_invalid",
            field=next(iter(errors)),
            params={"count": len(errors), "errors": errors},
        )
    return address


def store_address(application: Application, address: PostalAddress) -> DeliveryAddress:
    """Keep a checked address with the application, encrypted (inside the filing's
    transaction)."""
    return DeliveryAddress.objects.create(
        application=application,
        division=Division.objects.get(code=address.division),
        recipient_encrypted=personal_data.encrypt(
            json.dumps(asdict(address), ensure_ascii=False),
            context=f"{ADDRESS_CONTEXT}:{application.pk}",
        ),
    )


def address_of(application: Application) -> PostalAddress | None:
    """The decrypted address of a postal delivery (for the hall that posts it), or None."""
    stored = DeliveryAddress.objects.filter(application=application).first()
    if stored is None:
        return None
    fields = json.loads(
        personal_data.decrypt(
            stored.recipient_encrypted, context=f"{ADDRESS_CONTEXT}:{application.pk}"
        )
    )
    return PostalAddress(**{name: fields[name] for name in ADDRESS_FIELDS})


# ----- on approval ----------------------------------------------------------------------------


def _log(
    application: Application,
    action: str,
    actor: User | None,
    from_status: str,
    to_status: str,
    *,
    reason: str = "",
    actor_role: str = "system",
    department: str = "platform",
    is_recorded: bool = False,
) -> Transition:
    """A delivery move on the application's timeline; the final ones also in the ledger."""
    ledger_index = None
    if is_recorded:
        receipt = ledger.record(
            f"delivery.{action}",
            subject_ref=application.ref,
            actor_role=actor_role,
            department=department,
            payload=decision_payload(application.ref, "", action, to_status, reason),
        )
        ledger_index = receipt.index
    touched(application)
    return Transition.objects.create(
        application=application,
        action=action,
        actor=actor,
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        at=timezone.now(),
        ledger_index=ledger_index,
    )


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"


def open_delivery(application: Application, now: datetime) -> Delivery | None:
    """The paper result's delivery, opened by the engine inside the approving transaction:
    post → preparing at the receiving county's hall; pickup → ready there, with a new pickup
    code; electronic → None."""
    if application.delivery not in (DeliveryMethod.POST, DeliveryMethod.PICKUP):
        return None
    is_post = application.delivery == DeliveryMethod.POST
    delivery = Delivery.objects.create(
        application=application,
        method=application.delivery,
        status=DeliveryStatus.PREPARING if is_post else DeliveryStatus.READY_FOR_PICKUP,
        hall=county_of(application.receiving_division),
        pickup_code_encrypted=(
            ""
            if is_post
            else personal_data.encrypt(
                new_pickup_code(), context=f"{PICKUP_CODE_CONTEXT}:{application.pk}"
            )
        ),
        created_at=now,
        updated_at=now,
    )
    _log(application, "delivery_opened", None, "", delivery.status)
    if not is_post:
        notices.announce(application, "ready_for_pickup")
    return delivery


def pickup_code_of(delivery: Delivery) -> str:
    """The pickup code, for the applicant's own page and API only."""
    if not delivery.pickup_code_encrypted:
        return ""
    return personal_data.decrypt(
        delivery.pickup_code_encrypted, context=f"{PICKUP_CODE_CONTEXT}:{delivery.application_id}"
    )


# ----- the hall's moves ---------------------------------------------------------------------


def roles_for(officer: User) -> set[str]:
    return set(OfficerRole.objects.filter(user=officer).values_list("role", flat=True))


def acting_role(officer: User, delivery: Delivery) -> str | None:
    """The role in which `officer` may move `delivery`, or None: a window clerk of the hall,
    or a window clerk, approver or administrator of a department that handled the
    application."""
    if not officer.is_officer or officer.department is None:
        return None
    roles = roles_for(officer)
    if Role.WINDOW_CLERK in roles and officer.department.division_id == delivery.hall_id:
        return Role.WINDOW_CLERK
    handling = sorted(roles & HANDLING_ROLES)
    if handling and delivery.application.steps.filter(department=officer.department).exists():
        return handling[0]
    return None


def validate_tracking_number(value: str) -> str:
    """A carrier's tracking number, upper-cased: 1 to 40 letters and digits, nothing else.
    Raises DomainError on the field `tracking_number`."""
    cleaned = value.strip().upper()
    if not cleaned:
        raise DomainError(_("Give the tracking number."), field="tracking_number")
    if not TRACKING_NUMBER.fullmatch(cleaned):
        raise DomainError(
            _("A tracking number has at most 40 letters and digits, without spaces or signs."),
            field="tracking_number",
            code="tracking_number_format",
        )
    return cleaned


def _locked(officer: User, delivery: Delivery, action: str) -> tuple[Delivery, str]:
    """Lock the row and check who and what: PermissionDenied, or Conflict (wrong method or
    state, with the current status)."""
    # Only the delivery row: two clerks at one hall must not queue on the hall's division.
    locked = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("application__item_version", "hall")
        .get(pk=delivery.pk)
    )
    role = acting_role(officer, locked)
    if role is None:
        raise PermissionDenied(_("This delivery belongs to another hall or department."))
    method, sources, _target = TRANSITIONS[action]
    if locked.method != method or locked.status not in sources:
        raise Conflict(
            _("This delivery is %(status)s: that is not possible now."),
            code="delivery_state",
            params={
                "status": locked.get_status_display(),
                "current": {"status": locked.status, "method": locked.method},
            },
        )
    return locked, role


def _move(
    locked: Delivery,
    officer: User,
    role: str,
    action: str,
    *,
    reason: str = "",
    is_recorded: bool = False,
    **changes: Any,
) -> Delivery:
    from_status = locked.status
    now = timezone.now()
    locked.status = TRANSITIONS[action][2]
    locked.updated_at = now
    if locked.status in FINISHED:
        locked.finished_at = now
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save()
    assert officer.department is not None
    _log(
        locked.application,
        LOGGED_AS[action],
        officer,
        from_status,
        locked.status,
        reason=reason,
        actor_role=role,
        department=officer.department.code,
        is_recorded=is_recorded,
    )
    return locked


@moving()
def dispatch(officer: User, delivery: Delivery, *, carrier: str, tracking_number: str) -> Delivery:
    """The hall hands the paper result to a carrier (again, after a return). Raises
    DomainError (carrier, tracking_number), PermissionDenied, Conflict."""
    if carrier not in Carrier.values:
        raise DomainError(_("Choose one of the carriers listed."), field="carrier")
    tracking = validate_tracking_number(tracking_number)
    locked, role = _locked(officer, delivery, "dispatch")
    locked = _move(
        locked,
        officer,
        role,
        "dispatch",
        reason=f"{carrier} {tracking}",
        carrier=carrier,
        tracking_number=tracking,
    )
    notices.announce(
        locked.application,
        "delivery_dispatched",
        carrier=Carrier(carrier).label,
        tracking_number=tracking,
    )
    return locked


@moving()
def mark_delivered(officer: User, delivery: Delivery) -> Delivery:
    """The carrier reports the result delivered: the delivery ends (in the ledger)."""
    locked, role = _locked(officer, delivery, "delivered")
    locked = _move(locked, officer, role, "delivered", is_recorded=True)
    notices.announce(locked.application, "delivery_delivered")
    return locked


@moving()
def mark_returned(officer: User, delivery: Delivery, *, reason: str) -> Delivery:
    """The carrier brought the result back (nobody home, wrong address...): the reason is
    required; the hall may post it again."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > 500 or not _is_plain(reason):
        raise DomainError(_("Say why the post came back (at most 500 characters)."), field="reason")
    locked, role = _locked(officer, delivery, "returned")
    locked = _move(locked, officer, role, "returned", reason=reason)
    notices.announce(locked.application, "delivery_returned", reason=reason)
    return locked


def hand_over(officer: User, delivery: Delivery, *, code: str) -> Delivery:
    """A clerk hands the paper result to the applicant who presents the pickup code. A wrong
    code is refused on the field `code` and counted; the fifth in a row locks the hand-over
    for CODE_LOCK (TooManyAttempts, 429). The count is committed even though the call
    raises, so call this outside any transaction. Raises PermissionDenied, Conflict."""
    code = code.strip()
    if not re.fullmatch(rf"[0-9]{{{PICKUP_CODE_DIGITS}}}", code):
        raise DomainError(
            _("The pickup code has %(digits)s digits."),
            field="code",
            code="pickup_code_format",
            params={"digits": PICKUP_CODE_DIGITS},
        )
    refusal: DomainError | None = None
    with moving():
        locked, role = _locked(officer, delivery, "hand_over")
        now = timezone.now()
        if locked.locked_until is not None and locked.locked_until > now:
            raise TooManyAttempts(
                _("Too many wrong codes: try again after %(time)s."),
                field="code",
                params={"time": timezone.localtime(locked.locked_until).strftime("%H:%M")},
            )
        if hmac.compare_digest(pickup_code_of(locked), code):
            return _handed_over(locked, officer, role)
        locked.failed_code_attempts += 1
        if locked.failed_code_attempts >= MAX_CODE_ATTEMPTS:
            locked.failed_code_attempts = 0
            locked.locked_until = now + CODE_LOCK
            refusal = TooManyAttempts(
                _("Too many wrong codes: try again after %(time)s."),
                field="code",
                params={"time": timezone.localtime(locked.locked_until).strftime("%H:%M")},
            )
        else:
            refusal = DomainError(
                _("This is not the pickup code of this result (%(left)s tries left)."),
                field="code",
                code="pickup_code_wrong",
                params={"left": MAX_CODE_ATTEMPTS - locked.failed_code_attempts},
            )
        locked.save(update_fields=["failed_code_attempts", "locked_until"])
    raise refusal


def _handed_over(locked: Delivery, officer: User, role: str) -> Delivery:
    locked = _move(
        locked,
        officer,
        role,
        "hand_over",
        is_recorded=True,
        handed_over_by=officer,
        failed_code_attempts=0,
        locked_until=None,
    )
    notices.announce(locked.application, "delivery_handed_over")
    return locked


# ----- reading the address to post it ---------------------------------------------------------


def read_address(officer: User, delivery: Delivery) -> PostalAddress:
    """The full address, for the officer who writes the waybill. Recorded like any opening
    of an applicant's materials: the applicant sees it, and the ledger has a digest.
    Raises PermissionDenied (not this hall or department), NotFound (no address)."""
    if acting_role(officer, delivery) is None:
        raise PermissionDenied(_("This delivery belongs to another hall or department."))
    address = address_of(delivery.application)
    if address is None:
        raise NotFound(_("This delivery has no postal address."), field="address")
    assert officer.department is not None
    record_data_access(
        AccessKind.MATERIAL_OPENED,
        subject_user=delivery.application.applicant,
        department=officer.department,
        accessor=officer.username,
        actor_role="officer",
        what=_("Postal address"),
        purpose="delivery:address",
        case_ref=delivery.application.ref,
    )
    return address


# ----- what pages show about the hall ---------------------------------------------------------

HALL_OPENS = time(9, 0)
HALL_CLOSES = time(17, 0)


def next_opening_day(now: datetime | None = None) -> date:
    """Today while the hall is still open on a working day, else the next working day."""
    local = timezone.localtime(now or timezone.now())
    day = local.date()
    if calendar.is_working_day(day) and local.time() < HALL_CLOSES:
        return day
    for _offset in range(60):  # the Spring Festival holiday is the longest gap, ~9 days
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            return day
    return day
