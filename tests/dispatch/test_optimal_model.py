"""OptimalModel: build / change / solve / result, capacities as variables, SolverError, balance from the LP's variables."""

from __future__ import annotations

import re
from dataclasses import replace

import linopy
import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import evs, inputs, random_district, storage
from zerodistrict.cli import _input_errors
from zerodistrict.dispatch.common import check_balance
from zerodistrict.dispatch.optimal import (
    CapacityRange,
    OptimalModel,
    StoreCapacity,
    build_model,
    dispatch_optimal,
    value_of_lost_load,
)
from zerodistrict.errors import InputError, SolverError

#: HiGHS keeps each row and bound within primal_feasibility_tolerance = 1e-7 (its default); one step's
#: district balance adds a few rows (home buses and the community bus of these small models) and the
#: extraction clips flows by at most that tolerance, so 1e-6 kW leaves room for about ten such terms
#: while still catching any flow that the results derive differently from the LP (≥ 1e-3 kW in practice).
BALANCE_TOL_KW = 1e-6


def solution(om: OptimalModel, name: str) -> np.ndarray:
    """The solver's value of a variable summed over everything but time (zeros if absent)."""
    if name not in om.model.variables:
        return np.zeros(om.inputs.n_steps)
    sol = om.model.variables[name].solution
    return np.asarray(sol.sum([d for d in sol.dims if d != "time"]).values, dtype=float)


# --------------------------------------------------------------------------- the object


def test_build_change_solve_result():
    inp = random_district(3, n_t=24, n_h=2)
    om = OptimalModel.build(inp, aggregate=False)
    assert isinstance(om.model, linopy.Model)
    free = om.solve().result().objective
    assert free == pytest.approx(dispatch_optimal(inp).objective, rel=1e-7)
    om.model.add_constraints(om.model.variables["grid_import"] <= 0.5, name="cap")
    capped = om.solve().result()
    assert capped.totals["grid_import_kw"].max() <= 0.5 + 1e-7
    assert capped.objective > free
    check_balance(capped.totals, BALANCE_TOL_KW)
    assert isinstance(build_model(inp), linopy.Model)


def test_result_before_a_successful_solve_raises():
    inp = inputs(np.ones((4, 1)), np.zeros((4, 1)))
    om = OptimalModel.build(inp)
    with pytest.raises(RuntimeError, match=r"OptimalModel.result\(\): no optimal solution yet; call .solve\(\) first"):
        om.result()
    with pytest.raises(RuntimeError, match=r"OptimalModel.prices\(\): no optimal solution yet"):
        om.prices()
    ev = evs(4, 1, trip_every=2, trip_kwh=8.0)
    ev.available[:] = False
    bad = OptimalModel.build(inputs(np.ones((4, 1)), np.zeros((4, 1)), ev=ev))
    with pytest.raises(SolverError):
        bad.solve()
    with pytest.raises(RuntimeError, match="no optimal solution yet"):
        bad.result()


# --------------------------------------------------------------------------- balance from the LP's variables


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), sharing=st.booleans(), loss=st.sampled_from([0.0, 0.04]),
       aggregate=st.booleans(), outage=st.booleans(), export=st.booleans(), ev_count=st.integers(0, 2))
def test_solver_variables_close_the_balance(seed, sharing, loss, aggregate, outage, export, ev_count):
    grid = np.ones(24, bool)
    if outage:
        grid[17:22] = False
    cap = np.random.default_rng(seed).choice([0.0, 6.0], 4)
    inp = random_district(seed, n_t=24, n_h=4, sharing=sharing, line_loss_ratio=loss, grid_available=grid,
                          export_allowed=export, home_battery=storage(4, cap, cap * 0.5),
                          community_battery=storage(1, 20.0, 8.0), ev=evs(24, ev_count, trip_every=10),
                          mobility_load_kw=0.4)
    om = OptimalModel.build(inp, aggregate=aggregate).solve()
    r = om.result()
    # the totals are the solver's own curtailment and unserved load, not a slack
    np.testing.assert_allclose(r.totals["curtailed_kw"], solution(om, "curtail"), atol=1e-9)
    unserved = solution(om, "shed") + solution(om, "shed_critical") + solution(om, "shed_mobility")
    np.testing.assert_allclose(r.totals["unserved_kw"], unserved, atol=1e-9)
    np.testing.assert_allclose(r.totals["grid_import_kw"], solution(om, "grid_import") + solution(om, "home_grid_import"),
                               atol=1e-9)
    check_balance(r.totals, BALANCE_TOL_KW)


