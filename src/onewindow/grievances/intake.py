"""Taking a case in, from every channel: checks, flood limits, routing, duplicates.

`submit_case` is the one door: the web form, the hotline agent's console, the village agent
and the Open311 API all call it. It checks the input (every field's error at once, nothing
written), refuses floods from one phone number or about one address, asks the
classifier where the case belongs (outside the transaction: it is pure CPU), and then in one
transaction writes the case, its reporter and photos, routes it (to the competent department
of the proposed kind for the case's division, or to the dispatcher's queue below the
confidence threshold), records the routing decision in the ledger and proposes merges with
recent similar cases at the same place.

Who sends is limited at the doors (web form, API, Open311) by `core.ratelimit`: per account
when signed in, per network address otherwise, per key for partner apps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal_data
from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError
from onewindow.core.models import Division
from onewindow.core.ratelimit import RateLimited
from onewindow.core.site import public_url
from onewindow.core.validators import normalise_mobile, validate_mobile
from onewindow.grievances import classifier, inserts, sla, text
from onewindow.grievances.models import (
    IP_CONTEXT,
    PHONE_CONTEXT,
    ApiClient,
    Case,
    CaseCounter,
    CaseEvent,
    CaseKind,
    CasePhoto,
    CaseStatus,
    Channel,
    ContactPreference,
    MergeProposal,
    Reporter,
    RoutedBy,
    Urgency,
    address_hash,
)
from onewindow.identity.models import (
    MOBILE_CONTEXT,
    Department,
    DepartmentKind,
    User,
    UserKind,
)
from onewindow.identity.selectors import department_covering
from onewindow.identity.sms import send_sms
from onewindow.ledger import services as ledger
from onewindow.notify import services as notify
from onewindow.notify.models import Event

MIN_TEXT = 5
MAX_TEXT = 2000
MAX_ADDRESS = 200
MAX_MEDIA_URL = 500
COORDINATE_STEP = Decimal("0.00000001")
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
LANDLINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")
# Duplicates: same place, similar words, within this window.
DUPLICATE_WINDOW = timedelta(days=14)
DUPLICATE_SIMILARITY = 0.4
DUPLICATE_DISTANCE_M = 300.0
MERGE_CANDIDATES = 200  # the newest at the same place: enough for a flood about one thing


@dataclass(frozen=True)
class Contact:
    """Who reports: a signed-in user, a caller's name and number, or nobody (anonymous)."""

    user: User | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    anonymous: bool = False
    preference: str = ContactPreference.NONE


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes


@dataclass(frozen=True)
class Location:
    division: Division
    latitude: Decimal | str | None = None  # parsed and checked by check_location
    longitude: Decimal | str | None = None
    address: str = ""


@dataclass
class _Checked:
    text: str
    phone: str
    photos: list[tuple[Photo, str]] = field(default_factory=list)


def _rate_limits() -> dict[str, tuple[int, int]]:
    """(most reports, in so many minutes) per phone number and per reported address."""
    configured: dict[str, tuple[int, int]] = getattr(settings, "ONEWINDOW_HOTLINE_RATE_LIMITS", {})
    return {"phone": (5, 60), "address": (5, 60), **configured}


def normalise_phone(value: str) -> str:
    return normalise_mobile(value.strip())


def citizen_with_phone(phone: str) -> User | None:
    """The registered citizen whose mobile is this callback number: their case then shows
    under "My hotline cases" and the answer reaches their inbox."""
    phone = normalise_phone(phone) if phone else ""
    if not phone:
        return None
    digest = personal_data.lookup_hash(phone, context=MOBILE_CONTEXT)
    return User.objects.filter(mobile_hash=digest, kind=UserKind.CITIZEN).first()


def check_phone(value: str) -> None:
    try:
        validate_mobile(value)
    except ValidationError:
        if not LANDLINE.fullmatch(value):
            raise DomainError(
                _(
                    "A callback number is a mobile number (11 digits, 13 to 19) or a landline "
                    "with its area code, such as 0571-87654321."
                ),
                field="phone",
                code="phone_format",
            ) from None


def _photo_type(content: bytes) -> str | None:
    for magic, content_type in PHOTO_TYPES.items():
        if content.startswith(magic):
            return content_type
    return None


