"""Health and travel codes recognised across regions (issue 20, item 4).

A resident's code is a credential of kind `health_code` (credentials.kinds): sealed by the
health department that holds the resident's status, valid 24 hours, and carrying only what a
checkpoint needs: the colour, a masked name and the ID number's last four digits, to hold
against the ID card shown. A checkpoint anywhere scans the QR: our /v/ page, another region's
instance with our trust list imported, or the standalone verifier offline (then the 24 hours
bound how stale an unseen change can be).

- `code_for(resident)`: the resident's current code; a new one when the last ran out (the
  first time: a green status held by the health department for their division).
- `set_colour(officer, resident, ...)`: an approver of that health department changes the
  colour; in the same transaction the current code is revoked (the status lists show it at
  once) and a new one is issued. The revocation says only "replaced", because /verify shows
  a revoked credential's reason to whoever scans it; the officer's reason stays here.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.alerts.models import HealthColour, HealthStatus
from onewindow.core import personal_data
from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError, NotFound, PermissionDenied
from onewindow.credentials import services as credentials
from onewindow.credentials.models import Credential, CredentialStatus
from onewindow.identity.access import record_data_access
from onewindow.identity.models import (
    AccessKind,
    Department,
    DepartmentKind,
    OfficerRole,
    Role,
    User,
    UserKind,
)
from onewindow.identity.selectors import citizen_by_id_number, competent_department
from onewindow.ledger import services as ledger

KIND = "health_code"
# The words of the health code's kind (credentials.kinds) are translated in this app's own
# catalogue, with the rest of the feature; named here so that `make messages` keeps them.
KIND_WORDS = (
    gettext_lazy("Health and travel code"),
    gettext_lazy("Code colour"),
    gettext_lazy("Name (masked)"),
    gettext_lazy("ID number, last four digits"),
)
DECIDING_ROLES = (Role.APPROVER, Role.DEPARTMENT_ADMIN)
REASON_MIN_LENGTH = 4
# What a replaced code's revocation says to whoever scans it: nothing about the person.
REPLACED = "已换发新码 Replaced by a new code"
# A code about to run out is not handed out again: a new one is issued instead.
MINIMUM_LEFT = timedelta(hours=1)


def subject_for(resident: User, colour: str) -> dict[str, str]:
    """The code's claims: the colour and just enough to match it to the person's ID card."""
    id_number = resident.plain_id_number()
    return {
        "colour": colour,
        "holderNameMasked": personal_data.mask_name(resident.real_name or resident.username),
        "idNumberLast4": id_number[-4:] if id_number else "----",
    }


def may_decide(officer: User) -> bool:
    """An approver or administrator of a health department."""
    department = officer.department
    return (
        department is not None
        and department.kind == DepartmentKind.HEALTH
        and OfficerRole.objects.filter(user=officer, role__in=DECIDING_ROLES).exists()
    )


def _holding_department(resident: User) -> Department:
    if resident.division is None:
        raise DomainError(
            _("Your registered division is not on file, so no health department holds your code."),
            field="division",
            code="no_health_department",
        )
    try:
        return competent_department(
            resident.division, kind=DepartmentKind.HEALTH, level=Level.VILLAGE
        )
    except DomainError:
        raise DomainError(
            _("No health department covers your registered division yet."),
            field="division",
            code="no_health_department",
        ) from None


def _is_current(code: Credential | None) -> bool:
    return (
        code is not None
        and code.status == CredentialStatus.ACTIVE
        and (code.valid_until is None or code.valid_until - timezone.now() >= MINIMUM_LEFT)
    )


def _issue(status: HealthStatus) -> Credential:
    """A new code for the locked `status`, under its department's seal."""
    status.codes_issued += 1
    code = credentials.issue_credential(
        kind=KIND,
        issuer=status.department,
        holder=status.resident,
        # One credential per case and kind: each code of the resident is a case of its own.
        case_ref=f"health-{status.resident_id}-{status.codes_issued}",
        subject=subject_for(status.resident, status.colour),
    )
    status.code = code
    return code


