"""Division outlines for the city map. Surveyed outlines can be loaded as GeoJSON; where
there are none (the demo), a plausible polygon is generated around each division's centre
and marked as generated, which the dashboard says."""

from __future__ import annotations

import math
import random

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onewindow.alerts.models import DivisionExtent
from onewindow.cityops.models import Boundary
from onewindow.core.errors import DomainError
from onewindow.core.models import Division


def generated_polygon(
    latitude: float, longitude: float, *, radius_km: float, seed: str, sides: int = 9
) -> dict[str, object]:
    """An irregular closed polygon (GeoJSON, [longitude, latitude]) around the centre: the
    same for the same seed, so a re-seeded demo draws the same map."""
    rng = random.Random(seed)  # noqa: S311 - a drawing, not a secret
    ring: list[list[float]] = []
    for side in range(sides):
        angle = 2 * math.pi * side / sides + rng.uniform(-0.2, 0.2)
        reach = radius_km * rng.uniform(0.7, 1.0)
        ring.append(
            [
                round(
                    longitude
                    + reach / (111.32 * math.cos(math.radians(latitude))) * math.cos(angle),
                    5,
                ),
                round(latitude + reach / 110.57 * math.sin(angle), 5),
            ]
        )
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def set_boundary(
    division: Division, geometry: dict[str, object], *, is_generated: bool
) -> Boundary:
    """Store a division's outline; raises DomainError unless it is a GeoJSON Polygon with a
    closed ring of at least four positions."""
    rings = geometry.get("coordinates")
    if geometry.get("type") != "Polygon" or not isinstance(rings, list) or not rings:
        raise DomainError(
            _("geometry: a GeoJSON Polygon is required."), field="geometry", code="bad_geometry"
        )
    ring = rings[0]
    if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
        raise DomainError(
            _("geometry: the outline must be a closed ring."), field="geometry", code="bad_geometry"
        )
    with transaction.atomic():
        boundary, _created = Boundary.objects.update_or_create(
            division=division, defaults={"geometry": geometry, "is_generated": is_generated}
        )
    return boundary


def generate_around_centres(divisions: list[Division]) -> list[Boundary]:
    """A generated outline for each division that has a place on the map (alerts' extents),
    as wide as its box allows."""
    extents = {e.division_id: e for e in DivisionExtent.objects.filter(division__in=divisions)}
    made = []
    for division in divisions:
        extent = extents.get(division.pk)
        if extent is None:
            continue
        span_km = min(
            (extent.north - extent.south) * 110.57,
            (extent.east - extent.west) * 111.32 * math.cos(math.radians(extent.centre_lat)),
        )
        polygon = generated_polygon(
            extent.centre_lat, extent.centre_lon, radius_km=span_km / 2, seed=division.code
        )
        made.append(set_boundary(division, polygon, is_generated=True))
    return made