def check_location(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    """Parse a coordinate pair: both or neither, numbers in range (WGS 84 degrees)."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("The location needs a latitude and a longitude in decimal degrees."),
            field="location",
            code="bad_location",
        ) from None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError(
            _("The latitude must lie between -90 and 90 and the longitude between -180 and 180."),
            field="location",
            code="bad_location",
        )
    # As given, up to the 8 decimals (about 1 mm) the case keeps.
    return lat.quantize(COORDINATE_STEP), lon.quantize(COORDINATE_STEP)


def check_media_url(value: str) -> str:
    """A partner's photo address: an http(s) URL of at most 500 characters, or nothing."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        if len(value) > MAX_MEDIA_URL:
            raise ValidationError("too long")
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise DomainError(
            _("media_url must be an http or https address of at most %(max)d characters.")
            % {"max": MAX_MEDIA_URL},
            field="media_url",
            code="bad_media_url",
        ) from None
    return value


def _check(
    *, kind: str, text_in: str, contact: Contact, location: Location, photos: list[Photo]
) -> _Checked:
    errors: dict[str, str] = {}
    body = (text_in or "").strip()
    if kind not in CaseKind.values:
        errors["kind"] = str(_("Choose what kind of case this is."))
    if len(body) < MIN_TEXT:
        errors["text"] = str(
            _("Describe what happened in at least %(min)d characters.") % {"min": MIN_TEXT}
        )
    elif len(body) > MAX_TEXT:
        errors["text"] = str(
            _("Keep the description to %(max)d characters; it has %(count)d.")
            % {"max": MAX_TEXT, "count": len(body)}
        )
    if len(location.address) > MAX_ADDRESS:
        errors["address"] = str(_("Keep the address to %(max)d characters.") % {"max": MAX_ADDRESS})
    phone = normalise_phone(contact.phone) if contact.phone else ""
    if phone:
        try:
            check_phone(phone)
        except DomainError as error:
            errors["phone"] = str(error)
    if contact.preference not in ContactPreference.values:
        errors["contact_preference"] = str(_("Choose how we should reach you."))
    elif contact.preference in (ContactPreference.PHONE, ContactPreference.SMS) and not phone:
        errors["phone"] = str(_("Give a number so that we can call or text you back."))
    elif contact.preference == ContactPreference.INBOX and contact.user is None:
        errors["contact_preference"] = str(_("Sign in to receive the answer in your inbox."))
    if not contact.anonymous and contact.user is None and not contact.name.strip():
        errors["name"] = str(_("Give the caller's name, or mark the case anonymous."))
    checked_photos: list[tuple[Photo, str]] = []
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = str(_("Attach at most %(max)d photos.") % {"max": MAX_PHOTOS})
    for photo in photos:
        content_type = _photo_type(photo.content)
        if content_type is None:
            errors["photos"] = str(_("Photos must be PNG or JPEG images."))
        elif len(photo.content) > MAX_PHOTO_BYTES:
            errors["photos"] = str(_("Each photo must be at most 5 MB."))
        else:
            checked_photos.append((photo, content_type))
    if errors:
        first = next(iter(errors.values()))
        raise DomainError(first, code="invalid_case", params={"errors": errors})
    return _Checked(text=body, phone=phone, photos=checked_photos)


def check_rate_limits(*, phone: str, address: str, now: datetime) -> None:
    """Refuse a flood: too many reports from one number or about one address within the
    window, whoever sends them (staff channels too). Counted from the stored reports, so
    every server process agrees. Who sends is limited at the doors (core.ratelimit)."""
    limits = _rate_limits()
    checks: list[tuple[str, str, Any]] = []
    if phone:
        checks.append(
            (
                "phone",
                personal_data.lookup_hash(phone, context=PHONE_CONTEXT),
                _(
                    "Too many reports from this phone number: at most %(count)d in %(minutes)d "
                    "minutes. Please try again later, or call 12345 if it is urgent."
                ),
            )
        )
    if address:
        checks.append(
            (
                "address",
                address_hash(address),
                _(
                    "Too many reports about this address: at most %(count)d in %(minutes)d "
                    "minutes. The cases already filed are being handled."
                ),
            )
        )
    if not checks:
        return
    counted = _recent_reports(
        [(name, digest, now - timedelta(minutes=limits[name][1])) for name, digest, _m in checks]
    )
    for name, _digest, message in checks:
        count, minutes = limits[name]
        if counted[name] >= count:
            raise RateLimited(
                message,
                field=name,
                params={"count": count, "minutes": minutes, "retry_after": minutes * 60},
            )


# Plain SQL on the per-case path, as in ledger.services._append_entry: building these in
# the ORM cost several times running them.
def _recent_reports(checks: list[tuple[str, str, datetime]]) -> dict[str, int]:
    """Reports since each check's time from one phone hash and about one address hash,
    counted in one statement: {"phone": n, "address": m} for the checks given."""
    quote = connection.ops.quote_name
    reporter, case = quote(Reporter._meta.db_table), quote(Case._meta.db_table)
    recent = f"{reporter}.{quote('created_at')} >= %s"
    counts = {
        "phone": f"SELECT COUNT(*) FROM {reporter} "  # noqa: S608 - identifiers only
        f"WHERE {reporter}.{quote('phone_hash')} = %s AND {recent}",
        "address": f"SELECT COUNT(*) FROM {reporter} INNER JOIN {case} "  # noqa: S608
        f"ON {reporter}.{quote('case_id')} = {case}.{quote('id')} "
        f"WHERE {case}.{quote('address_hash')} = %s AND {recent}",
    }
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"({counts[name]})" for name, _d, _s in checks),
            [value for _name, digest, since in checks for value in (digest, adapt(since))],
        )
        row = cursor.fetchone()
    return {name: int(row[position]) for position, (name, _d, _s) in enumerate(checks)}