def test_balance_check_fails_when_a_solver_variable_is_off():
    inp = inputs(np.ones((3, 1)), np.full((3, 1), 3.0), export_allowed=False)
    om = OptimalModel.build(inp).solve()
    check_balance(om.result().totals, BALANCE_TOL_KW)
    om.model.variables["curtail"].solution.values[1] += 0.5  # as if the solver had curtailed 0.5 kW too much
    with pytest.raises(AssertionError, match="energy balance fails at step 1: residual -5.000e-01 kW"):
        check_balance(om.result().totals, BALANCE_TOL_KW)


def test_line_losses_are_the_lps_own():
    # lossy sharing, surplus worth nothing: whatever the LP does with it (curtail or lose in the line), the
    # reported losses are loss × the LP's line flows and the balance closes
    load = np.array([[0.0, 1.0, 0.5]] * 3)
    pv = np.array([[4.0, 0.0, 0.0]] * 3)
    om = OptimalModel.build(inputs(load, pv, export_allowed=False, line_loss_ratio=0.1)).solve()
    r = om.result()
    np.testing.assert_allclose(r.totals["line_loss_kw"], 0.1 * solution(om, "line_out"), atol=1e-12)
    check_balance(r.totals, BALANCE_TOL_KW)


# --------------------------------------------------------------------------- solver errors


def test_infeasible_trip_names_the_ev_and_keeps_the_status():
    ev = evs(4, 1, trip_every=2, trip_kwh=8.0, away_steps=4)
    ev.available[:] = False
    with pytest.raises(SolverError, match=r"no feasible operation .*EV 'ev 0' needs 8 kWh for its trips over the period "
                                          r"but can take in at most 0 kWh while parked \(0 of 4 steps") as info:
        dispatch_optimal(inputs(np.ones((4, 1)), np.zeros((4, 1)), ev=ev))
    err = info.value
    assert isinstance(err, RuntimeError) and not isinstance(err, InputError)
    assert err.termination_condition in ("infeasible", "infeasible_or_unbounded")
    assert err.status == "warning"


def test_islanded_district_cannot_charge_for_a_trip():
    # parked the whole time, but no grid and no PV: nothing to charge from
    ev = evs(6, 1, trip_every=3, trip_kwh=5.0, away_steps=1)
    inp = inputs(np.ones((6, 1)), np.zeros((6, 1)), ev=ev, grid_available=np.zeros(6, bool))
    with pytest.raises(SolverError, match=r"EV 'ev 0' needs 5 kWh .* at most 0 kWh while parked"):
        dispatch_optimal(inp)


def test_trip_larger_than_the_battery():
    ev = evs(6, 1, battery_kwh=10.0, trip_every=3, trip_kwh=9.0, away_steps=1)  # floor 20 %: 8 kWh usable
    with pytest.raises(SolverError, match=r"EV 'ev 0': its trip at step 3 .* needs 9 kWh, more than its usable battery "
                                          r"\(8 kWh above its minimum state of charge\)"):
        dispatch_optimal(inputs(np.ones((6, 1)), np.zeros((6, 1)), ev=ev))


def test_rolling_window_error_names_the_window():
    ev = evs(48, 1, trip_every=30, trip_kwh=40.0, away_steps=2)  # more than the usable battery
    with pytest.raises(SolverError, match=r"rolling horizon window from step 24 .*no feasible operation") as info:
        dispatch_optimal(inputs(np.ones((48, 1)), np.zeros((48, 1)), ev=ev), horizon_hours=24)
    assert info.value.termination_condition in ("infeasible", "infeasible_or_unbounded")


def test_cli_turns_a_solver_error_into_exit_1(capsys):
    @_input_errors
    def infeasible():
        raise SolverError("optimal dispatch: the scenario has no feasible operation", "warning", "infeasible")

    @_input_errors
    def bug():
        raise RuntimeError("optimal dispatch: something else")

    with pytest.raises(typer.Exit) as info:
        infeasible()
    assert info.value.exit_code == 1
    with pytest.raises(RuntimeError, match="something else"):
        bug()


@pytest.mark.parametrize("bad", ["money", "COST", ""])
def test_library_rejects_the_objectives_the_cli_rejects(bad):
    with pytest.raises(InputError, match=re.escape(f"objective must be 'bill', 'energy_cost' (or 'cost') or 'co2', "
                                                   f"got {bad!r}")):
        OptimalModel.build(inputs(np.ones((2, 1)), np.zeros((2, 1))), bad)


