"""Credit profiles of businesses: the writes.

The city's credit platform (the development and reform commission's credit office, as in
most Chinese cities) asks each department's data service about one business through the
signed exchange, so every read is granted, signed, logged and in the ledger like any other,
and keeps what they answered as one `CreditProfile`. A refresh is the only writer of a
profile's contents; it runs on demand (the business, or an officer) and in the demo seed.

Penalties stay public for their publicity period. The periods are data (`PUBLICITY_RULES`);
a completed credit repair application ends a penalty's publicity early, once its minimum
period has passed (`end_penalty_publicity`, called by applications on completion).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.divisions import Level
from onewindow.core.errors import DomainError, NotFound
from onewindow.exchange import services
from onewindow.exchange.models import (
    CreditEntry,
    CreditEntryKind,
    CreditProfile,
    CreditRepair,
    DataService,
)
from onewindow.identity.models import Business, Department, DepartmentKind, User
from onewindow.identity.selectors import businesses_of
from onewindow.ledger import services as ledger

CREDIT_PLATFORM_KIND = DepartmentKind.DEVELOPMENT_REFORM
CREDIT_PURPOSE = "credit.profile"  # the purpose every provider's grant names
REGISTRATION_SERVICE = "market_supervision.business_registration"
# The catalogue item whose completion ends a penalty's publicity (published in catalog.seed).
REPAIR_SERVICE_ITEM = "330000-DRC-XY-001"
REPAIR_FIELD = "decision_number"


@dataclass(frozen=True)
class PublicityRule:
    """How long a penalty stays public, in months from the decision date."""

    minimum_months: int
    maximum_months: int


# NDRC Order No. 58 of 2023 (Measures for Repairing Credit Information after Dishonest Conduct
# Is Corrected, Trial): penalty information is public for 3 months at least and 3 years at
# most; in special equipment, work safety and fire safety the minimum is one year. Repair may
# be applied for only once the minimum has passed; the maximum ends publicity by itself.
PUBLICITY_RULES: dict[str, PublicityRule] = {
    "general": PublicityRule(minimum_months=3, maximum_months=36),
    "safety": PublicityRule(minimum_months=12, maximum_months=36),
}


@dataclass(frozen=True)
class Source:
    """A data service feeding profiles: which list in its answer, and how to read a row."""

    service_code: str
    kind: str
    list_field: str
    reference_field: str
    title_field: str
    date_field: str
    authority_field: str = "authority"

    @classmethod
    def penalties(cls, service_code: str) -> Source:
        """A department's administrative penalty decisions, all published in one shape."""
        return cls(
            service_code,
            CreditEntryKind.PENALTY,
            "penalties",
            "decision_number",
            "violation",
            "decided_on",
        )