def _next_ref(division: Division, now: datetime) -> str:
    """The next readable reference of the county and day: one upsert returning the number,
    which keeps the counter row locked to the end of the caller's transaction."""
    county = division.code[:6]
    prefix = f"G{county}-{timezone.localtime(now):%Y%m%d}"
    quote = connection.ops.quote_name
    table, last = quote(CaseCounter._meta.db_table), quote("last")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('prefix')}, {last}) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT ({quote('prefix')}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [prefix],
        )
        number = cursor.fetchone()[0]
    return f"{prefix}-{number:05d}"


# Where no department of a case's kind covers its place (no agriculture bureau in a city
# district, no office for this subdistrict), the local government answers for it.
FALLBACK_KINDS = (DepartmentKind.TOWNSHIP_OFFICE, DepartmentKind.GENERAL_OFFICE)


def department_for(kind: str, division: Division) -> Department | None:
    """The department of `kind` nearest the place, at it or above, down to villages; None
    where none of the kind covers it. From identity's per-process reference cache: intake
    and every transfer read it, and departments change seldom."""
    return department_covering(division, kind=kind, level=Level.VILLAGE)


def fallback_department(division: Division) -> Department | None:
    """The nearest township office, else the nearest government general office, up the
    division tree from the case's place; None only where neither exists at all."""
    for kind in FALLBACK_KINDS:
        found = department_for(kind, division)
        if found is not None:
            return found
    return None


def suggested_departments(kind: str, division: Division) -> list[Department]:
    """The departments a dispatcher most likely wants for a case of `kind` at `division`:
    those of the kind up the division tree, nearest first, then the fallback."""
    lineage = [*division.ancestor_codes(), division.code]
    found = list(
        Department.objects.filter(kind=kind, division__code__in=lineage)
        .select_related("division")
        .order_by("-division__level", "code")
    )
    fallback = fallback_department(division)
    if fallback is not None and fallback not in found:
        found.append(fallback)
    return found


