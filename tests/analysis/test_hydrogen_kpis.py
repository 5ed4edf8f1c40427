"""Hydrogen KPIs: hand-checked cost and CO2, and the depot preset end to end in both dispatches."""

from dataclasses import replace

import numpy as np
import pytest

from zerodistrict.analysis.hydrogen import (
    annuity_factor,
    hydrogen_flows,
    hydrogen_kpis,
    mass_balance_residual_kg,
)
from zerodistrict.dispatch.common import (
    COMMUNITY_BUS,
    DispatchResult,
    HydrogenInputs,
    Stores,
    check_balance,
)
from zerodistrict.pipeline import run
from zerodistrict.scenario import load_scenario
from zerodistrict.scenario.hydrogen import HydrogenCosts

LHV = 33.33


def test_annuity_factor():
    assert annuity_factor(0.0, 10) == pytest.approx(0.1)
    assert annuity_factor(0.05, 20) == pytest.approx(0.0802425872, rel=1e-9)  # tables: 0.08024


def _case():
    """2 steps: 50 kW into the electrolyser (50 kWh/kg) at step 0 (10 kW of it imported), 1 kg offtake at step 1."""
    from factories import inputs

    inp = inputs(np.zeros((2, 1)), np.zeros((2, 1)), import_price=2.0, export_price=0.5, emission=0.4)
    store = Stores.create(2, name=["h2"], kind="hydrogen", location=COMMUNITY_BUS, capacity_kwh=10 * LHV,
                          charge_power_kw=100.0, discharge_power_kw=0.0, charge_efficiency=LHV / 50.0,
                          trip_kwh=np.array([[0.0], [1.0 * LHV]]))
    h = HydrogenInputs(min_load_ratio=np.array([0.0]), loss_ratio_per_step=np.array([0.0]),
                       discharge_outage_only=np.array([False]), grey_price_per_kg=40.0, grey_co2_kg_per_kg=9.0,
                       lhv_kwh_per_kg=LHV)
    inp = replace(inp, stores=store, hydrogen=h)
    totals = {"grid_import_kw": np.array([10.0, 0.0])}
    res = DispatchResult(index=inp.index, step_hours=1.0, totals=totals, home_import_kw=np.zeros((2, 1)),
                         home_export_kw=np.zeros((2, 1)), home_unserved_kw=np.zeros((2, 1)), home_totals_kwh={},
                         store_soc_kwh=np.array([[1.0 * LHV], [0.0]]), store_charge_kw=np.array([[50.0], [0.0]]),
                         store_discharge_kw=np.zeros((2, 1)), store_unserved_kwh=np.zeros((2, 1)))
    return inp, res


def test_kpis_by_hand():
    inp, res = _case()
    costs = HydrogenCosts(currency="JPY", electrolyser_per_kw=1000.0, electrolyser_lifetime_years=10, tank_per_kg=100.0,
                          tank_lifetime_years=10, fuel_cell_per_kw=0.0, fuel_cell_lifetime_years=10)
    k = hydrogen_kpis(inp, res, period_days=365.0, costs=costs, discount_rate=0.0, om_ratio_per_year=0.01)
    assert k["hydrogen_produced_kg"] == pytest.approx(1.0)
    assert k["hydrogen_demand_kg"] == pytest.approx(1.0) and k["hydrogen_served_ratio"] == pytest.approx(1.0)
    assert k["electrolyser_full_load_hours"] == pytest.approx(0.5)  # 50 kWh / 100 kW
    # served 1 kg × 9 kg-CO2/kg less 10 kWh from the grid × 0.4
    assert k["hydrogen_co2_avoided_kg"] == pytest.approx(9.0 - 4.0)
    # capex 100 kW × 1000 + 10 kg × 100 = 101,000 over 10 years at 0 % + 1 % O&M = 11,110 a year;
    # electricity 10 kWh × 2 + 40 kWh × 0.5 = 40
    assert k["lcoh_per_kg"] == pytest.approx(11_110.0 + 40.0)
    assert np.abs(mass_balance_residual_kg(hydrogen_flows(inp, res))).max() < 1e-12


def test_mass_balance_residual_sees_a_broken_step():
    inp, res = _case()
    res.store_soc_kwh = np.array([[1.1 * LHV], [0.1 * LHV]])  # 0.1 kg from nowhere at step 0
    resid = mass_balance_residual_kg(hydrogen_flows(inp, res))
    np.testing.assert_allclose(resid, [-0.1, 0.0], atol=1e-12)


@pytest.mark.parametrize("dispatch", ["rule", "optimal"])
def test_depot_preset_serves_the_art_from_district_sun(dispatch):
    sc = load_scenario("kuching-north-h2-depot")
    sc = sc.model_copy(update={"period": sc.period.model_copy(update={"days": 14})})
    r = run(sc, dispatch=dispatch, resilience_hours=None)
    k = r.kpis
    check_balance(r.dispatch.totals, tol_kw=1e-5)
    flows = hydrogen_flows(r.inputs, r.dispatch)
    assert np.abs(mass_balance_residual_kg(flows)).max() < 1e-6
    # demand from the scenario's numbers: 1 vehicle × 100 km × 21.5 kg/100 km a day, 14 days
    assert k.hydrogen_demand_kg == pytest.approx(14 * 21.5)
    assert 0.3 < k.hydrogen_served_ratio <= 1.0  # the district's sun serves a real share of the offtake
    assert k.hydrogen_produced_kg > 0 and k.electrolyser_full_load_hours > 0
    assert k.lcoh_per_kg is not None and k.lcoh_per_kg > 0
    assert k.hydrogen_co2_avoided_kg > 0
    assert "hydrogen_produced_kg" in k.to_json_dict()


def test_a_tank_without_fuel_cell_does_not_keep_the_homes_lit_in_an_outage():
    """The survival analysis leaves out a hydrogen tank that has no fuel cell: its energy cannot reach the homes."""
    scenario = load_scenario("kuching-north")
    assert scenario.community.hydrogen is not None and scenario.community.hydrogen.fuel_cell is None
    period = scenario.period.model_copy(update={"days": 14})
    scenario = scenario.model_copy(update={"period": period})
    without = scenario.model_copy(update={"community": scenario.community.model_copy(update={"hydrogen": None})})
    with_tank, plain = run(scenario, resilience_hours=72), run(without, resilience_hours=72)
    assert with_tank.kpis.hydrogen_produced_kg > 0
    # the tank only takes PV the batteries could not: the batteries' survival is the same or lower, never higher
    assert with_tank.kpis.critical_survival_hours_mean <= plain.kpis.critical_survival_hours_mean + 1e-9
