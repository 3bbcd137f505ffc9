"""The data services every installation starts with, published for the departments that
own the data (the city's department of each kind, else the nearest level that has one).

The services are data, in `data/services.json`: each entry names the owning department's
`kind` and holds the `DataService` fields (request and response fields with their labels in
both languages, the legal basis).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from onewindow.core.divisions import Level
from onewindow.exchange import services
from onewindow.exchange.models import DataService, SharingClass
from onewindow.identity.models import Department

SERVICES_FILE = Path(__file__).parent / "data" / "services.json"
SERVICES: tuple[dict[str, Any], ...] = tuple(
    json.loads(SERVICES_FILE.read_text(encoding="utf-8"))["services"]
)


def seed_data_services() -> list[DataService]:
    found = []
    for definition in SERVICES:
        # The city's department holds the city's records; else the nearest level that has one.
        kind = Department.objects.filter(kind=definition["kind"])
        provider = (
            kind.filter(division__level=Level.CITY).order_by("code").first()
            or kind.order_by("division__level", "code").first()
        )
        if provider is None:
            continue
        values = {k: v for k, v in definition.items() if k not in ("code", "kind")}
        service, _created = DataService.objects.update_or_create(
            code=definition["code"],
            defaults={**values, "provider": provider, "sharing_class": SharingClass.CONDITIONAL},
        )
        found.append(service)
    services.forget_data_services()
    return found
