"""The public credit API: the legally public part of a business's credit profile."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from onewindow.exchange.credit import selectors
from onewindow.exchange.models import CreditEntry, CreditEntryKind

router = Router(tags=["credit"])


class CreditEntryOut(Schema):
    reference: str
    title: str
    authority: str
    reported_by: str  # the code of the department whose data service reported it
    decided_on: date
    publicity_ends_on: date | None
    details: dict[str, Any]


class CreditProfileOut(Schema):
    credit_code: str
    name: str
    legal_representative: str
    registered_on: date | None
    registration_status: str
    registration_authority: str
    refreshed_at: datetime
    licences: list[CreditEntryOut]
    penalties: list[CreditEntryOut]
    commendations: list[CreditEntryOut]
    abnormal_operations: list[CreditEntryOut]


class CreditProfileSummary(Schema):
    credit_code: str
    name: str


def _entry(entry: CreditEntry) -> dict[str, Any]:
    return {
        "reference": entry.reference,
        "title": entry.title,
        "authority": entry.authority,
        "reported_by": entry.source.provider.code,
        "decided_on": entry.decided_on,
        "publicity_ends_on": entry.publicity_ends_on,
        "details": selectors.public_details(entry),
    }


@router.get(
    "/credit",
    response=list[CreditProfileSummary],
    auth=None,
    summary="Find business credit profiles by name or credit code",
)
def search(request: HttpRequest, q: str = "") -> list[dict[str, str]]:
    """At most 20 profiles whose name contains `q`, or whose credit code is `q`."""
    return [
        {"credit_code": profile.credit_code, "name": profile.name}
        for profile in selectors.search_profiles(q)
    ]


@router.get(
    "/credit/{credit_code}",
    response=CreditProfileOut,
    auth=None,
    summary="The public part of a business's credit profile",
)
def profile(request: HttpRequest, credit_code: str) -> dict[str, Any]:
    """Registration, licences, penalties still in their publicity period (not repaired),
    commendations and abnormal-operations listings. Personal data beyond the legal
    representative's name never appears. An unknown code is a problem+json 404."""
    view = selectors.public_profile(credit_code)
    record = view.profile
    return {
        "credit_code": record.credit_code,
        "name": record.name,
        "legal_representative": record.legal_representative,
        "registered_on": record.registered_on,
        "registration_status": record.registration_status,
        "registration_authority": record.registration_authority,
        "refreshed_at": record.refreshed_at,
        "licences": [_entry(e) for e in view.of_kind(CreditEntryKind.LICENCE)],
        "penalties": [_entry(e) for e in view.of_kind(CreditEntryKind.PENALTY)],
        "commendations": [_entry(e) for e in view.of_kind(CreditEntryKind.COMMENDATION)],
        "abnormal_operations": [
            _entry(e) for e in view.of_kind(CreditEntryKind.ABNORMAL_OPERATION)
        ],
    }
