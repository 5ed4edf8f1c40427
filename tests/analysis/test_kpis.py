"""KPIs of a dispatch: CO2 against the baseline (negative reductions), and the shares' range."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from factories import inputs, storage
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.analysis.kpis import compute_kpis, homes_table
from zerodistrict.dispatch.rule import dispatch_rule

ETA = 0.95  # charge and discharge efficiency of the test battery


def _arbitrage_inputs():
    """One home, no PV, 1 kW of load; step 0 cheap and dirty, step 1 dear and clean; a grid-charging battery."""
    return inputs(
        np.ones((2, 1)), np.zeros((2, 1)),
        community_battery=storage(1, capacity_kwh=10.0, power_kw=5.0, eta_c=ETA, eta_d=ETA, min_ratio=0.0,
                                  init_ratio=0.0, grid_charging=True),
        import_price=[10.0, 50.0], export_price=0.0, emission=[0.9, 0.1],
    )


def test_a_design_dirtier_than_its_baseline_reports_a_negative_reduction():
    """The least-cost LP charges at the cheap dirty hour to serve the dear clean hour: more CO2 than no battery.

    By hand: step 1's 1 kWh comes from the battery, which took 1/η² kWh from the grid at step 0, so
    the design imports 1 + 1/η² kWh at 0.9 kg/kWh and nothing at 0.1; the baseline imports 1 kWh at each.
    """
    from zerodistrict.dispatch.optimal import dispatch_optimal

    inp = _arbitrage_inputs()
    res = dispatch_optimal(inp, objective="cost")
    k = compute_kpis(inp, res, "arbitrage", 0.0)
    design_kg = 0.9 * (1.0 + 1.0 / ETA**2)
    assert k.co2_baseline_kg == pytest.approx(0.9 + 0.1)
    assert k.co2_kg == pytest.approx(design_kg, rel=1e-6)
    assert k.co2_reduction_ratio == pytest.approx((1.0 - design_kg) / 1.0, rel=1e-6)
    assert k.co2_reduction_ratio < -0.8
    # the same storage losses make the net self-sufficiency negative; as a share it is floored at 0
    assert k.self_sufficiency_ratio == 0.0
    # the home itself imports only at step 0 (the community bus takes the battery's charge): half self-sufficient
    assert homes_table(inp, res)["self_sufficiency_ratio"].tolist() == pytest.approx([0.5])


def test_the_co2_objective_shifts_the_other_way():
    """Least CO2: charge at the clean hour for the dirty one (storage is cyclic): 0.1·(1 + 1/η²) kg."""
    from zerodistrict.dispatch.optimal import dispatch_optimal

    inp = replace(_arbitrage_inputs(), storage_end="cyclic")
    k = compute_kpis(inp, dispatch_optimal(inp, objective="co2"), "arbitrage", 0.0)
    design_kg = 0.1 * (1.0 + 1.0 / ETA**2)
    assert k.co2_kg == pytest.approx(design_kg, rel=1e-6)
    assert k.co2_reduction_ratio == pytest.approx(1.0 - design_kg, rel=1e-6)


def test_co2_kpis_with_hourly_factors_by_hand():
    # 2 homes, PV covers home 0 at step 1 only; no storage, no sharing losses
    load = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]])
    pv = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 0.0]])
    inp = inputs(load, pv, emission=[0.5, 0.2, 0.8], line_loss_ratio=0.0)
    k = compute_kpis(inp, dispatch_rule(inp), "hand", 3.0)
    # baseline imports 3, 3, 1 kWh; the design 3, 0, 1 (home 0's surplus of 2 kW covers home 1)
    assert k.co2_baseline_kg == pytest.approx(3 * 0.5 + 3 * 0.2 + 1 * 0.8)
    assert k.co2_kg == pytest.approx(3 * 0.5 + 0 * 0.2 + 1 * 0.8)
    assert k.co2_reduction_ratio == pytest.approx(0.6 / 2.9)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_t=st.integers(2, 30), n_h=st.integers(1, 4),
       sharing=st.booleans(), loss=st.sampled_from([0.0, 0.05]), battery=st.booleans())
def test_rule_dispatch_shares_stay_in_range_without_the_floor(seed, n_t, n_h, sharing, loss, battery):
    """The rule CEMS never grid-charges stationary batteries, so the net shares never need the floor at 0.

    Recomputed here from the dispatch's flows, not read from the KPIs, so the floor cannot make this pass.
    """
    rng = np.random.default_rng(seed)
    load = rng.uniform(0.0, 3.0, size=(n_t, n_h))
    pv = rng.uniform(0.0, 5.0, size=(n_t, n_h)) * (rng.random((n_t, 1)) < 0.6)
    bat = storage(n_h, capacity_kwh=5.0, power_kw=2.5) if battery else None
    inp = inputs(load, pv, home_battery=bat, sharing=sharing, line_loss_ratio=loss)
    res = dispatch_rule(inp)
    dt = inp.step_hours
    tot = {k: float(v.sum() * dt) for k, v in res.totals.items()}
    demand = tot["load_kw"] + tot["ev_charge_kw"]
    raw_self_sufficiency = (demand - tot["grid_import_kw"] - tot["unserved_kw"]) / demand
    assert -1e-12 <= raw_self_sufficiency <= 1.0
    if tot["pv_kw"] > 0:
        raw_self_consumption = (tot["pv_kw"] - tot["grid_export_kw"] - tot["curtailed_kw"]) / tot["pv_kw"]
        assert -1e-12 <= raw_self_consumption <= 1.0
    k = compute_kpis(inp, res, "random", 1.0)
    assert k.self_sufficiency_ratio == pytest.approx(max(raw_self_sufficiency, 0.0), abs=1e-12)