def record_event(
    case: Case,
    action: str,
    *,
    actor: User | None = None,
    department: Department | None = None,
    note: str = "",
    decision: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> CaseEvent:
    """A timeline entry; a `decision` payload also goes to the ledger (digest only)."""
    event = _event(case, action, actor=actor, department=department, note=note, now=now)
    if decision is not None:
        event.ledger_index = _record_decision(event, decision)
    event.save()
    return event


def _event(
    case: Case,
    action: str,
    *,
    actor: User | None = None,
    department: Department | None = None,
    note: str = "",
    now: datetime | None = None,
) -> CaseEvent:
    return CaseEvent(
        case=case,
        action=action,
        actor=actor,
        department=department,
        note=note,
        at=now or timezone.now(),
    )


def _record_decision(event: CaseEvent, decision: dict[str, Any]) -> int:
    """The decision of `event` in the ledger (its digest only): the entry's index."""
    case = event.case
    receipt = ledger.record(
        f"grievance.{event.action}",
        subject_ref=case.ref,
        actor_role=_actor_role(event.actor),
        department=_department_label(event.department or case.department),
        payload={"ref": case.ref, **decision},
    )
    return receipt.index


def _department_label(department: Department | None) -> str:
    return department.code if department is not None else "hotline"


def _actor_role(actor: User | None) -> str:
    if actor is None:
        return "system"
    return "officer" if actor.is_officer else actor.kind


def route(case: Case, department: Department | None, *, now: datetime) -> CaseEvent:
    """Send a new case where it belongs: to `department` (the proposal's, found before the
    transaction), or to the dispatcher when there is none. Sets the case's fields before it
    is first saved; returns the routing event, its decision already in the ledger."""
    if department is None:
        case.status = CaseStatus.DISPATCHING
        case.routed_by = ""
    else:
        case.status = CaseStatus.ASSIGNED
        case.department = department
        case.assigned_at = now
        case.category = case.proposed_category
    return _event(case, "routed" if department else "to_dispatcher", department=department, now=now)


def _record_routing(event: CaseEvent) -> None:
    case, department = event.case, event.department
    event.ledger_index = _record_decision(
        event,
        {
            "category": case.proposed_category,
            "department": department.code if department else "",
            "confidence": round(case.confidence or 0.0, 4),
            "model": case.model_version,
            "by": case.routed_by or "dispatcher_queue",
        },
    )


def propose_merges(case: Case, *, now: datetime) -> list[MergeProposal]:
    """Recent cases at the same place (same division, same address, or within 300 m) whose
    words overlap enough: proposals a dispatcher confirms or rejects."""
    words = set(case.terms.split())
    if not words:
        return []
    proposals = []
    for pk, other_terms, latitude, longitude in _merge_candidates(case, now=now):
        other = other_terms.split()
        if words.isdisjoint(other):  # most cases at a place are about something else
            continue
        similarity = text.jaccard(words, other)
        if similarity < DUPLICATE_SIMILARITY:
            continue
        distance = None
        if None not in (case.latitude, case.longitude, latitude, longitude):
            distance = text.distance_m(
                float(case.latitude),  # type: ignore[arg-type]
                float(case.longitude),  # type: ignore[arg-type]
                float(latitude),
                float(longitude),
            )
            if distance > DUPLICATE_DISTANCE_M:
                continue
        proposals.append(
            MergeProposal(
                case=case,
                primary_id=pk,
                similarity=round(similarity, 4),
                distance_m=distance,
                created_at=now,
            )
        )
    inserts.insert(proposals[:5])
    return proposals[:5]


def _merge_candidates(case: Case, *, now: datetime) -> list[tuple[int, str, Any, Any]]:
    """(pk, terms, latitude, longitude) of the last MERGE_CANDIDATES open or answered cases
    received within DUPLICATE_WINDOW at the case's division or address, newest first."""
    quote = connection.ops.quote_name
    place = f"{quote('division_id')} = %s"
    parameters: list[Any] = [case.division_id]
    if case.address_hash:
        place = f"({place} OR {quote('address_hash')} = %s)"
        parameters.append(case.address_hash)
    statuses = (CaseStatus.DISPATCHING, CaseStatus.ASSIGNED, CaseStatus.ANSWERED)
    parameters += [
        connection.ops.adapt_datetimefield_value(now - DUPLICATE_WINDOW),
        *statuses,
        case.pk,
        MERGE_CANDIDATES,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')}, {quote('terms')}, {quote('latitude')}, "  # noqa: S608
            f"{quote('longitude')} FROM {quote(Case._meta.db_table)} "  # identifiers only
            f"WHERE {place} AND {quote('received_at')} >= %s "
            f"AND {quote('status')} IN ({', '.join(['%s'] * len(statuses))}) "
            f"AND {quote('id')} <> %s ORDER BY {quote('received_at')} DESC LIMIT %s",
            parameters,
        )
        return cast(list[tuple[int, str, Any, Any]], cursor.fetchall())


def submit_case(
    *,
    kind: str,
    text_in: str,
    location: Location,
    channel: str,
    contact: Contact,
    urgency: str = Urgency.ORDINARY,
    photos: list[Photo] | None = None,
    ip: str = "",
    recorded_by: User | None = None,
    api_client: ApiClient | None = None,
    category: str = "",
    now: datetime | None = None,
    media_url: str = "",
) -> Case:
    """File a case from any channel. Raises DomainError (per-field `errors` in its params)
    for bad input and RateLimited (429) for a flood; writes nothing in either case.

    `category` (a partner app's Open311 service code) routes without the classifier."""
    now = now or timezone.now()
    photos = photos or []
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if urgency not in Urgency.values:
        raise DomainError(_("Choose ordinary or urgent."), field="urgency")
    checked = _check(kind=kind, text_in=text_in, contact=contact, location=location, photos=photos)
    latitude, longitude = check_location(location.latitude, location.longitude)
    media_url = check_media_url(media_url)
    address = " ".join(location.address.split())
    check_rate_limits(phone=checked.phone, address=address, now=now)
    proposal: classifier.RoutingProposal | None = None
    if category:
        if category not in classifier.CATEGORIES:
            raise DomainError(
                _("Unknown service code %(code)s."),
                field="service_code",
                code="unknown_service",
                params={"code": category},
            )
        department_kind = classifier.CATEGORIES[category].department_kind
    else:
        proposal = classifier.classify(checked.text)
        department_kind = proposal.department_kind
    # Everything read before the transaction takes the counter's lock: the routing from the
    # per-process reference cache, deadlines from the calendar, the case's words.
    department = None
    if proposal is None or not proposal.needs_dispatcher:
        department = department_for(department_kind, location.division)
    respond_due, reply_due, resolve_due = sla.deadlines(kind, urgency, now)
    case = Case(
        kind=kind,
        channel=channel,
        text=checked.text,
        division=location.division,
        latitude=latitude,
        longitude=longitude,
        media_url=media_url,
        urgency=urgency,
        received_at=now,
        respond_due=respond_due,
        reply_due=reply_due,
        resolve_due=resolve_due,
        terms=" ".join(dict.fromkeys(text.terms(checked.text))),
        api_client=api_client,
        recorded_by=recorded_by,
        proposed_kind=department_kind,
    )
    case.set_address(address)
    if proposal is not None:
        case.proposed_category = proposal.category
        case.confidence = proposal.confidence
        case.model_version = proposal.model_version
        case.routed_by = RoutedBy.CLASSIFIER
    else:
        case.proposed_category = category
        case.confidence = 1.0
        case.routed_by = RoutedBy.SERVICE_CODE
    received = _event(
        case,
        "received",
        actor=recorded_by,
        note=Channel(channel).value,  # shown in the reader's language (note_display)
        now=now,
    )
    routed = route(case, department, now=now)
    reporter = Reporter(
        case=case,
        user=contact.user,
        anonymous=contact.anonymous,
        contact_preference=contact.preference,
        created_at=now,
        ip_hash=personal_data.lookup_hash(ip, context=IP_CONTEXT) if ip else "",
    )
    reporter.set_contact(
        name="" if contact.anonymous else contact.name.strip(),
        phone=checked.phone,
        email="" if contact.anonymous else contact.email.strip(),
    )
    with transaction.atomic():
        case.ref = reporter.original_case_ref = _next_ref(location.division, now)
        inserts.insert([case])
        inserts.insert([reporter])
        _store_photos(case, checked.photos)
        _record_routing(routed)
        inserts.insert([received, routed])
        propose_merges(case, now=now)
        if contact.user is not None:
            notify.send(
                contact.user,
                Event.CASE_RECEIVED,
                context={"ref": case.ref, "due": timezone.localtime(resolve_due).date()},
                subject_ref=case.ref,
                link=f"/hotline/cases/{case.ref}/",
            )
        elif checked.phone:
            # A caller without an account hears the number once on the phone: the text
            # message keeps it, and says where to follow the case with it.
            body = _confirmation_text(case.ref, timezone.localtime(resolve_due).date())
            transaction.on_commit(partial(send_sms, checked.phone, body))
    return case


def _store_photos(case: Case, photos: list[tuple[Photo, str]]) -> None:
    stored = []
    for number, (photo, content_type) in enumerate(photos, start=1):
        extension = "png" if content_type == "image/png" else "jpg"
        row = CasePhoto(case=case, content_type=content_type, size=len(photo.content))
        row.file.save(f"{case.ref}-{number}.{extension}", ContentFile(photo.content), save=False)
        stored.append(row)
    CasePhoto.objects.bulk_create(stored)


def _confirmation_text(ref: str, due: date) -> str:
    return _confirmation_template(due, public_url(reverse("grievances:track"))) % {"ref": ref}


# The same for every case of a day but its number: translated and formatted once.
@lru_cache(maxsize=32)
def _confirmation_template(due: date, url: str) -> str:
    with translation.override(notify.DEFAULT_LANGUAGE):
        return gettext(
            "12345 hotline: your case number is %(ref)s; we will answer by %(due)s. "
            "Follow it at %(url)s with this number and your phone number."
        ) % {
            "ref": "%(ref)s",
            "due": formats.date_format(due, "DATE_FORMAT").replace("%", "%%"),
            "url": url.replace("%", "%%"),
        }
