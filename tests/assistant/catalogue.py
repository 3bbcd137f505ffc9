"""The assistant's sources without a database: the 8 core services and the demo city's list,
as `publish_service` would publish them."""

from __future__ import annotations

from functools import cache

from onewindow.assistant.index import Index, index_of_definitions
from onewindow.catalog.seed import SEEDED_SERVICES
from onewindow.catalog.services import ServiceGuide
from onewindow.demo.catalogue import definitions


@cache
def guides() -> dict[str, ServiceGuide]:
    return {d["code"]: d["guide"] for d in [*SEEDED_SERVICES, *definitions()]}


@cache
def city_index() -> Index:
    return index_of_definitions([*SEEDED_SERVICES, *definitions()])


def source(code: str, field: str) -> str:
    """The field `field` of the guide of `code`: what a passage must be part of."""
    return str(getattr(guides()[code], field))
