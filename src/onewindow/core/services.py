"""Writes to the administrative map."""

from __future__ import annotations

from django.db import transaction

from onewindow.core.models import Division


@transaction.atomic
def define_division(
    *,
    code: str,
    level: int,
    name_zh: str,
    name_en: str,
    parent: Division | None,
    urban_rural: str = "",
    economic_region: str = "",
) -> Division:
    """Create the division with `code`, or bring an existing one up to date.

    Raises django.core.exceptions.ValidationError when the code does not fit its level or the
    level needs a class it was not given.
    """
    division = Division.objects.filter(code=code).first() or Division(code=code)
    division.level = level
    division.name_zh = name_zh
    division.name_en = name_en
    division.parent = parent
    division.urban_rural = urban_rural
    division.economic_region = economic_region
    division.full_clean(exclude=["path"])
    division.save()
    return division
