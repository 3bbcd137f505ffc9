"""Areas drawn on the map: polygons of (latitude, longitude) points and circles, checked and
tested against points. Plain Python (no Django), so the property tests can drive it alone.

A polygon is closed (its first point is its last), has at least three distinct corners and
lies in range; a circle has a centre in range and a radius above zero. "Inside a box" is how
an area is checked against a jurisdiction's extent: every corner of a polygon, and the whole
bounding box of a circle.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 500.0

Point = tuple[float, float]  # (latitude, longitude) in degrees, WGS 84


class GeometryError(ValueError):
    """A drawn area breaks a rule; `code` names the rule."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def contains(self, point: Point) -> bool:
        latitude, longitude = point
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east

    def contains_box(self, other: Box) -> bool:
        return (
            self.south <= other.south
            and other.north <= self.north
            and self.west <= other.west
            and other.east <= self.east
        )


def in_range(point: Point) -> bool:
    latitude, longitude = point
    return (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    )


def check_polygon(points: list[Point]) -> None:
    """Raises GeometryError: `polygon_too_short`, `polygon_out_of_range`, `polygon_open`
    or `polygon_degenerate` (fewer than three distinct corners)."""
    if len(points) < 4:
        raise GeometryError("polygon_too_short")
    if not all(in_range(point) for point in points):
        raise GeometryError("polygon_out_of_range")
    if points[0] != points[-1]:
        raise GeometryError("polygon_open")
    if len(set(points)) < 3 or _area(points) == 0:
        raise GeometryError("polygon_degenerate")


def check_circle(centre: Point, radius_km: float) -> None:
    """Raises GeometryError: `circle_out_of_range`, `radius_not_positive`, `radius_too_large`."""
    if not in_range(centre):
        raise GeometryError("circle_out_of_range")
    if not math.isfinite(radius_km) or radius_km <= 0:
        raise GeometryError("radius_not_positive")
    if radius_km > MAX_RADIUS_KM:
        raise GeometryError("radius_too_large")


def _area(points: list[Point]) -> float:
    return 0.5 * sum(a[1] * b[0] - b[1] * a[0] for a, b in itertools.pairwise(points))


def polygon_box(points: list[Point]) -> Box:
    latitudes = [point[0] for point in points]
    longitudes = [point[1] for point in points]
    return Box(min(latitudes), min(longitudes), max(latitudes), max(longitudes))


def circle_box(centre: Point, radius_km: float) -> Box:
    latitude, longitude = centre
    delta_latitude = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_latitude = max(math.cos(math.radians(latitude)), 1e-9)
    delta_longitude = math.degrees(radius_km / (EARTH_RADIUS_KM * cos_latitude))
    return Box(
        latitude - delta_latitude,
        longitude - delta_longitude,
        latitude + delta_latitude,
        longitude + delta_longitude,
    )


def polygon_contains(points: list[Point], point: Point) -> bool:
    """Even–odd rule on the plane of (longitude, latitude): good at the scale of a county."""
    latitude, longitude = point
    inside = False
    for (lat_a, lon_a), (lat_b, lon_b) in itertools.pairwise(points):
        if (lat_a > latitude) != (lat_b > latitude):
            crossing = lon_a + (latitude - lat_a) * (lon_b - lon_a) / (lat_b - lat_a)
            if longitude < crossing:
                inside = not inside
    return inside


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine)."""
    lat_a, lon_a, lat_b, lon_b = map(math.radians, (*a, *b))
    h = (
        math.sin((lat_b - lat_a) / 2) ** 2
        + math.cos(lat_a) * math.cos(lat_b) * math.sin((lon_b - lon_a) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def circle_contains(centre: Point, radius_km: float, point: Point) -> bool:
    return distance_km(centre, point) <= radius_km


def parse_points(text: str) -> list[Point]:
    """Points as people type them and as CAP writes them: "lat,lon lat,lon ..." (also one
    pair a line). Raises GeometryError `polygon_unreadable`."""
    points: list[Point] = []
    for pair in text.replace(";", " ").split():
        parts = pair.split(",")
        if len(parts) != 2:
            raise GeometryError("polygon_unreadable")
        try:
            points.append((float(parts[0]), float(parts[1])))
        except ValueError:
            raise GeometryError("polygon_unreadable") from None
    return points