SOURCES: tuple[Source, ...] = (
    Source(
        "market_supervision.administrative_licences",
        CreditEntryKind.LICENCE,
        "licences",
        "licence_number",
        "title",
        "decided_on",
    ),
    Source.penalties("market_supervision.administrative_penalties"),  # supervision's decisions
    Source.penalties("ecology.administrative_penalties"),
    Source.penalties("emergency.administrative_penalties"),
    Source(
        "human_resources.commendations",
        CreditEntryKind.COMMENDATION,
        "commendations",
        "document_number",
        "title",
        "awarded_on",
    ),
    Source(
        "market_supervision.abnormal_operations",
        CreditEntryKind.ABNORMAL_OPERATION,
        "listings",
        "decision_number",
        "reason",
        "listed_on",
    ),
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def publicity_dates(
    decided_on: date, *, category: str, stated_end: date | None
) -> tuple[date, date]:
    """(first day repair may be applied for, first day the penalty is no longer public).
    The authority's stated end counts only within the rule's minimum and maximum."""
    rule = PUBLICITY_RULES.get(category, PUBLICITY_RULES["general"])
    minimum = add_months(decided_on, rule.minimum_months)
    maximum = add_months(decided_on, rule.maximum_months)
    end = stated_end or maximum
    return minimum, max(minimum, min(end, maximum))


def credit_platform() -> Department:
    """The city's credit platform department; the nearest level that has one otherwise."""
    kind = Department.objects.filter(kind=CREDIT_PLATFORM_KIND)
    platform = (
        kind.filter(division__level=Level.CITY).order_by("code").first()
        or kind.order_by("division__level", "code").first()
    )
    if platform is None:
        raise NotFound(_("No credit platform department is set up."), field="department")
    return platform


def normalise_credit_code(value: str) -> str:
    return "".join(value.split()).upper()


def _parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _ask(
    platform: Department, code: str, credit_code: str, *, refresh_ref: str, actor: str
) -> tuple[str, dict[str, Any] | None]:
    """(what the source said, its data or None). A refusal is kept, not raised: one
    department's outage or revoked grant must not stop the others being read."""
    try:
        answer = services.call(
            platform,
            code,
            subject=credit_code,
            purpose=CREDIT_PURPOSE,
            case_ref=refresh_ref,
            actor=actor,
        )
    except DomainError as refused:
        return f"refused: {refused}"[:200], None
    if not answer.get("found"):
        return "not_found", {}
    return "answered", dict(answer.get("data") or {})


def _entry_values(source: Source, row: dict[str, Any]) -> dict[str, Any] | None:
    reference = str(row.get(source.reference_field) or "").strip()
    decided_on = _parse_date(row.get(source.date_field))
    if not reference or decided_on is None:
        return None  # a row without its number or date cannot be shown or repaired
    values: dict[str, Any] = {
        "kind": source.kind,
        "title": str(row.get(source.title_field) or "")[:200],
        "authority": str(row.get(source.authority_field) or "")[:100],
        "decided_on": decided_on,
        "details": row,
        "minimum_publicity_ends_on": None,
        "publicity_ends_on": None,
    }
    if source.kind == CreditEntryKind.PENALTY:
        minimum, end = publicity_dates(
            decided_on,
            category=str(row.get("publicity_category") or "general"),
            stated_end=_parse_date(row.get("publicity_ends_on")),
        )
        values["minimum_publicity_ends_on"] = minimum
        values["publicity_ends_on"] = end
    return {"reference": reference[:80], **values}


def refresh_profile(credit_code: str, *, actor: User | None = None) -> CreditProfile:
    """Ask every source about the business and store the result as its profile.

    The calls happen first, each logged in its own transaction (a read stays logged even if
    the refresh then fails); the profile is written in one transaction afterwards. A source
    that refuses keeps its previous entries. Entries a source no longer reports are removed
    unless a repair refers to them (the history stays). Raises NotFound when market
    supervision has no registration for the code (the unknown and the malformed alike)."""
    credit_code = normalise_credit_code(credit_code)
    platform = credit_platform()
    actor_name = actor.username if actor is not None else "system"
    # A whole UUID: short hex tokens can hold digit runs the ledger reads as phone numbers.
    refresh_ref = f"credit-refresh-{uuid.uuid4().hex}"
    status, registration = _ask(
        platform, REGISTRATION_SERVICE, credit_code, refresh_ref=refresh_ref, actor=actor_name
    )
    if not registration:
        if status.startswith("refused"):
            raise DomainError(
                _("Market supervision did not answer: %(reason)s"),
                code="source_refused",
                params={"reason": status},
            )
        raise NotFound(_("No business with this credit code is registered."), field="credit_code")
    sources = {REGISTRATION_SERVICE: status}
    answers: dict[Source, dict[str, Any]] = {}
    existing = set(
        DataService.objects.filter(code__in=[s.service_code for s in SOURCES]).values_list(
            "code", flat=True
        )
    )
    for source in SOURCES:
        if source.service_code not in existing:
            continue
        said, data = _ask(
            platform, source.service_code, credit_code, refresh_ref=refresh_ref, actor=actor_name
        )
        sources[source.service_code] = said
        if data is not None:
            answers[source] = data
    with transaction.atomic():
        return _store(credit_code, registration, sources, answers, platform, actor_name)


def _store(
    credit_code: str,
    registration: dict[str, Any],
    sources: dict[str, str],
    answers: dict[Source, dict[str, Any]],
    platform: Department,
    actor_name: str,
) -> CreditProfile:
    profile, _created = CreditProfile.objects.update_or_create(
        credit_code=credit_code,
        defaults={
            "business": Business.objects.filter(credit_code=credit_code).first(),
            "name": str(registration.get("name") or "")[:200],
            "legal_representative": str(registration.get("legal_representative") or "")[:60],
            "registered_on": _parse_date(registration.get("registered_on")),
            "registration_status": str(registration.get("status") or "")[:30],
            "registration_authority": str(registration.get("registration_authority") or "")[:100],
            "sources": sources,
            "refreshed_at": timezone.now(),
            "refreshed_by": actor_name,
        },
    )
    services_by_code = {
        service.code: service
        for service in DataService.objects.filter(code__in=[s.service_code for s in answers])
    }
    for source, data in answers.items():
        service = services_by_code[source.service_code]
        rows = data.get(source.list_field) or []
        seen = set()
        for row in rows if isinstance(rows, list) else []:
            values = _entry_values(source, row) if isinstance(row, dict) else None
            if values is None:
                continue
            reference = values.pop("reference")
            seen.add(reference)
            CreditEntry.objects.update_or_create(
                profile=profile, source=service, reference=reference, defaults=values
            )
        CreditEntry.objects.filter(profile=profile, source=service, repair__isnull=True).exclude(
            reference__in=seen
        ).delete()
    entries = list(
        profile.entries.order_by("kind", "reference").values_list(
            "kind", "source__code", "reference"
        )
    )
    receipt = ledger.record(
        "credit.profile_refreshed",
        subject_ref=f"credit-profile:{profile.pk}",
        actor_role="credit_platform",
        department=platform.code,
        payload={
            "profile": profile.pk,
            "sources": sources,
            "entries_sha256": hashlib.sha256(
                json.dumps(entries, ensure_ascii=False).encode()
            ).hexdigest(),
            "by": actor_name,
        },
    )
    profile.ledger_index = receipt.index
    profile.save(update_fields=["ledger_index"])
    return profile


def may_refresh(user: User, credit_code: str) -> bool:
    """The business itself (legal representative or active agent), or an officer of the
    credit platform department."""
    if not user.is_authenticated:
        return False
    if user.is_officer and user.department and user.department.kind == CREDIT_PLATFORM_KIND:
        return True
    return businesses_of(user).filter(credit_code=normalise_credit_code(credit_code)).exists()


def request_refresh(user: User, credit_code: str) -> CreditProfile:
    """Refresh on demand. Raises NotFound for someone neither the business nor the credit
    platform (so the page does not tell which codes exist), and what `refresh_profile` raises."""
    if not may_refresh(user, credit_code):
        raise NotFound(_("No credit profile has this code."), field="credit_code")
    return refresh_profile(credit_code, actor=user)


# ----- repair ---------------------------------------------------------------------------------


def repairable_penalty(decision_number: str, *, today: date | None = None) -> CreditEntry:
    """The publicised penalty this decision number names, if its publicity may be ended now.

    Raises DomainError on `decision_number`: no penalty in publicity has this number (a penalty
    whose publicity already ended is not told apart, so nothing private leaks), or its
    minimum publicity period has not passed yet (the message says from when)."""
    today = today or timezone.localdate()
    number = decision_number.strip()
    entry = (
        CreditEntry.objects.filter(
            kind=CreditEntryKind.PENALTY,
            reference=number,
            repair__isnull=True,
            publicity_ends_on__gt=today,
        )
        .select_related("profile")
        .first()
    )
    if entry is None:
        raise DomainError(
            _("No administrative penalty in its publicity period has this decision number."),
            code="penalty_not_public",
            field=REPAIR_FIELD,
        )
    assert entry.minimum_publicity_ends_on is not None
    if today < entry.minimum_publicity_ends_on:
        raise DomainError(
            _(
                "This penalty's minimum publicity period has not passed: credit repair can be "
                "applied for from %(date)s."
            ),
            code="minimum_publicity_not_passed",
            field=REPAIR_FIELD,
            params={"date": entry.minimum_publicity_ends_on.isoformat()},
        )
    return entry


@transaction.atomic
def end_penalty_publicity(
    decision_number: str, *, business: Business | None, application_ref: str
) -> CreditRepair:
    """A credit repair application was approved: the penalty stops being public today.

    The penalty must belong to the applying business and still be repairable (see
    `repairable_penalty`). Records a `credit.publicity_ended` ledger entry; the entry and
    this repair stay as history, shown to the business itself."""
    entry = repairable_penalty(decision_number)
    entry = CreditEntry.objects.select_for_update().select_related("profile").get(pk=entry.pk)
    if business is None or entry.profile.credit_code != business.credit_code:
        raise DomainError(
            _("The penalty belongs to another business than the applicant."),
            code="penalty_of_another_business",
            field=REPAIR_FIELD,
        )
    repair = CreditRepair.objects.create(
        entry=entry,
        application_ref=application_ref,
        repaired_at=timezone.now(),
        publicity_would_have_ended_on=entry.publicity_ends_on,
    )
    receipt = ledger.record(
        "credit.publicity_ended",
        subject_ref=f"credit-profile:{entry.profile_id}",
        actor_role="credit_platform",
        department=credit_platform().code,
        payload={
            "penalty": entry.reference,
            "source": entry.source.code,
            "application": application_ref,
            "would_have_ended_on": entry.publicity_ends_on.isoformat()
            if entry.publicity_ends_on
            else "",
        },
    )
    repair.ledger_index = receipt.index
    repair.save(update_fields=["ledger_index"])
    return repair
