"""Outage reserve: both dispatches keep community stores at floor + reserve while the grid is up, and balance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from factories import random_district, storage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zerodistrict.dispatch.common import balance_residual_kw
from zerodistrict.dispatch.optimal import dispatch_optimal
from zerodistrict.dispatch.rule import dispatch_rule

TOL_KWH = 1e-6


def _with_reserve(seed: int, reserve_kwh: float, init_ratio: float, grid_charging: bool, **kw):
    """A random district with one community battery (40 kWh, floor 4 kWh) holding ``reserve_kwh``."""
    bat = storage(1, 40.0, 10.0, min_ratio=0.1, init_ratio=init_ratio, grid_charging=grid_charging)
    bat = replace(bat, outage_reserve_kwh=np.array([reserve_kwh]))
    return random_district(seed, community_battery=bat, **kw)


def _community_soc(inp, result) -> np.ndarray:
    return np.asarray(result.store_soc_kwh)[:, inp.stores.at_community]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), reserve=st.floats(0.5, 32.0), extra=st.floats(0.0, 1.0),
       grid_charging=st.booleans())
def test_both_dispatches_keep_the_reserve_and_balance(seed, reserve, extra, grid_charging):
    floor = 4.0
    init = (floor + reserve + extra * (36.0 - floor - reserve)) / 40.0  # starts at or above floor + reserve
    inp = _with_reserve(seed, reserve, init, grid_charging)
    for result in (dispatch_rule(inp), dispatch_optimal(inp, "energy_cost")):
        soc = _community_soc(inp, result)
        assert soc.min() >= floor + reserve - TOL_KWH, (result.method, soc.min(), floor + reserve)
        assert np.abs(balance_residual_kw(result.totals)).max() <= 1e-6


def test_the_reserve_changes_the_dispatch():
    """Without the reserve both dispatches draw the battery below floor + reserve (so the test above can fail)."""
    inp = _with_reserve(3, 0.0, 0.9, False)
    for result in (dispatch_rule(inp), dispatch_optimal(inp, "energy_cost")):
        assert _community_soc(inp, result).min() < 4.0 + 25.0, result.method


def _outage_district(n_t: int, outage: np.ndarray):
    """Two homes (2 kW load, 6 kWp-like sun) and a 40 kWh community battery holding a 20 kWh outage reserve."""
    from factories import inputs

    hour = np.arange(n_t) % 24
    bat = replace(storage(1, 40.0, 10.0, min_ratio=0.1, init_ratio=0.9), outage_reserve_kwh=np.array([20.0]))
    sun = np.clip(np.sin(np.pi * (hour - 6) / 12), 0, None)
    return inputs(np.full((n_t, 2), 2.0), sun[:, None] * np.array([[6.0, 6.0]]), community_battery=bat,
                  grid_available=~outage, outage=outage, import_price=30.0, export_price=10.0)


def test_an_outage_releases_the_reserve():
    """Grid down for 12 night hours: the battery serves the critical load below floor + reserve, then refills."""
    n_t = 48
    outage = (np.arange(n_t) >= 18) & (np.arange(n_t) < 30)
    inp = _outage_district(n_t, outage)
    for result in (dispatch_rule(inp), dispatch_optimal(inp, "energy_cost")):
        soc = _community_soc(inp, result)[:, 0]
        assert soc[outage].min() < 4.0 + 20.0 - 1.0, result.method  # released in the outage
        assert soc[~outage & (np.arange(n_t) < 18)].min() >= 24.0 - TOL_KWH  # held before it
        assert np.abs(balance_residual_kw(result.totals)).max() <= 1e-6


def test_rolling_horizon_releases_the_reserve_in_a_later_windows_outage():
    """The window LP is reused across windows: an outage in the second day still releases the reserve there."""
    n_t = 72
    outage = (np.arange(n_t) >= 42) & (np.arange(n_t) < 54)
    inp = _outage_district(n_t, outage)
    result = dispatch_optimal(inp, "energy_cost", horizon_hours=24)
    soc = _community_soc(inp, result)[:, 0]
    assert soc[outage].min() < 4.0 + 20.0 - 1.0
    assert soc[np.arange(n_t) < 42].min() >= 24.0 - TOL_KWH
    assert np.abs(balance_residual_kw(result.totals)).max() <= 1e-6