# --------------------------------------------------------------------------- capacities as variables


def arbitrage(**battery):
    """4 steps of 1 kW load at 10, 10, 30, 30 per kWh; one lossless battery to size (preset: none)."""
    kw = dict(eta_c=1.0, eta_d=1.0, min_ratio=0.0)
    kw.update(battery)
    return inputs(np.ones((4, 1)), np.zeros((4, 1)), import_price=[10.0, 10.0, 30.0, 30.0],
                  home_battery=storage(1, 0.0, 0.0, **kw))


def sized(energy: CapacityRange | None, power: CapacityRange | None, group: str = "home_battery"):
    return {group: StoreCapacity(energy_kwh=energy, power_kw=power)}


def test_sized_battery_by_hand():
    # shifting S ≤ 2 kWh from the cheap to the dear steps saves 20·S; it needs E ≥ S and, charged over two
    # steps and discharged over two, P ≥ S/2: net 20 − 4 − 6/2 = 13 per kWh > 0, so S = 2, E = 2, P = 1 and
    # the objective is 10·(2 + 2) + 4·2 + 6·1 = 54 (instead of 80 without a battery)
    om = OptimalModel.build(arbitrage(), capacities=sized(CapacityRange(cost_per_unit=4.0),
                                                          CapacityRange(cost_per_unit=6.0))).solve()
    caps = om.capacities()["home_battery"]
    assert caps["energy_kwh"] == pytest.approx([2.0])
    assert caps["power_kw"] == pytest.approx([1.0])
    r = om.result()
    assert r.objective == pytest.approx(54.0, rel=1e-9)
    np.testing.assert_allclose(r.totals["grid_import_kw"], [2, 2, 0, 0], atol=1e-9)
    assert r.store_soc_kwh.max() <= 2.0 + 1e-9
    check_balance(r.totals, BALANCE_TOL_KW)


def test_sized_battery_with_a_floor_and_an_upper_bound():
    # floor 20 %: usable energy 0.8·E, so E = 2/0.8 = 2.5 (net 20 − 4/0.8 − 3 = 12 > 0): 40 + 4·2.5 + 6 = 56
    om = OptimalModel.build(arbitrage(min_ratio=0.2), capacities=sized(CapacityRange(cost_per_unit=4.0),
                                                                       CapacityRange(cost_per_unit=6.0))).solve()
    assert om.capacities()["home_battery"]["energy_kwh"] == pytest.approx([2.5])
    assert om.result().objective == pytest.approx(56.0, rel=1e-9)
    assert om.result().store_soc_kwh.min() >= 0.5 - 1e-9
    # energy capped at 1.5 kWh (free): S = 1.5, P = 0.75; 10·3.5 + 30·0.5 + 6·0.75 = 54.5
    om = OptimalModel.build(arbitrage(), capacities=sized(CapacityRange(upper=1.5),
                                                          CapacityRange(cost_per_unit=6.0))).solve()
    assert om.capacities()["home_battery"]["power_kw"] == pytest.approx([0.75])
    assert om.result().objective == pytest.approx(54.5, rel=1e-9)


def test_too_dear_a_battery_is_not_built():
    # 20 − 15 − 12/2 < 0 per kWh shifted
    om = OptimalModel.build(arbitrage(), capacities=sized(CapacityRange(cost_per_unit=15.0),
                                                          CapacityRange(cost_per_unit=12.0))).solve()
    assert om.capacities()["home_battery"]["energy_kwh"] == pytest.approx([0.0], abs=1e-9)
    assert om.result().objective == pytest.approx(80.0)


def test_sized_battery_without_grid_charging_cannot_arbitrage():
    om = OptimalModel.build(arbitrage(grid_charging=False), capacities=sized(CapacityRange(), CapacityRange())).solve()
    assert om.result().objective == pytest.approx(80.0)


FIXED_CASES = {
    "lossless sharing": dict(),
    "lossy sharing, outage": dict(line_loss_ratio=0.05, outage=True),
    "separate meters, no grid charging": dict(sharing=False, grid_charging=False),
}


