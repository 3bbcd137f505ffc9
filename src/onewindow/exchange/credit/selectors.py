"""Reads of credit profiles that pages and the API share: the public part for anyone, the
whole profile for the business itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import NotFound
from onewindow.exchange.credit.services import normalise_credit_code
from onewindow.exchange.models import CreditEntry, CreditEntryKind, CreditProfile
from onewindow.identity.models import User
from onewindow.identity.selectors import businesses_of

# The fields of each kind of entry that the law makes public (GB/T 32100 credit code,
# the enterprise credit publicity system's columns); nothing else leaves the profile.
PUBLIC_DETAILS: dict[str, tuple[str, ...]] = {
    CreditEntryKind.LICENCE: ("title", "valid_until", "content", "legal_basis"),
    CreditEntryKind.PENALTY: ("violation", "penalty_type", "legal_basis", "fine_fen"),
    CreditEntryKind.COMMENDATION: ("title",),
    CreditEntryKind.ABNORMAL_OPERATION: ("reason", "removed_on", "removal_reason"),
}


def is_public(entry: CreditEntry, today: date) -> bool:
    """Penalties only within their publicity period and unrepaired; the rest always."""
    if entry.kind != CreditEntryKind.PENALTY:
        return True
    if hasattr(entry, "repair"):
        return False
    return entry.publicity_ends_on is not None and today < entry.publicity_ends_on


def public_details(entry: CreditEntry) -> dict[str, Any]:
    return {name: entry.details.get(name) for name in PUBLIC_DETAILS.get(entry.kind, ())}


@dataclass
class ProfileView:
    profile: CreditProfile
    entries: dict[str, list[CreditEntry]] = field(default_factory=dict)
    is_full: bool = False  # the business's own view: penalties whose publicity ended too

    def of_kind(self, kind: str) -> list[CreditEntry]:
        return self.entries.get(kind, [])


def _grouped(entries: list[CreditEntry]) -> dict[str, list[CreditEntry]]:
    grouped: dict[str, list[CreditEntry]] = {kind: [] for kind in CreditEntryKind.values}
    for entry in entries:
        grouped[entry.kind].append(entry)
    return grouped


def _profile(credit_code: str) -> CreditProfile:
    profile = CreditProfile.objects.filter(credit_code=normalise_credit_code(credit_code)).first()
    if profile is None:
        raise NotFound(_("No credit profile has this code."), field="credit_code")
    return profile


def _entries(profile: CreditProfile, today: date) -> list[CreditEntry]:
    entries = list(
        profile.entries.select_related("source__provider", "repair").order_by(
            "kind", "-decided_on", "reference"
        )
    )
    for entry in entries:  # for the pages: whether the public sees it, and the repair
        entry.is_shown_publicly = is_public(entry, today)  # type: ignore[attr-defined]
        entry.completed_repair = getattr(entry, "repair", None)  # type: ignore[attr-defined]
    return entries


def public_profile(credit_code: str, *, today: date | None = None) -> ProfileView:
    """What anyone may see. Raises NotFound for an unknown or malformed code."""
    today = today or timezone.localdate()
    profile = _profile(credit_code)
    shown = [entry for entry in _entries(profile, today) if is_public(entry, today)]
    return ProfileView(profile, _grouped(shown))


def may_see_full_profile(user: User, profile: CreditProfile) -> bool:
    """The business itself: its legal representative or an active authorised agent."""
    if not user.is_authenticated:
        return False
    return businesses_of(user).filter(credit_code=profile.credit_code).exists()


def access_own_profile(user: User, credit_code: str, *, today: date | None = None) -> ProfileView:
    """The whole profile, for the business itself. NotFound for missing and not yours alike."""
    today = today or timezone.localdate()
    profile = _profile(credit_code)
    if not may_see_full_profile(user, profile):
        raise NotFound(_("No credit profile has this code."), field="credit_code")
    return ProfileView(profile, _grouped(_entries(profile, today)), is_full=True)


def own_profiles(user: User) -> QuerySet[CreditProfile]:
    codes = businesses_of(user).values("credit_code")
    return CreditProfile.objects.filter(credit_code__in=codes).order_by("name")


def search_profiles(query: str, *, limit: int = 20) -> list[CreditProfile]:
    """By the exact credit code, or by a part of the name."""
    query = query.strip()[:100]
    if not query:
        return []
    code = normalise_credit_code(query)
    return list(
        CreditProfile.objects.filter(Q(credit_code=code) | Q(name__icontains=query)).order_by(
            "name"
        )[:limit]
    )


@dataclass(frozen=True)
class PublicSection:
    """A part of a profile's public page that a higher app adds (transparency: the public
    contracts a business was awarded): a heading, column headings and rows of (link, cells)."""

    key: str
    title: str | Promise
    columns: tuple[str | Promise, ...]
    rows: list[tuple[str, tuple[str, ...]]]


# Filled by higher apps in their AppConfig.ready() (exchange cannot import them).
_PUBLIC_SECTIONS: list[Callable[[str], PublicSection | None]] = []


def register_public_section(provider: Callable[[str], PublicSection | None]) -> None:
    if provider not in _PUBLIC_SECTIONS:
        _PUBLIC_SECTIONS.append(provider)


def public_sections(credit_code: str) -> list[PublicSection]:
    """What registered apps publish about this business (empty sections left out)."""
    found = (provider(credit_code) for provider in _PUBLIC_SECTIONS)
    return [section for section in found if section is not None and section.rows]
