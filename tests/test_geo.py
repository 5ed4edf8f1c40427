"""Great-circle distance: exact cases on the sphere, an independent scalar formula, and the ellipsoid."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.geo import EARTH_RADIUS_KM, great_circle_km

lat = st.floats(-90, 90)
lon = st.floats(-180, 180)


def test_exact_arcs_of_the_sphere():
    assert great_circle_km(0.0, 0.0, 0.0, 1.0) == pytest.approx(math.pi / 180 * 6371.0088, rel=1e-12)
    assert great_circle_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(math.pi / 2 * 6371.0088, rel=1e-12)
    # antipodes: the haversine loses digits there (arcsin near 1), a metre at most
    assert great_circle_km(10.0, 20.0, -10.0, -160.0) == pytest.approx(math.pi * 6371.0088, abs=1e-3)
    assert great_circle_km(35.9, 139.7, 35.9, 139.7) == 0.0


def test_broadcasts_to_a_matrix():
    lats, lons = np.array([35.8938, 3.205, 1.585]), np.array([139.6335, 101.732, 110.35])
    d = great_circle_km(lats[:, None], lons[:, None], lats[None, :], lons[None, :])
    assert d.shape == (3, 3)
    np.testing.assert_allclose(d, d.T, rtol=0, atol=1e-9)
    assert np.all(np.diag(d) == 0.0)


def _spherical_law_of_cosines_km(lat1, lon1, lat2, lon2):
    """An independent formula (numerically weaker for short arcs, fine above a few km)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, c)))


@settings(max_examples=200, deadline=None)
@given(lat1=lat, lon1=lon, lat2=lat, lon2=lon)
def test_agrees_with_the_law_of_cosines(lat1, lon1, lat2, lon2):
    expected = _spherical_law_of_cosines_km(lat1, lon1, lat2, lon2)
    assert float(great_circle_km(lat1, lon1, lat2, lon2)) == pytest.approx(expected, abs=1e-3)


def test_within_half_a_percent_of_the_wgs84_ellipsoid():
    pyproj = pytest.importorskip("pyproj")
    geod = pyproj.Geod(ellps="WGS84")
    # Misono – Omiya, Kuala Lumpur – Kuching, Saitama – Kuala Lumpur
    for a, b in [((35.893, 139.730), (35.906, 139.624)), ((3.139, 101.687), (1.553, 110.359)),
                 ((35.861, 139.645), (3.139, 101.687))]:
        _, _, metres = geod.inv(a[1], a[0], b[1], b[0])
        assert float(great_circle_km(*a, *b)) == pytest.approx(metres / 1000.0, rel=5e-3)