@pytest.mark.parametrize("case", list(FIXED_CASES))
def test_capacities_fixed_at_the_preset_reproduce_the_fixed_model(case):
    spec = dict(FIXED_CASES[case])
    n_t, n_h = 48, 4
    grid = np.ones(n_t, bool)
    if spec.pop("outage", False):
        grid[18:23] = False
    gc = spec.pop("grid_charging", True)
    cap = np.array([10.0, 0.0, 6.0, 13.0])
    home = storage(n_h, cap, cap * 0.5, eta_c=0.95, eta_d=0.9, min_ratio=0.1, grid_charging=gc)
    comm = storage(1, 40.0, 15.0, grid_charging=gc)
    ev = evs(n_t, 2, trip_every=24)
    inp = random_district(len(case), n_t=n_t, n_h=n_h, home_battery=home, community_battery=comm, ev=ev,
                          grid_available=grid, mobility_load_kw=0.3, **spec)
    inp = replace(inp, storage_end="cyclic")  # sized capacities keep storage cyclic
    rng = np.random.default_rng(0)
    comm_kwh, comm_kw = np.r_[comm.capacity_kwh, ev.capacity_kwh], np.r_[comm.charge_power_kw, ev.charge_power_kw]
    c = {k: rng.uniform(0.5, 5.0, n) for k, n in (("he", n_h), ("hp", n_h), ("ce", 3), ("cp", 3))}
    caps = {
        "home_battery": StoreCapacity(CapacityRange(cap, cap, c["he"]), CapacityRange(cap * 0.5, cap * 0.5, c["hp"])),
        "community_storage": StoreCapacity(CapacityRange(comm_kwh, comm_kwh, c["ce"]),
                                           CapacityRange(comm_kw, comm_kw, c["cp"])),
    }
    extra = c["he"] @ cap + c["hp"] @ (cap * 0.5) + c["ce"] @ comm_kwh + c["cp"] @ comm_kw
    fixed = dispatch_optimal(inp)
    om = OptimalModel.build(inp, capacities=caps).solve()
    r = om.result()
    assert r.objective == pytest.approx(fixed.objective + extra, abs=1e-6, rel=1e-9)
    check_balance(r.totals, BALANCE_TOL_KW)
    home_soc = r.store_soc_kwh[:, :n_h]  # the homes' stores come first in the list
    assert np.all(home_soc <= cap + 1e-9) and np.all(home_soc >= 0.1 * cap - 1e-9)


@pytest.mark.parametrize("caps, message", [
    ({"pv": StoreCapacity()}, "capacities: unknown store group 'pv'; use one of home_battery, community_storage"),
    (sized(CapacityRange(2.0, 1.0), None), r"capacities\['home_battery'\].energy_kwh: lower \[2.\] exceeds upper \[1.\]"),
    (sized(None, CapacityRange(lower=[0.0, 1.0])), r"capacities\['home_battery'\].power_kw.lower: give one number or "
                                                  r"1 values \(one per unit\), got shape \(2,\)"),
    (sized(CapacityRange(cost_per_unit=-1.0), None), r"cost_per_unit: must be finite and ≥ 0"),
    (sized(CapacityRange(), None, "community_storage"), r"capacities\['community_storage'\]: the scenario has no unit"),
])
def test_bad_capacities_name_the_field(caps, message):
    with pytest.raises(InputError, match=message):
        OptimalModel.build(arbitrage(), capacities=caps)


# --------------------------------------------------------------------------- prices


def test_prices_are_the_marginal_cost_of_load():
    # deficit: the import price; surplus exported: the export price; shed in an outage: the penalty. In the outage
    # PV covers half the load, so the shed load lies strictly inside its bounds and the dual is unique (with all
    # of the load shed, any price between the two penalties is a dual: HiGHS 1.15 and 1.16 pick different ones)
    inp = inputs(np.ones((4, 1)), np.array([[0.0], [3.0], [0.0], [0.5]]), import_price=30.0, export_price=10.0,
                 grid_available=[True, True, True, False], critical_load_ratio=0.0)
    expected = [30.0, 10.0, 30.0, value_of_lost_load(inp)]
    for aggregate, sharing in ((True, True), (False, True), (True, False)):
        prices = OptimalModel.build(inp, aggregate=aggregate).solve().prices() if sharing else \
            OptimalModel.build(inputs(inp.load_kw, inp.pv_kw, import_price=30.0, export_price=10.0, sharing=False,
                                      grid_available=inp.grid_available, critical_load_ratio=0.0)).solve().prices()
        bus = "district" if "district" in prices else "home 0"
        np.testing.assert_allclose(prices[bus], expected, rtol=1e-9)
