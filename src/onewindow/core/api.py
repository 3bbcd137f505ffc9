"""Public reads of the administrative map."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema

from onewindow.core import selectors
from onewindow.core.errors import NotFound
from onewindow.core.models import Division

router = Router(tags=["divisions"])


class DivisionOut(Schema):
    code: str
    level: int
    name_zh: str
    name_en: str
    parent_code: str | None
    urban_rural: str
    economic_region: str

    @staticmethod
    def resolve_parent_code(division: Division) -> str | None:
        return division.parent.code if division.parent else None


def _division(code: str) -> Division:
    try:
        return selectors.division_by_code(code)
    except Division.DoesNotExist as error:
        raise NotFound(_("No division has the code %(code)s."), params={"code": code}) from error


@router.get("/divisions/{code}", response=DivisionOut, summary="One division")
def get_division(request: HttpRequest, code: str) -> Division:
    return _division(code)


@router.get(
    "/divisions/{code}/ancestors", response=list[DivisionOut], summary="From the nation down"
)
def get_ancestors(request: HttpRequest, code: str) -> list[Division]:
    return list(selectors.ancestors(_division(code)).select_related("parent"))


@router.get(
    "/divisions/{code}/children", response=list[DivisionOut], summary="Divisions one level down"
)
def get_children(request: HttpRequest, code: str) -> list[Division]:
    return list(_division(code).children.select_related("parent").order_by("code"))
