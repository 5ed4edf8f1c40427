"""Optimal dispatch LP: hand-checked optima, invariants, and equality with an independent PyPSA model."""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import evs, inputs, random_district, storage
from zerodistrict.dispatch.common import check_balance
from zerodistrict.dispatch.optimal import (
    CRITICAL_PENALTY_MULTIPLE,
    build_model,
    dispatch_optimal,
    objective_value,
    value_of_lost_load,
)
from zerodistrict.errors import InputError




def assert_valid(inp, r):
    """Balance every step, flows ≥ 0, SOC within limits."""
    check_balance(r.totals)
    s = inp.stores
    assert np.all(r.store_soc_kwh >= s.min_kwh[None, :] - 1e-9)
    assert np.all(r.store_soc_kwh <= s.max_kwh[None, :] + 1e-9)
    for m in (r.home_import_kw, r.home_export_kw, r.home_unserved_kw):
        assert m.min() >= 0.0
    assert r.method == "optimal"


# --------------------------------------------------------------------------- hand-checked optima


def test_price_arbitrage_with_lossy_battery():
    # 1 kW load at 10 then 30 /kWh. Serving step 2 from the battery needs 1/0.8 kWh stored,
    # i.e. 1/(0.8·0.9) kWh bought at 10: cost 10·(1 + 1.3889) = 23.889 (instead of 40).
    inp = inputs(np.ones((2, 1)), np.zeros((2, 1)), import_price=[10.0, 30.0],
                 home_battery=storage(1, 10.0, 5.0, eta_c=0.9, eta_d=0.8, min_ratio=0.0))
    r = dispatch_optimal(inp)
    assert r.objective == pytest.approx(10.0 * (1 + 1 / 0.72), rel=1e-9)
    assert r.totals["battery_discharge_kw"][1] == pytest.approx(1.0)
    assert r.totals["grid_import_kw"][1] == pytest.approx(0.0, abs=1e-9)
    assert_valid(inp, r)


def test_no_export_curtails_surplus_and_export_earns():
    load, pv = np.ones((3, 1)), np.full((3, 1), 3.0)
    r = dispatch_optimal(inputs(load, pv, export_allowed=False, export_price=10.0))
    assert r.objective == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(r.totals["curtailed_kw"], 2.0)
    np.testing.assert_allclose(r.totals["grid_export_kw"], 0.0)
    r = dispatch_optimal(inputs(load, pv, export_allowed=True, export_price=10.0, export_limit_kw=1.5))
    assert r.objective == pytest.approx(-3 * 1.5 * 10.0)
    np.testing.assert_allclose(r.totals["curtailed_kw"], 0.5)


def test_outage_without_storage_sheds_load_at_penalty():
    inp = inputs(np.full((3, 1), 2.0), np.zeros((3, 1)), grid_available=[True, False, True],
                 import_price=30.0, export_price=10.0, critical_load_ratio=0.5)
    voll = value_of_lost_load(inp)
    assert voll == 100 * 30.0
    r = dispatch_optimal(inp)
    # 2 steps × 2 kW × 30, plus 1 kW non-critical at VOLL and 1 kW critical at 2·VOLL
    assert r.objective == pytest.approx(120.0 + voll + CRITICAL_PENALTY_MULTIPLE * voll)
    np.testing.assert_allclose(r.totals["unserved_kw"], [0, 2, 0], atol=1e-9)
    np.testing.assert_allclose(r.totals["critical_unserved_kw"], [0, 1, 0], atol=1e-9)
    assert_valid(inp, r)


def test_outage_battery_keeps_critical_load():
    # a 1 kW battery covers the critical half in the outage; one extra kWh bought at 30
    inp = inputs(np.full((3, 1), 2.0), np.zeros((3, 1)), grid_available=[True, False, True],
                 home_battery=storage(1, 10.0, 1.0, eta_c=1.0, eta_d=1.0, min_ratio=0.0))
    r = dispatch_optimal(inp)
    assert r.objective == pytest.approx(120.0 + 30.0 + value_of_lost_load(inp))
    np.testing.assert_allclose(r.totals["critical_unserved_kw"], 0.0, atol=1e-9)
    np.testing.assert_allclose(r.home_unserved_kw[1], [1.0])


