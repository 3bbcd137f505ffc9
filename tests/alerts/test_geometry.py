"""The area rules as properties: any closed ring around an area in range is accepted, and
breaking one rule (open, out of range, radius not above zero) is refused with its code."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.alerts import geometry

latitudes = st.floats(min_value=-80, max_value=80, allow_nan=False)
longitudes = st.floats(min_value=-170, max_value=170, allow_nan=False)
sizes = st.floats(min_value=0.01, max_value=5)


@st.composite
def rings(draw: st.DrawFn) -> list[geometry.Point]:
    """A closed rectangle-like ring of 4..8 corners around a centre."""
    lat, lon, size = draw(latitudes), draw(longitudes), draw(sizes)
    corners = draw(st.integers(min_value=3, max_value=7))
    points = [
        (
            lat + size * math.sin(2 * math.pi * k / corners),
            lon + size * math.cos(2 * math.pi * k / corners),
        )
        for k in range(corners)
    ]
    return [*points, points[0]]


@given(rings())
def test_a_closed_ring_in_range_is_accepted_and_contains_its_centre(
    ring: list[geometry.Point],
) -> None:
    geometry.check_polygon(ring)
    lat = sum(point[0] for point in ring[:-1]) / (len(ring) - 1)
    lon = sum(point[1] for point in ring[:-1]) / (len(ring) - 1)
    assert geometry.polygon_contains(ring, (lat, lon))
    assert geometry.polygon_box(ring).contains((lat, lon))


@given(rings(), st.floats(min_value=1e-6, max_value=1))
def test_an_open_ring_is_refused(ring: list[geometry.Point], shift: float) -> None:
    opened = [*ring[:-1], (ring[0][0] + shift, ring[0][1])]
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check_polygon(opened)
    assert refused.value.code in {"polygon_open", "polygon_out_of_range"}


@given(rings(), st.integers(min_value=0, max_value=7), st.sampled_from([91.0, -91.0, math.nan]))
def test_a_point_out_of_range_is_refused(
    ring: list[geometry.Point], index: int, latitude: float
) -> None:
    broken = list(ring)
    position = index % len(broken)
    broken[position] = (latitude, broken[position][1])
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check_polygon(broken)
    assert refused.value.code == "polygon_out_of_range"


@given(st.lists(st.tuples(latitudes, longitudes), max_size=3))
def test_fewer_than_four_points_is_refused(points: list[geometry.Point]) -> None:
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check_polygon(points)
    assert refused.value.code == "polygon_too_short"


@given(latitudes, longitudes, st.floats(max_value=0, allow_nan=False))
def test_a_radius_not_above_zero_is_refused(lat: float, lon: float, radius: float) -> None:
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check_circle((lat, lon), radius)
    assert refused.value.code == "radius_not_positive"


@given(latitudes, longitudes, st.floats(min_value=0.1, max_value=geometry.MAX_RADIUS_KM))
def test_a_circle_contains_its_centre_and_its_box_holds_it(
    lat: float, lon: float, radius: float
) -> None:
    geometry.check_circle((lat, lon), radius)
    assert geometry.circle_contains((lat, lon), radius, (lat, lon))
    box = geometry.circle_box((lat, lon), radius)
    assert box.contains((lat, lon))
    north_edge = (lat + math.degrees(radius / geometry.EARTH_RADIUS_KM) * 0.999, lon)
    assert geometry.circle_contains((lat, lon), radius, north_edge)


def test_typed_points_are_read_as_cap_writes_them() -> None:
    assert geometry.parse_points("29.5,118.8 29.5,119.1\n29.8,119.1") == [
        (29.5, 118.8),
        (29.5, 119.1),
        (29.8, 119.1),
    ]
    with pytest.raises(geometry.GeometryError):
        geometry.parse_points("29.5;118.8,1")
