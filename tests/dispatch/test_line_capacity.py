"""The private line's trunk capacity: rule CEMS and LP keep the net flow community bus ↔ homes within it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from factories import evs, inputs, random_district, storage
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.dispatch.common import check_balance
from zerodistrict.dispatch.optimal import OptimalModel
from zerodistrict.dispatch.rule import dispatch_rule


def bus_to_homes_kw(inp, result) -> np.ndarray:
    """Net power the community bus sends the homes [kW], from the bus's own flows (stores, grid, mobility).

    ``Σ_bus stores (dis − ch) + import − export − mobility served``; mobility served = mobility load minus the
    part of ``unserved_kw`` that is not the homes'.
    """
    bus = inp.stores.at_community
    stores = (result.store_discharge_kw[:, bus] - result.store_charge_kw[:, bus]).sum(axis=1)
    mobility_unserved = result.totals["unserved_kw"] - result.home_unserved_kw.sum(axis=1)
    mobility = inp.mobility_load_kw - mobility_unserved
    return stores + result.totals["grid_import_kw"] - result.totals["grid_export_kw"] - mobility


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.0, 8.0), st.sampled_from([0.0, 0.05]), st.booleans())
def test_rule_keeps_the_trunk_within_its_capacity(seed, cap_kw, loss, with_bus):
    rng = np.random.default_rng(seed)
    kw = {}
    if with_bus:
        kw = dict(community_battery=storage(1, 20.0, 6.0), ev=evs(48, 2, trip_every=9),
                  mobility_load_kw=rng.uniform(0, 1.5, 48))
    inp = replace(random_district(seed, line_loss_ratio=loss, **kw), line_capacity_kw=cap_kw)
    result = dispatch_rule(inp)
    check_balance(result.totals)
    flow = bus_to_homes_kw(inp, result)
    assert np.all(np.abs(flow) <= cap_kw + 1e-7)


def test_rule_unlimited_trunk_is_todays_behaviour():
    inp = random_district(7, community_battery=storage(1, 20.0, 6.0), line_loss_ratio=0.05)
    a, b = dispatch_rule(inp), dispatch_rule(replace(inp, line_capacity_kw=1e9))
    for name, values in a.totals.items():
        np.testing.assert_allclose(values, b.totals[name], rtol=0, atol=1e-12, err_msg=name)


def test_rule_trunk_by_hand():
    """Two homes: home 0 has 10 kW surplus, home 1 a 3 kW deficit; trunk 4 kW, lossless: 3 kW shared home to home,
    4 kW exported through the trunk, 3 kW curtailed at home 0."""
    inp = inputs([[0.0, 3.0]], [[10.0, 0.0]])
    r = dispatch_rule(replace(inp, line_capacity_kw=4.0))
    assert r.totals["shared_kw"][0] == pytest.approx(3.0)
    assert r.totals["grid_export_kw"][0] == pytest.approx(4.0)
    assert r.totals["curtailed_kw"][0] == pytest.approx(3.0)
    # the deficit side: 12 kW short, the trunk brings 4 kW, 8 kW unserved
    r = dispatch_rule(replace(inputs([[6.0, 6.0]], [[0.0, 0.0]]), line_capacity_kw=4.0))
    assert r.totals["grid_import_kw"][0] == pytest.approx(4.0)
    assert r.totals["unserved_kw"][0] == pytest.approx(8.0)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.5, 8.0), st.sampled_from([0.0, 0.05]))
def test_lp_keeps_the_trunk_within_its_capacity(seed, cap_kw, loss):
    inp = replace(random_district(seed, n_t=24, community_battery=storage(1, 20.0, 6.0), line_loss_ratio=loss),
                  line_capacity_kw=cap_kw)
    result = OptimalModel.build(inp, "energy_cost").solve().result()
    check_balance(result.totals)
    assert np.all(np.abs(bus_to_homes_kw(inp, result)) <= cap_kw + 1e-6)


def test_lp_merged_and_per_home_agree_under_a_trunk_limit():
    inp = replace(random_district(3, n_t=24, community_battery=storage(1, 20.0, 6.0)), line_capacity_kw=2.0)
    merged = OptimalModel.build(inp, "energy_cost", aggregate=True).solve().result()
    per_home = OptimalModel.build(inp, "energy_cost", aggregate=False).solve().result()
    free = OptimalModel.build(replace(inp, line_capacity_kw=np.inf), "energy_cost").solve().result()
    assert merged.objective == pytest.approx(per_home.objective, rel=1e-7)
    assert merged.objective > free.objective + 1.0  # the limit binds


def test_lp_unlimited_trunk_is_todays_model():
    inp = random_district(5, n_t=24, community_battery=storage(1, 20.0, 6.0))
    om = OptimalModel.build(inp, "energy_cost")
    assert not any(name.startswith("line_capacity") for name in om.model.constraints)


@pytest.mark.parametrize("dispatch", ["rule", "optimal"])
def test_scenario_line_capacity_reaches_both_dispatches(dispatch):
    from zerodistrict import pipeline
    from zerodistrict.scenario.loading import load_scenario, scenario_from_dict

    d = load_scenario("saitama-misono").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-05-01", "days": 3}
    d.pop("mobility", None)
    d["community"]["line_capacity_kw"] = 20.0
    run = pipeline.run(scenario_from_dict(d), dispatch, resilience_hours=None)
    assert run.inputs.line_capacity_kw == 20.0
    flow = bus_to_homes_kw(run.inputs, run.dispatch)
    assert np.abs(flow).max() == pytest.approx(20.0, abs=1e-6)  # binds, and holds
    assert run.kpis.unserved_kwh > 0  # 51 homes' evening load does not fit through 20 kW
