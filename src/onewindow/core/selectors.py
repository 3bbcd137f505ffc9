"""Reads of the administrative map."""

from __future__ import annotations

from django.db.models import QuerySet

from onewindow.core.divisions import Level
from onewindow.core.models import Division
from onewindow.core.reference_cache import ReferenceCache, forget_on_change

# The map changes by an administrator's hand; filings read a division and its county each time.
divisions: ReferenceCache[tuple[str, int], Division] = ReferenceCache("divisions")
forget_on_change(divisions, Division)


def ancestors(division: Division) -> QuerySet[Division]:
    """From the nation down to the parent, in level order."""
    return Division.objects.filter(code__in=division.ancestor_codes()).order_by("level")


def descendants(division: Division, *, level: int | None = None) -> QuerySet[Division]:
    found = Division.objects.filter(path__startswith=division.path).exclude(pk=division.pk)
    return found.filter(level=level) if level is not None else found


def division_by_code(code: str) -> Division:
    return Division.objects.get(code=code)


def division_by_pk(pk: int) -> Division:
    """The division with this primary key (kept per process). Raises Division.DoesNotExist."""
    return divisions.get(("pk", pk), lambda: Division.objects.get(pk=pk))


def county_of(division: Division) -> Division:
    """The county (or district) a division belongs to, or the division itself above it."""
    if division.level <= Level.COUNTY:
        return division

    def load() -> Division:
        codes = division.ancestor_codes()
        return Division.objects.filter(code__in=codes, level=Level.COUNTY).first() or division

    return divisions.get(("county", division.pk), load)


def division_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    """Counties, townships and villages, indented under each other, for a form's choice of
    place; first `blank` (the "no place" label) when given."""
    rows = Division.objects.filter(level__gte=Level.COUNTY).order_by("path")
    indent: dict[int, str] = {Level.COUNTY: "", Level.TOWNSHIP: "— ", Level.VILLAGE: "— — "}
    choices = [(d.code, f"{indent.get(d.level, '')}{d.name}") for d in rows]
    return choices if blank is None else [("", blank), *choices]