def test_sharing_moves_surplus_between_homes_with_loss():
    # home 0: 2 kW surplus; home 1: 1 kW deficit; no export. With 10 % loss home 1 gets 0.9 from home 0.
    load = np.array([[0.0, 1.0]])
    pv = np.array([[2.0, 0.0]])
    r = dispatch_optimal(inputs(load, pv, export_allowed=False, import_price=30.0, line_loss_ratio=0.1))
    assert r.objective == pytest.approx(0.0, abs=1e-9)
    assert r.totals["shared_kw"][0] == pytest.approx(1.0)
    assert r.totals["line_loss_kw"][0] == pytest.approx(1.0 / 0.9 * 0.1)
    r = dispatch_optimal(inputs(load, pv, export_allowed=False, import_price=30.0, sharing=False))
    assert r.objective == pytest.approx(30.0)
    np.testing.assert_allclose(r.home_import_kw, [[0.0, 1.0]])


def test_no_grid_charging_blocks_arbitrage():
    inp = inputs(np.ones((2, 1)), np.zeros((2, 1)), import_price=[10.0, 30.0],
                 home_battery=storage(1, 10.0, 5.0, eta_c=1.0, eta_d=1.0, min_ratio=0.0, grid_charging=False))
    assert dispatch_optimal(inp).objective == pytest.approx(40.0)


# --------------------------------------------------------------------------- errors and API


def test_infeasible_trip_raises_with_status():
    # a car that is never parked cannot get back the energy its trip takes (cyclic storage)
    ev = evs(4, 1, trip_every=2, trip_kwh=8.0, away_steps=4)
    ev.available[:] = False
    with pytest.raises(RuntimeError, match="status"):
        dispatch_optimal(replace(inputs(np.ones((4, 1)), np.zeros((4, 1)), ev=ev), storage_end="cyclic"))


def test_bad_arguments_name_the_field():
    inp = inputs(np.ones((48, 1)), np.zeros((48, 1)))
    with pytest.raises(InputError, match=re.escape("objective must be 'bill', 'energy_cost' (or 'cost') or 'co2'")):
        dispatch_optimal(inp, objective="money")
    with pytest.raises(InputError, match="horizon_hours must be at least 24"):
        dispatch_optimal(inp, horizon_hours=12)
    with pytest.raises(InputError, match="horizon_hours 30.5 h is not a whole number"):
        dispatch_optimal(inp, horizon_hours=30.5)


def test_build_model_accepts_user_constraints():
    inp = random_district(3, n_t=24, n_h=2)
    m = build_model(inp, aggregate=False)
    m.add_constraints(m.variables["grid_import"] <= 0.5, name="cap")
    m.solve(solver_name="highs", io_api="direct", output_flag=False)
    assert m.variables["grid_import"].solution.max() <= 0.5 + 1e-7
    assert m.objective.value >= dispatch_optimal(inp).objective - 1e-6


# --------------------------------------------------------------------------- invariants


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), sharing=st.booleans(), loss=st.sampled_from([0.0, 0.05]),
       outage=st.booleans(), ev_count=st.integers(0, 2))
