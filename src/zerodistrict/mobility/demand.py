"""Trip requests: when, from which port to which, how far, on which vehicle type.

Model (all vectorised over trips):

* **Time.** Requests in step k are Poisson with mean
  ``trips_per_day · f_day · w[h_k] / Σw · Δt`` where ``w`` is the weekday or
  weekend hourly profile, ``h_k`` the local hour of step k, ``f_day`` 1 on
  weekdays and ``weekend_factor`` on Saturday and Sunday, and Δt the step
  [h]. Each request starts at a uniform time inside its step. Public holidays
  are treated as weekdays (simplification).
* **Origin–destination.** The origin is drawn in proportion to the port
  weights; the destination by a production-constrained gravity model
  ``P(d | o) ∝ w_d · exp(−β · dist_od)`` with haversine distances
  [km]; ``d = o`` (a round trip) is allowed.
* **Ride length.** ``max(circuity · dist_od, L)`` with L lognormal of mean
  ``mean_km`` and shape ``sigma`` (optionally capped at ``max_km``): a ride is
  never shorter than the road between its ports, and a round trip has length L.
* **Vehicle type.** Drawn by ``mode_choice`` shares (default: in proportion
  to the fleet counts).

Time is "model hours" since the first step's start: step k covers
``[k·Δt, (k+1)·Δt)``. The local hour and weekday of a step come from the index,
so a DST shift moves profiles with local time while model time stays uniform.

References
----------
Wilson, A. G. (1971). A family of spatial interaction models. Environment and
Planning A 3(1), 1–32 (exponential-decay gravity model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from zerodistrict.geo import great_circle_km
from zerodistrict.scenario.mobility import Mobility


@dataclass
class TripRequests:
    """Requests in time order; every field is an array of shape (n,)."""

    time_h: np.ndarray  # [h] model time of the request
    origin: np.ndarray  # int, station index
    destination: np.ndarray  # int, station index
    distance_km: np.ndarray  # [km] ride length
    vehicle_type: np.ndarray  # int, vehicle type index

    @property
    def n(self) -> int:
        return int(self.time_h.shape[0])


def step_hours_of(index: pd.DatetimeIndex) -> float:
    """Step length [h] of a regular index (its ``freq`` or its most common spacing)."""
    if len(index) < 2:
        return 1.0 if index.freq is None else pd.Timedelta(index.freq).total_seconds() / 3600.0
    if index.freq is not None:
        return pd.Timedelta(index.freq).total_seconds() / 3600.0
    spacing = np.diff(index.asi8)
    values, counts = np.unique(spacing, return_counts=True)
    return float(values[np.argmax(counts)]) / 3.6e12  # ns → h


def distance_matrix_km(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Great-circle distance between every pair of points [km], shape (n, n) (:func:`zerodistrict.geo.great_circle_km`)."""
    lat = np.asarray(latitude, dtype=float)
    lon = np.asarray(longitude, dtype=float)
    return great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


def expected_requests_per_step(mobility: Mobility, index: pd.DatetimeIndex) -> np.ndarray:
    """Mean requests in each step, shape (t,) [1/step]."""
    demand = mobility.demand
    dt_h = step_hours_of(index)
    wd = np.asarray(demand.weekday_profile, dtype=float)
    we = np.asarray(demand.weekend_profile, dtype=float)
    hour = np.asarray(index.hour)
    weekend = np.asarray(index.day_of_week) >= 5
    share = np.where(weekend, we[hour] / we.sum() * demand.weekend_factor, wd[hour] / wd.sum())
    return demand.trips_per_day * share * dt_h


def mode_shares(mobility: Mobility) -> np.ndarray:
    """Share of requests per vehicle type, shape (types,); sums to 1 (uniform if the fleet is empty)."""
    types = mobility.vehicle_types
    if not types:
        return np.zeros(0)
    if mobility.demand.mode_choice is not None:
        raw = np.array([mobility.demand.mode_choice.get(v.id, 0.0) for v in types], dtype=float)
    else:
        raw = np.array([v.count for v in types], dtype=float)
    if raw.sum() <= 0:
        raw = np.ones(len(types))
    return raw / raw.sum()


def destination_cdf(mobility: Mobility, dist_km: np.ndarray) -> np.ndarray:
    """Cumulative gravity-model choice P(d ≤ j | o), shape (stations, stations); each row ends at 1."""
    weights = np.array([s.weight for s in mobility.stations], dtype=float)
    beta = mobility.demand.distance_decay_per_km
    # subtract each row's minimum distance so exp() cannot underflow the whole row
    attraction = weights[None, :] * np.exp(-beta * (dist_km - dist_km.min(axis=1, keepdims=True)))
    cdf = np.cumsum(attraction / attraction.sum(axis=1, keepdims=True), axis=1)
    cdf[:, -1] = 1.0
    return cdf


def generate_requests(mobility: Mobility, index: pd.DatetimeIndex, rng: np.random.Generator) -> TripRequests:
    """Draw every trip request of the period (see module docstring)."""
    stations = mobility.stations
    n_s = len(stations)
    dt_h = step_hours_of(index)
    per_step = rng.poisson(expected_requests_per_step(mobility, index))
    n = int(per_step.sum())
    step = np.repeat(np.arange(len(index)), per_step)
    time_h = (step + rng.random(n)) * dt_h
    order = np.argsort(time_h, kind="stable")
    time_h = time_h[order]

    weights = np.array([s.weight for s in stations], dtype=float)
    origin_cdf = np.cumsum(weights / weights.sum())
    origin = np.minimum(np.searchsorted(origin_cdf, rng.random(n), side="right"), n_s - 1)

    dist_km = distance_matrix_km(
        np.array([s.latitude for s in stations]), np.array([s.longitude for s in stations])
    )
    # one searchsorted over all rows: row o's cdf is shifted by o, so origin + u lands in row o
    flat = (destination_cdf(mobility, dist_km) + np.arange(n_s)[:, None]).ravel()
    pos = np.searchsorted(flat, origin + rng.random(n), side="right")
    destination = np.clip(pos - origin * n_s, 0, n_s - 1)

    dd = mobility.demand.distance
    sigma = dd.sigma
    mu = np.log(dd.mean_km) - sigma**2 / 2  # lognormal with mean mean_km
    ride = rng.lognormal(mu, sigma, n) if sigma > 0 else np.full(n, dd.mean_km)
    if dd.max_km is not None:
        ride = np.minimum(ride, dd.max_km)
    distance_km = np.maximum(dd.circuity * dist_km[origin, destination], ride)

    shares = mode_shares(mobility)
    if shares.size:
        vehicle_type = np.minimum(np.searchsorted(np.cumsum(shares), rng.random(n), side="right"), shares.size - 1)
    else:
        vehicle_type = np.full(n, -1)
    return TripRequests(time_h, origin.astype(np.int64), destination.astype(np.int64), distance_km,
                        vehicle_type.astype(np.int64))
