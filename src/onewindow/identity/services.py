"""Every write about people and organisations: registration, roles, agents and consent."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from onewindow.core import personal_data
from onewindow.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onewindow.core.models import Division
from onewindow.core.validators import (
    birth_date_from_resident_id,
    normalise_mobile,
    normalise_resident_id,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)
from onewindow.identity import selectors, sms
from onewindow.identity.errors import (
    DUPLICATE_CREDIT_CODE,
    DUPLICATE_ID_NUMBER,
    DUPLICATE_MOBILE,
    DuplicateRegistration,
)
from onewindow.identity.models import (
    ID_NUMBER_CONTEXT,
    MOBILE_CONTEXT,
    AgentConsent,
    Business,
    BusinessAgent,
    ConsentChallenge,
    ConsentMethod,
    Department,
    OfficerRole,
    Role,
    User,
    UserKind,
)
from onewindow.ledger import services as ledger

CONSENT_LIFETIME = timedelta(hours=4)
CONSENT_CODE_LIFETIME = timedelta(minutes=10)
CONSENT_CODE_ATTEMPTS = 5
# A printed consent form is signed and scanned while the resident waits at the counter.
CONSENT_FORM_LIFETIME = timedelta(hours=1)
CONSENT_SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_TYPES = {b"%PDF-": ".pdf", b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}

# Kinds of service an agent may be authorised for: the catalogue registers its vocabulary
# in CatalogConfig.ready() (identity sits below the catalogue and cannot import it). Fails
# closed: while nothing is registered, no kind is known and every named kind is refused.
_SERVICE_TYPES: dict[str, str] = {}


def register_service_types(choices: Iterable[tuple[str, object]]) -> None:
    _SERVICE_TYPES.update({str(value): str(label) for value, label in choices})


def service_types() -> list[tuple[str, str]]:
    return list(_SERVICE_TYPES.items())


def start_totp_enrolment(user: User) -> TOTPDevice:
    """A new authenticator for the person to scan; it counts once `confirm_totp_device`."""
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def confirm_totp_device(device: TOTPDevice) -> TOTPDevice:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def may_act_for_residents(user: User) -> bool:
    """Village service-station agents, and window clerks at a service hall."""
    if user.kind == UserKind.STATION_AGENT:
        return True
    return (
        user.kind == UserKind.OFFICER
        and OfficerRole.objects.filter(user=user, role=Role.WINDOW_CLERK).exists()
    )


def _invalid(error: ValidationError, field: str) -> DomainError:
    return DomainError(error.messages[0], code=error.code or "invalid", field=field)


@transaction.atomic
def register_citizen(
    *,
    username: str,
    password: str,
    real_name: str,
    id_number: str,
    mobile: str,
    division: Division | None = None,
    email: str = "",
    kind: str = UserKind.CITIZEN,
) -> User:
    """Create a citizen account. Raises DomainError on bad input, DuplicateRegistration on reuse."""
    id_number = normalise_resident_id(id_number)
    mobile = normalise_mobile(mobile)
    for validate, value, field in (
        (validate_resident_id, id_number, "id_number"),
        (validate_mobile, mobile, "mobile"),
    ):
        try:
            validate(value)
        except ValidationError as error:
            raise _invalid(error, field) from error
    if User.objects.filter(
        id_number_hash=personal_data.lookup_hash(id_number, context=ID_NUMBER_CONTEXT)
    ).exists():
        raise DuplicateRegistration(DUPLICATE_ID_NUMBER, field="id_number")
    if User.objects.filter(
        mobile_hash=personal_data.lookup_hash(mobile, context=MOBILE_CONTEXT)
    ).exists():
        raise DuplicateRegistration(DUPLICATE_MOBILE, field="mobile")
    if User.objects.filter(username__iexact=username).exists():
        raise DuplicateRegistration(_("This account name is taken."), field="username")
    user = User(
        username=username,
        real_name=real_name.strip(),
        email=email,
        kind=kind,
        division=division,
        birth_year=birth_date_from_resident_id(id_number).year,
    )
    user.set_id_number(id_number)
    user.set_mobile(mobile)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # a concurrent registration won the race
        raise DuplicateRegistration(DUPLICATE_ID_NUMBER, field="id_number") from error
    return user


IDENTIFIER_MAX_LENGTH = 150  # User.username's


def find_user_by_identifier(identifier: str) -> User | None:
    """Resolve what a person typed at sign-in: account name, mobile or resident ID number."""
    identifier = identifier.strip()
    if len(identifier) > IDENTIFIER_MAX_LENGTH:
        return None  # longer than any account name; SQLite refuses such a LIKE pattern
    user = User.objects.filter(username__iexact=identifier).first()
    if user is not None:
        return user
    as_id = normalise_resident_id(identifier)
    found = User.objects.filter(
        id_number_hash=personal_data.lookup_hash(as_id, context=ID_NUMBER_CONTEXT)
    ).first()
    if found is not None:
        return found
    return User.objects.filter(
        mobile_hash=personal_data.lookup_hash(normalise_mobile(identifier), context=MOBILE_CONTEXT)
    ).first()


@transaction.atomic
def register_business(
    representative: User, *, credit_code: str, name: str, division: Division
) -> Business:
    """Register a business whose legal representative is `representative` (a citizen)."""
    credit_code = credit_code.strip().upper()
    try:
        validate_credit_code(credit_code)
    except ValidationError as error:
        raise _invalid(error, "credit_code") from error
    if representative.kind != UserKind.CITIZEN:
        raise DomainError(
            _("The legal representative must be a citizen account."), field="legal_representative"
        )
    if Business.objects.filter(credit_code=credit_code).exists():
        raise DuplicateRegistration(DUPLICATE_CREDIT_CODE, field="credit_code")
    return Business.objects.create(
        credit_code=credit_code,
        name=name.strip(),
        division=division,
        legal_representative=representative,
    )


@transaction.atomic
def create_officer(
    *,
    username: str,
    password: str,
    real_name: str,
    department: Department,
    roles: Iterable[str],
    email: str = "",
    by: User | None = None,
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise DuplicateRegistration(_("This account name is taken."), field="username")
    user = User(
        username=username,
        real_name=real_name,
        email=email,
        kind=UserKind.OFFICER,
        department=department,
        division=department.division,
    )
    user.set_password(password)
    user.save()
    for role in roles:
        grant_role(user, role, by=by)
    return user


def _record_permission_change(
    event: str, *, subject_ref: str, by: User | None, payload: dict[str, object]
) -> None:
    """Every permission change goes to the public ledger: references and a digest only."""
    ledger.record(
        event,
        subject_ref=subject_ref,
        actor_role="platform" if by is None else (by.kind if not by.is_superuser else "superuser"),
        department=by.department.code if by is not None and by.department else "platform",
        payload=payload,
    )


@transaction.atomic
def grant_role(officer: User, role: str, *, by: User | None = None) -> OfficerRole:
    """Give an officer a role; recorded in the ledger. Raises DomainError for unknown roles."""
    if role not in Role.values:
        raise DomainError(_("Unknown role."), field="role", code="unknown_role")
    if officer.kind != UserKind.OFFICER:
        raise DomainError(_("Only officers hold roles."), field="user", code="not_an_officer")
    granted, created = OfficerRole.objects.get_or_create(user=officer, role=role)
    if role == Role.PLATFORM_ADMIN and not officer.is_staff:
        officer.is_staff = True
        officer.save(update_fields=["is_staff"])
    if created:
        _record_permission_change(
            "identity.role_granted",
            subject_ref=f"officer:{officer.username}",
            by=by,
            payload={"role": role, "officer": officer.username},
        )
    return granted


@transaction.atomic
def revoke_role(officer: User, role: str, *, by: User | None = None) -> None:
    deleted, _rows = OfficerRole.objects.filter(user=officer, role=role).delete()
    if deleted:
        _record_permission_change(
            "identity.role_revoked",
            subject_ref=f"officer:{officer.username}",
            by=by,
            payload={"role": role, "officer": officer.username},
        )


@transaction.atomic
def authorise_agent(
    business: Business, *, by: User, agent: User, service_types: Iterable[str] = ()
) -> BusinessAgent:
    """The legal representative authorises `agent` for some (or, if none given, all) services."""
    if business.legal_representative_id != by.pk:
        raise PermissionDenied(_("Only the legal representative can authorise agents."))
    if agent.kind != UserKind.CITIZEN:
        raise DomainError(_("An agent must be a citizen account."), field="agent")
    if agent.pk == by.pk:
        raise DomainError(_("The legal representative needs no authorisation."), field="agent")
    unknown = sorted(set(service_types) - set(_SERVICE_TYPES))
    if unknown:
        raise DomainError(
            _("Unknown kind of service: %(types)s."),
            field="service_types",
            params={"types": ", ".join(unknown)},
        )
    BusinessAgent.objects.filter(business=business, agent=agent, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    authorisation = BusinessAgent.objects.create(
        business=business, agent=agent, service_types=sorted(set(service_types))
    )
    _record_permission_change(
        "identity.agent_authorised",
        subject_ref=f"business:{business.pk}",
        by=by,
        payload={"authorisation": authorisation.pk, "service_types": authorisation.service_types},
    )
    return authorisation


@transaction.atomic
def withdraw_agent(authorisation: BusinessAgent, *, by: User) -> BusinessAgent:
    if authorisation.business.legal_representative_id != by.pk:
        raise PermissionDenied(_("Only the legal representative can withdraw an authorisation."))
    if authorisation.withdrawn_at is None:
        authorisation.withdrawn_at = timezone.now()
        authorisation.save(update_fields=["withdrawn_at"])
        _record_permission_change(
            "identity.agent_withdrawn",
            subject_ref=f"business:{authorisation.business_id}",
            by=by,
            payload={"authorisation": authorisation.pk},
        )
    return authorisation


@transaction.atomic
def record_agent_consent(
    agent: User,
    resident: User,
    *,
    method: str,
    evidence: bytes,
    evidence_name: str = "",
    lifetime: timedelta = CONSENT_LIFETIME,
) -> AgentConsent:
    """Record that `resident` consented, in person, to `agent` (a village agent or a window
    clerk) acting for them for a while.

    The code exchange is kept only as a digest; a scanned signed form is kept as a file too
    (`evidence_name` gives its suffix), with its digest in the ledger.
    """
    if not may_act_for_residents(agent):
        raise PermissionDenied(_("Only village agents and window clerks act for residents."))
    if method not in ConsentMethod.values:
        raise DomainError(_("Unknown consent method."), field="method")
    if not evidence:
        raise DomainError(_("Consent needs its evidence."), field="evidence")
    now = timezone.now()
    consent = AgentConsent(
        agent=agent,
        resident=resident,
        method=method,
        evidence_digest=hashlib.sha256(evidence).hexdigest(),
        granted_at=now,
        expires_at=now + lifetime,
    )
    if evidence_name:
        consent.evidence_file.save(
            f"{consent.evidence_digest}{evidence_name}", ContentFile(evidence), save=False
        )
    consent.save()
    _record_permission_change(
        "identity.agent_consent",
        subject_ref=f"consent:{consent.pk}",
        by=agent,
        payload={
            "method": method,
            "evidence_sha256": consent.evidence_digest,
            "expires_at": consent.expires_at.isoformat(),
        },
    )
    return consent


def valid_consent(agent: User, resident: User) -> AgentConsent | None:
    now = timezone.now()
    return AgentConsent.objects.filter(
        agent=agent,
        resident=resident,
        revoked_at__isnull=True,
        granted_at__lte=now,
        expires_at__gt=now,
    ).first()


@transaction.atomic
def set_preferences(
    user: User, *, language: str | None = None, elder_mode: bool | None = None
) -> User:
    fields = []
    if language is not None:
        user.preferred_language = language
        fields.append("preferred_language")
    if elder_mode is not None:
        user.prefers_elder_mode = elder_mode
        fields.append("prefers_elder_mode")
    if fields:
        user.save(update_fields=fields)
    return user


def _code_hash(challenge_salt: str, code: str) -> str:
    return hashlib.sha256(f"{challenge_salt}:{code}".encode()).hexdigest()


@transaction.atomic
def send_consent_code(agent: User, *, resident_id_number: str) -> ConsentChallenge:
    """A station agent asks a resident who is present for consent: a code goes to their phone.

    Raises PermissionDenied for anyone but a village agent or window clerk, NotFound when no
    account has that ID number.
    """
    resident = _present_resident(agent, resident_id_number)
    if not resident.mobile_encrypted:
        raise NotFound(
            _("No resident with a mobile number is registered under this ID number."),
            field="id_number",
        )
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    challenge = ConsentChallenge.objects.create(
        agent=agent, resident=resident, code_hash="", expires_at=now + CONSENT_CODE_LIFETIME
    )
    challenge.code_hash = _code_hash(str(challenge.pk), code)
    challenge.save(update_fields=["code_hash"])
    mobile = personal_data.decrypt(resident.mobile_encrypted, context=MOBILE_CONTEXT)
    text = str(
        _(
            "OneWindow: %(agent)s at your village service station asks to act for you. "
            "If you agree, tell them this code: %(code)s. It works for 10 minutes."
        )
        if agent.kind == UserKind.STATION_AGENT
        else _(
            "OneWindow: %(agent)s at the service hall counter asks to act for you. "
            "If you agree, tell them this code: %(code)s. It works for 10 minutes."
        )
    ) % {"agent": agent.real_name or agent.username, "code": code}
    transaction.on_commit(lambda: sms.send_sms(mobile, text))
    return challenge


def _present_resident(agent: User, resident_id_number: str) -> User:
    if not may_act_for_residents(agent):
        raise PermissionDenied(_("Only village agents and window clerks act for residents."))
    resident = selectors.citizen_by_id_number(resident_id_number)
    if resident is None:
        raise NotFound(_("No resident is registered under this ID number."), field="id_number")
    return resident


@transaction.atomic
def start_consent_form(agent: User, *, resident_id_number: str) -> ConsentChallenge:
    """For a resident without a phone: a consent form to print, which the resident signs and
    the agent scans back (`confirm_consent_form`). Raises PermissionDenied and NotFound as
    `send_consent_code` does."""
    resident = _present_resident(agent, resident_id_number)
    now = timezone.now()
    challenge = ConsentChallenge.objects.create(
        agent=agent,
        resident=resident,
        method=ConsentMethod.SIGNED_FORM,
        code_hash=secrets.token_hex(16),
        expires_at=now + CONSENT_FORM_LIFETIME,
    )
    return challenge


def form_reference(challenge: ConsentChallenge) -> str:
    """The reference printed on the form, so the scan can be matched to it by eye."""
    return f"C{challenge.pk:06d}-{challenge.code_hash[:6].upper()}"


def confirm_consent_form(agent: User, challenge: ConsentChallenge, *, scan: bytes) -> AgentConsent:
    """The signed form is scanned: record the consent with the scan as its evidence.

    Raises Conflict when the form expired or was used, DomainError naming `scan` for an
    empty, oversized or unreadable file (PDF, PNG or JPEG only; recognised by content)."""
    suffix = next((ext for magic, ext in SCAN_TYPES.items() if scan.startswith(magic)), None)
    if not scan or suffix is None:
        raise DomainError(
            _("Upload the scan as a PDF, PNG or JPEG file."), field="scan", code="scan_type"
        )
    if len(scan) > CONSENT_SCAN_MAX_BYTES:
        raise DomainError(_("The scan is larger than 10 MB."), field="scan", code="scan_size")
    with transaction.atomic():
        locked = ConsentChallenge.objects.select_for_update().get(
            pk=challenge.pk, agent=agent, method=ConsentMethod.SIGNED_FORM
        )
        if locked.used_at is not None or locked.expires_at <= timezone.now():
            raise Conflict(
                _("This consent form has expired. Print a new one."), field="scan", code="expired"
            )
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        return record_agent_consent(
            agent,
            locked.resident,
            method=ConsentMethod.SIGNED_FORM,
            evidence=scan,
            evidence_name=suffix,
        )


def confirm_consent_code(agent: User, challenge: ConsentChallenge, *, code: str) -> AgentConsent:
    """The resident read the code back: record their consent. Five wrong tries end it.

    Raises Conflict when the code expired or was tried too often, DomainError when wrong
    (the wrong try is counted even though the call fails).
    """
    with transaction.atomic():
        locked = ConsentChallenge.objects.select_for_update().get(
            pk=challenge.pk, agent=agent, method=ConsentMethod.ONE_TIME_CODE
        )
        if locked.used_at is not None or locked.expires_at <= timezone.now():
            raise Conflict(
                _("This code has expired. Send a new one."), field="code", code="expired"
            )
        if locked.attempts >= CONSENT_CODE_ATTEMPTS:
            raise Conflict(
                _("Too many wrong codes. Send a new one."), field="code", code="attempts"
            )
        is_right = hmac.compare_digest(locked.code_hash, _code_hash(str(locked.pk), code.strip()))
        if is_right:
            locked.used_at = timezone.now()
            locked.save(update_fields=["used_at"])
            return record_agent_consent(
                agent,
                locked.resident,
                method=ConsentMethod.ONE_TIME_CODE,
                evidence=f"challenge:{locked.pk}:{locked.code_hash}".encode(),
            )
        locked.attempts += 1
        locked.save(update_fields=["attempts"])
    raise DomainError(_("The code is not right."), field="code", code="wrong_code")


@transaction.atomic
def end_assistance(agent: User, consent: AgentConsent) -> None:
    if consent.agent_id != agent.pk:
        raise PermissionDenied(_("This is not your consent record."))
    if consent.revoked_at is None:
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
        _record_permission_change(
            "identity.agent_consent_ended",
            subject_ref=f"consent:{consent.pk}",
            by=agent,
            payload={},
        )
