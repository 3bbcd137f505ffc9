"""The area as a picture: an inline SVG of the jurisdiction's box, the drawn polygons and
circles, and the villages (dots; filled when in the area). No map tiles, no script: the
page's lists say the same in words for those who do not see the picture."""

from __future__ import annotations

from dataclasses import dataclass, field

from onewindow.alerts import geometry
from onewindow.alerts.models import AreaKind, DivisionExtent
from onewindow.core.divisions import Level
from onewindow.core.models import Division

WIDTH = 400.0
HEIGHT = 300.0


@dataclass
class Picture:
    polygons: list[str] = field(default_factory=list)  # SVG "x,y x,y ..."
    circles: list[tuple[float, float, float]] = field(default_factory=list)  # cx, cy, r
    villages: list[tuple[float, float, bool, str]] = field(default_factory=list)


def picture(
    jurisdiction: Division,
    areas: list[tuple[str, list[geometry.Point], float | None]],
    *,
    reached: set[int] | None = None,
) -> Picture | None:
    """`areas`: (kind, points, radius_km) of the drawn areas. None without a map extent."""
    extent = DivisionExtent.objects.filter(division=jurisdiction).first()
    if extent is None:
        return None
    box = geometry.Box(extent.south, extent.west, extent.north, extent.east)
    span_lat = max(box.north - box.south, 1e-6)
    span_lon = max(box.east - box.west, 1e-6)

    def xy(point: geometry.Point) -> tuple[float, float]:
        latitude, longitude = point
        return (
            round((longitude - box.west) / span_lon * WIDTH, 1),
            round((box.north - latitude) / span_lat * HEIGHT, 1),
        )

    drawn = Picture()
    for kind, points, radius_km in areas:
        if kind == AreaKind.POLYGON and points:
            drawn.polygons.append(" ".join(f"{x},{y}" for x, y in map(xy, points)))
        elif kind == AreaKind.CIRCLE and points and radius_km:
            x, y = xy(points[0])
            edge = geometry.circle_box(points[0], radius_km)
            radius = round((edge.east - points[0][1]) / span_lon * WIDTH, 1)
            drawn.circles.append((x, y, radius))
    villages = DivisionExtent.objects.filter(
        division__level=Level.VILLAGE, division__path__startswith=jurisdiction.path
    ).select_related("division")
    for village in villages:
        x, y = xy((village.centre_lat, village.centre_lon))
        drawn.villages.append(
            (x, y, village.division_id in (reached or set()), village.division.name)
        )
    return drawn
