"""Reads of the administrative map."""

from __future__ import annotations

from django.db.models import QuerySet

from onewindow.core.models import Division


def ancestors(division: Division) -> QuerySet[Division]:
    """From the nation down to the parent, in level order."""
    return Division.objects.filter(code__in=division.ancestor_codes()).order_by("level")


def descendants(division: Division, *, level: int | None = None) -> QuerySet[Division]:
    found = Division.objects.filter(path__startswith=division.path).exclude(pk=division.pk)
    return found.filter(level=level) if level is not None else found


def division_by_code(code: str) -> Division:
    return Division.objects.get(code=code)
