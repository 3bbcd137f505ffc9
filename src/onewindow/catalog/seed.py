"""The eight services every OneWindow installation starts with, with real-world guides.

The services are data, in `data/services.json`: each entry holds the arguments of
`publish_service`, its `guide` those of a `ServiceGuide`. Published through
`publish_service`, so seeding takes the same checks as an administrator's edit. Running it
again publishes nothing new unless a definition there changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from onewindow.catalog.models import ServiceItem
from onewindow.catalog.services import ServiceGuide, publish_service

SERVICES_FILE = Path(__file__).parent / "data" / "services.json"


def _definition(entry: dict[str, Any]) -> dict[str, Any]:
    return {**entry, "guide": ServiceGuide(**entry["guide"])}


SEEDED_SERVICES: tuple[dict[str, Any], ...] = tuple(
    _definition(entry)
    for entry in json.loads(SERVICES_FILE.read_text(encoding="utf-8"))["services"]
)


def seed_catalog() -> list[ServiceItem]:
    """Publish every seeded service whose current version differs from its definition."""
    items = []
    for definition in SEEDED_SERVICES:
        item = ServiceItem.objects.filter(code=definition["code"]).first()
        guide: ServiceGuide = definition["guide"]
        current = item.current_version if item is not None else None
        if current is None or any(
            getattr(current, name) != value for name, value in vars(guide).items()
        ):
            publish_service(**definition)
        items.append(ServiceItem.objects.get(code=definition["code"]))
    return items