def test_balance_soc_and_signs_hold(seed, sharing, loss, outage, ev_count):
    grid = np.ones(24, bool)
    if outage:
        grid[18:22] = False
    inp = random_district(seed, n_t=24, n_h=3, sharing=sharing, line_loss_ratio=loss, grid_available=grid,
                          community_battery=storage(1, 20.0, 10.0), ev=evs(24, ev_count, trip_every=9),
                          mobility_load_kw=0.3)
    r = dispatch_optimal(inp)
    assert_valid(inp, r)
    assert r.objective == pytest.approx(objective_value(inp, r), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("seed", [1, 2])
def test_aggregated_equals_per_home_model(seed):
    inp = random_district(seed, n_t=48, n_h=5, community_battery=storage(1, 30.0, 10.0))
    a = dispatch_optimal(inp)
    b = dispatch_optimal(inp, aggregate=False)
    assert a.objective == pytest.approx(b.objective, rel=1e-7)
    assert_valid(inp, a)
    np.testing.assert_allclose(a.totals["battery_soc_kwh"], a.store_soc_kwh.sum(axis=1))  # no EVs here
    # homes of one battery class share one state of charge ratio
    b_ = inp.stores
    same = ~b_.at_community & (b_.capacity_kwh > 0) & np.isclose(b_.charge_power_kw, 0.5 * b_.capacity_kwh)
    ratio = a.store_soc_kwh[:, same] / b_.capacity_kwh[same]
    np.testing.assert_allclose(ratio, ratio[:, :1].repeat(ratio.shape[1], axis=1), atol=1e-9)


@pytest.mark.parametrize("seed", [3, 4])
def test_lossy_sharing_merges_homes_without_storage_exactly(seed):
    """Homes without batteries under lossy sharing: two merged buses give the per-home LP's optimum."""
    n_t, n_h = 48, 6
    cap = np.array([0.0, 8.0, 0.0, 0.0, 5.0, 0.0])
    grid = np.ones(n_t, bool)
    grid[30:36] = False
    inp = random_district(seed, n_t=n_t, n_h=n_h, line_loss_ratio=0.03, grid_available=grid,
                          home_battery=storage(n_h, cap, cap * 0.5), community_battery=storage(1, 20.0, 8.0))
    merged = dispatch_optimal(inp)
    per_home = dispatch_optimal(inp, aggregate=False)
    assert merged.objective == pytest.approx(per_home.objective, rel=1e-7)
    assert_valid(inp, merged)
    # a home without storage never sends what its own load could use
    no_bat = cap == 0
    own_use = np.minimum(inp.load_kw, inp.pv_kw)[:, no_bat]
    assert (merged.home_import_kw[:, no_bat] <= np.maximum(inp.load_kw - inp.pv_kw, 0)[:, no_bat] + 1e-9).all()
    assert own_use.sum() > 0


def test_optimal_beats_a_feasible_schedule_without_batteries():
    inp = random_district(7, n_t=72, n_h=4)
    net = (inp.load_kw - inp.pv_kw).sum(axis=1)  # lossless sharing: the district nets
    greedy = float((np.maximum(net, 0) * inp.import_price - np.maximum(-net, 0) * inp.export_price).sum())
    assert dispatch_optimal(inp).objective <= greedy + 1e-6


def test_rolling_horizon_costs_at_least_perfect_foresight():
    inp = random_district(11, n_t=96, n_h=3, community_battery=storage(1, 30.0, 10.0),
                          ev=evs(96, 1, trip_every=24))
    pf = dispatch_optimal(inp)
    rolling = dispatch_optimal(inp, horizon_hours=48)
    assert_valid(inp, rolling)
    assert rolling.objective >= pf.objective - 1e-6
    assert len(rolling.index) == 96
    # the period ends with every store at least where it started
    homes = ~inp.stores.at_community
    assert rolling.store_soc_kwh[-1, homes].sum() >= inp.stores.initial_kwh[homes].sum() - 1e-6


def test_two_hour_and_one_hour_steps_agree():
    # a profile constant over 2-hour blocks: the 1 h and 2 h LPs have the same optimum
    rng = np.random.default_rng(5)
    load2, pv2 = rng.uniform(0, 3, (12, 2)), rng.uniform(0, 4, (12, 2))
    price2 = rng.uniform(10, 40, 12)
    kw = dict(home_battery=storage(2, 10.0, 3.0, eta_c=0.95, eta_d=0.9), export_price=5.0)
    coarse = dispatch_optimal(inputs(load2, pv2, step_hours=2.0, import_price=price2, **kw))
    fine = dispatch_optimal(inputs(np.repeat(load2, 2, axis=0), np.repeat(pv2, 2, axis=0), step_hours=1.0,
                                   import_price=np.repeat(price2, 2), **kw))
    assert fine.objective == pytest.approx(coarse.objective, rel=1e-6)


def test_co2_objective_emits_no_more_than_cost_objective():
    rng = np.random.default_rng(9)
    ef = rng.uniform(0.2, 0.8, 48)
    inp = random_district(9, n_t=48, emission=ef, community_battery=storage(1, 30.0, 10.0))
    co2 = lambda r: float((r.totals["grid_import_kw"] * ef).sum())  # noqa: E731
    by_cost, by_co2 = dispatch_optimal(inp, "cost"), dispatch_optimal(inp, "co2")
    assert co2(by_co2) <= co2(by_cost) + 1e-6
    assert by_co2.objective == pytest.approx(co2(by_co2), rel=1e-6)


# --------------------------------------------------------------------------- against PyPSA

PYPSA_CASES = {
    "lossless sharing, EVs, outage, no grid charging": dict(grid_charging=False, outage=True, ev=2),
    "sharing with line loss and limits": dict(line_loss_ratio=0.05, import_limit_kw=6.0, export_limit_kw=2.0),
    "line loss, homes without batteries merged, outage": dict(line_loss_ratio=0.05, cap=[0.0, 0.0, 6.0, 0.0],
                                                              outage=True, grid_charging=False, ev=1),
    "no sharing, limits, no grid charging, co2": dict(sharing=False, import_limit_kw=4.0, export_limit_kw=2.0,
                                                      grid_charging=False, objective="co2"),
}


@pytest.mark.parametrize("case", list(PYPSA_CASES))
def test_equals_pypsa_formulation(case):
    pytest.importorskip("pypsa")
    warnings.simplefilter("ignore", FutureWarning)
    logging.getLogger("pypsa").setLevel(logging.ERROR)
    logging.getLogger("linopy").setLevel(logging.ERROR)
    from pypsa_reference import solve_pypsa

    spec = dict(PYPSA_CASES[case])
    objective = spec.pop("objective", "cost")
    gc = spec.pop("grid_charging", True)
    n_ev = spec.pop("ev", 0)
    cap = np.array(spec.pop("cap", [10.0, 0.0, 6.0, 13.0]))
    n_t, n_h = 48, 4
    grid = np.ones(n_t, bool)
    if spec.pop("outage", False):
        grid[18:23] = False
    rng = np.random.default_rng(len(case))
    inp = random_district(len(case), n_t=n_t, n_h=n_h,
                          home_battery=storage(n_h, cap, cap * 0.5, eta_c=0.95, eta_d=0.9, grid_charging=gc),
                          community_battery=storage(1, 40.0, 15.0, grid_charging=gc), grid_available=grid,
                          ev=evs(n_t, n_ev, trip_every=24), mobility_load_kw=rng.uniform(0, 0.5, n_t), **spec)
    inp = replace(inp, storage_end="cyclic")  # the reference's storage is cyclic
    ours = dispatch_optimal(inp, objective)
    theirs = solve_pypsa(inp, objective)
    assert ours.objective == pytest.approx(theirs, rel=1e-6)


def test_rolling_horizon_last_window_that_cannot_refill_ends_where_it_started():
    """The last window must bring the battery back to its initial energy, but the windows before let it fall
    below (their floor is where each started) and the last two days have no sun and no grid charging: the
    last window ends where it started instead of failing, and says so (once a year's work is done)."""
    n_t = 96
    load = np.full((n_t, 1), 2.0)
    pv = np.zeros((n_t, 1))
    pv[34:44, 0] = 6.0  # day 2 only
    price = np.r_[np.full(24, 30.0), np.full(24, 30.0), np.full(48, 5.0)]  # cheap grid on days 3 and 4
    inp = inputs(load, pv, import_price=price, export_price=25.0,
                 community_battery=storage(1, 20.0, 5.0, init_ratio=0.5, grid_charging=False))
    rolling = dispatch_optimal(inp, horizon_hours=48)
    assert_valid(inp, rolling)
    end, start = rolling.store_soc_kwh[-1, 0], inp.stores.initial_kwh[0]
    assert end < start - 1.0  # it could not get back
    assert end >= rolling.store_soc_kwh[47, 0] - 1e-6  # but ended at least where the last window started
    note = next(n for n in rolling.notes if "could not bring every store back" in n)
    assert f"{start - end:,.1f} kWh short" in note