def _locked_status(resident: User) -> HealthStatus | None:
    return (
        HealthStatus.objects.select_for_update(of=("self",))
        .select_related("code", "department", "resident")
        .filter(resident=resident)
        .first()
    )


def status_of(resident: User) -> HealthStatus | None:
    return HealthStatus.objects.select_related("code").filter(resident=resident).first()


def current_code(resident: User) -> Credential | None:
    """The resident's code if it is valid now (for at least `MINIMUM_LEFT`), else None."""
    status = status_of(resident)
    return status.code if status is not None and _is_current(status.code) else None


def code_for(resident: User) -> Credential:
    """The resident's current health code, issued anew when the last one ran out or was
    revoked. The first time, the health department for the resident's registered division
    starts a green status. Raises PermissionDenied for an officer or agent account and
    DomainError when no health department covers the resident."""
    if resident.kind != UserKind.CITIZEN:
        raise PermissionDenied(_("Health codes are for residents."))
    with transaction.atomic():
        status = _locked_status(resident)
        if status is None:
            status = HealthStatus.objects.create(
                resident=resident,
                department=_holding_department(resident),
                colour=HealthColour.GREEN,
            )
        if _is_current(status.code):
            assert status.code is not None
            return status.code
        code = _issue(status)
        status.save(update_fields=["code", "codes_issued"])
    return code


def find_resident(id_number: str) -> User:
    """The resident registered under a resident ID number; NotFound otherwise."""
    resident = citizen_by_id_number(id_number)
    if resident is None:
        raise NotFound(_("No resident is registered under this ID number."), field="id_number")
    return resident


def set_colour(officer: User, resident: User, *, colour: str, reason: str) -> HealthStatus:
    """An approver of a health department sets a resident's code colour (a person at risk:
    yellow or red; cleared: green), giving a reason. The code in use is revoked at once and a
    new one issued, in one transaction with a ledger entry (a digest of the reason) and a
    data-access record the resident sees. Raises PermissionDenied (not a health approver, or
    the resident's code is held by another department) and DomainError (unknown colour, no
    reason, the same colour)."""
    if not may_decide(officer):
        raise PermissionDenied(_("Only approvers of a health department set health codes."))
    if colour not in HealthColour.values:
        raise DomainError(_("Choose green, yellow or red."), field="colour")
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(
            _("Give the reason, at least %(n)d characters.") % {"n": REASON_MIN_LENGTH},
            field="reason",
        )
    assert officer.department is not None
    if resident.division is not None and not resident.division.is_within(
        officer.department.division
    ):
        raise PermissionDenied(_("This resident is registered outside your department's area."))
    with transaction.atomic():
        status = _locked_status(resident)
        if status is None:
            status = HealthStatus(resident=resident, department=officer.department)
        elif status.department_id != officer.department_id:
            raise PermissionDenied(_("Another health department holds this resident's code."))
        elif status.colour == colour:
            raise DomainError(
                _("The code is already %(colour)s.")
                % {"colour": HealthColour(colour).label.lower()},
                field="colour",
                code="same_colour",
            )
        previous = status.code
        if previous is not None and previous.status != CredentialStatus.REVOKED:
            credentials.change_status(officer, previous, to="revoked", reason=REPLACED)
        status.colour = colour
        status.changed_at = timezone.now()
        status.changed_by = officer
        status.reason = reason[:500]
        status.save()
        _issue(status)
        status.save(update_fields=["code", "codes_issued"])
        record_data_access(
            AccessKind.IDENTITY_LOOKUP,
            subject_user=resident,
            department=officer.department,
            accessor=officer.username,
            actor_role="approver",
            what=gettext_lazy("Health code colour, set by the health department"),
            purpose="health_code",
            case_ref=status.code.number if status.code else "",
        )
        ledger.record(
            "health_code.colour_set",
            subject_ref=status.code.number if status.code else "",
            actor_role="approver",
            department=officer.department.code,
            payload={
                "colour": colour,
                "replaced": previous.number if previous is not None else None,
                "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(),
            },
        )
    return status
