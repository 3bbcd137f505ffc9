"""What the hotline's JSON endpoints share: the rating shape and the lookup of a division
named in a request."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import Schema

from onewindow.core.errors import DomainError
from onewindow.core.models import Division


def division_named(code: str) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise DomainError(
            _("No division has this code."), field="division", code="unknown_division"
        )
    return division


class RatingIn(Schema):
    level: int
    tags: list[str] = []
    comment: str = ""
