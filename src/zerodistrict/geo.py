"""Great-circle distance between points on the Earth (haversine on a sphere).

The Earth is a sphere of the IUGG mean radius; the error against the
ellipsoid is below 0.5 % (Sinnott 1984), far below what weather-station
choice or a gravity model of trips can resolve. Vectorised: arguments
broadcast like numpy arrays.

References
----------
.. [1] Moritz, H. (2000). Geodetic Reference System 1980. Journal of Geodesy
   74, 128–133: mean radius R₁ = (2a + b)/3 = 6 371 008.7714 m (IUGG).
.. [2] Sinnott, R. W. (1984). Virtues of the Haversine. Sky and Telescope
   68(2), 159.
"""

from __future__ import annotations

import numpy as np

#: mean radius of the Earth R₁ [km] (IUGG, GRS 80; Moritz 2000)
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg) -> np.ndarray:
    """Great-circle distance between two points (or arrays of points) by the haversine formula.

    Parameters
    ----------
    lat1_deg, lon1_deg : array_like
        Latitude and longitude of the first point(s). [deg]
    lat2_deg, lon2_deg : array_like
        Latitude and longitude of the second point(s); broadcast against the first. [deg]

    Returns
    -------
    numpy.ndarray
        Distance along the surface, of the broadcast shape (a numpy scalar for scalar inputs). [km]
    """
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    l1, l2 = np.radians(lon1_deg), np.radians(lon2_deg)
    a = np.sin((p1 - p2) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l1 - l2) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
