"""Sizing: targets met in the re-simulation, fixed sizes equal dispatch + capital, bounds, errors, typical days."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest
from capital import annualised_capital
from factories import sized_misono as misono

from zerodistrict import pipeline
from zerodistrict.design import targets as targets_mod
from zerodistrict.design.sizing import build_sizing, design_space
from zerodistrict.design.sizing_run import district_inputs, size
from zerodistrict.design.typical import choose_days
from zerodistrict.errors import InputError
from zerodistrict.scenario.loading import load_scenario, scenario_from_dict


def test_fixed_sizes_equal_the_optimal_dispatch_plusannualised_capital():
    """Every size fixed at the preset's: the LP's cost is the optimal dispatch's bill + the capital by hand."""
    fixed = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 4.4, "max": 4.4}}],
             "community": [{"name": "central", "capacity_kwh": {"min": 125, "max": 125}, "power_kw": {"min": 50, "max": 50}}]}
    sc = misono(7, fixed)
    outcome = size(sc, [], resimulate=False, compare_given=False)
    own = sc.model_copy(deep=True)
    own.community.storage_end = "cyclic"
    run = pipeline.run(own, "optimal", resilience_hours=None)
    share = 7 / 365
    capital = annualised_capital(run.economics.capex_breakdown, sc.economics or econ_mod_default(sc), share)
    assert outcome.annual_capital == pytest.approx(capital, rel=1e-9)
    assert outcome.annual_cost == pytest.approx(run.dispatch.objective + capital, rel=1e-6)
    assert outcome.sizes["homes"]["garden-site"]["pv_kwp"] == pytest.approx(4.4, abs=1e-6)


def econ_mod_default(sc):
    from zerodistrict.scenario.economics import default_economics

    return default_economics(sc.site.country)


def test_self_sufficiency_target_holds_in_the_run_of_sized_yaml():
    sc = misono(7)
    outcome = size(sc, ["self_sufficiency_ratio>=0.75"], compare_given=False)
    row = outcome.targets[0]
    assert row["holds"] is True
    # an independent run of the sized scenario (what `zerodistrict run sized.yaml --dispatch optimal` does)
    again = pipeline.run(outcome.sized, "optimal", resilience_hours=None)
    assert again.kpis.self_sufficiency_ratio >= 0.75 - 1e-9
    assert row["cost_of_one_more_unit"] > 0  # the target binds: tightening it costs money
    # sizes within the bounds
    home = outcome.sizes["homes"]["garden-site"]
    assert 0 <= home["pv_kwp"] <= 8 + 1e-9 and 0 <= home["battery_kwh"] <= 10 + 1e-9


def test_own_self_sufficiency_as_target_costs_no_more_than_the_preset_design():
    sc = misono(7)
    own = sc.model_copy(deep=True)
    own.community.storage_end = "cyclic"
    ss = pipeline.run(own, "optimal", resilience_hours=None).kpis.self_sufficiency_ratio
    outcome = size(sc, [f"self_sufficiency_ratio>={ss - 1e-9:.12f}"])
    assert outcome.given_design["self_sufficiency_ratio"] == pytest.approx(ss, abs=1e-12)
    assert outcome.annual_cost <= outcome.given_design["annual_cost"] * (1 + 1e-6)
    assert outcome.full_year["annual_cost"] <= outcome.given_design["annual_cost"] * (1 + 1e-6)


def test_out_of_reach_target_names_it_and_the_best_value():
    small = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 2}}]}
    with pytest.raises(InputError, match=r"--target self_sufficiency_ratio>=0\.95: out of reach within the sizing "
                                         r"bounds; the best self_sufficiency_ratio they allow is 0\.[0-8]"):
        size(misono(3, small), ["self_sufficiency_ratio>=0.95"], compare_given=False)


def test_co2_and_export_targets_and_net_zero():
    sc = misono(5)
    outcome = size(sc, ["co2_reduction_ratio>=0.5", "capex<=2e8"], compare_given=False)
    rows = {r["target"]: r for r in outcome.targets}
    assert rows["co2_reduction_ratio>=0.5"]["holds"] and rows["capex<=2e+08"]["holds"]
    assert outcome.full_year["kpis"]["co2_reduction_ratio"] >= 0.5 - 1e-9


@pytest.mark.parametrize("expr, message", [
    ("self_sufficiency_ratio>0.8", r"write KPI>=x or KPI<=x"),
    ("self_sufficiency_ratio<=0.8", r"self_sufficiency_ratio takes >="),
    ("capex>=10", r"capex takes <="),
    ("happiness>=1", r"unknown target 'happiness'"),
    ("co2_reduction_ratio>=1.5", r"a ratio lies between 0 and 1"),
])
def test_bad_targets(expr, message):
    with pytest.raises(InputError, match=message):
        targets_mod.parse_target(expr)


def test_sizing_block_names_and_bounds():
    with pytest.raises(InputError, match=r"sizing\.homes\[0\]\.group: no home group 'roofs'"):
        design_space(misono(3, {"homes": [{"group": "roofs", "pv_kwp": {"min": 0, "max": 5}}]}))
    with pytest.raises(InputError, match=r"min 6\.0 exceeds max 5\.0"):
        misono(3, {"homes": [{"group": "garden-site", "pv_kwp": {"min": 6, "max": 5}}]})
    with pytest.raises(InputError, match=r"pv_kwp\.min 5\.0 exceeds the roof limit 4 kWp"):
        misono(3, {"homes": [{"group": "garden-site", "pv_kwp": {"min": 5, "max": 8}, "roof_area_m2": 20}]})
    with pytest.raises(InputError, match=r"sizing: the scenario has no 'sizing' block"):
        design_space(misono(3, {}))


def test_roof_area_caps_pv():
    sc = misono(3, {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 8}, "roof_area_m2": 15}]})
    space, big = design_space(sc)
    assert space.pv_bounds_kwp[0, 1] == pytest.approx(3.0)
    assert big.homes[0].pv.kwp == pytest.approx(3.0)


def test_pv_variable_curtails_the_unbuilt_part():
    """The LP's PV output is k·π: curtailment of the largest PV is at least (U − k)·π at every step."""
    sc = misono(3)
    space, big = design_space(sc)
    sm = build_sizing(big, district_inputs(big), space).solve()
    k = float(sm.model.variables["pv_capacity"].solution.values[0])
    curtail = np.asarray(sm.model.variables["curtail"].solution.values)[:, 0]
    unit = sm.pv.unit_kw[:, 0]
    assert np.all(curtail >= (8.0 - k) * unit - 1e-6)


def test_typical_days_keep_the_extremes_and_weigh_the_year():
    sc = misono(28)
    inputs = district_inputs(sc)
    days, weights = choose_days(inputs, 6)
    load = inputs.load_kw.sum(axis=1).reshape(28, 24)
    pv = inputs.pv_kw.sum(axis=1).reshape(28, 24)
    assert weights.sum() == pytest.approx(28)
    assert load.max(axis=1).argmax() in days and pv.sum(axis=1).argmin() in days
    assert len(days) == 6 and len(set(days)) == 6
    with pytest.raises(InputError, match=r"--typical-days: give 3 to 27 days"):
        choose_days(inputs, 2)


def test_typical_days_size_and_report_the_gap():
    sc = misono(28)
    outcome = size(sc, [], typical_days=8, compare_given=False)
    assert outcome.typical["gap_ratio"] is not None and abs(outcome.typical["gap_ratio"]) < 0.2
    assert sum(outcome.typical["weights"]) == pytest.approx(28)


def test_pareto_front_trades_cost_for_co2():
    from zerodistrict.design.pareto import pareto_front

    sc = misono(3)
    front = pareto_front(sc, "cost,co2", points=3)
    cheapest = size(sc, [], resimulate=False, compare_given=False)
    assert front["annual_cost"].iloc[0] == pytest.approx(cheapest.annual_cost, rel=1e-6)
    assert np.all(np.diff(front["co2_kg"]) < 0) and np.all(np.diff(front["annual_cost"]) > 0)
    assert front["cost_per_kg_cut"].iloc[1:].gt(0).all()
    with pytest.raises(InputError, match=r"--pareto 'cost,comfort': use cost,co2 or cost,survival"):
        pareto_front(sc, "cost,comfort")


def _kuching(days: int, sizing: dict, grey_price_per_kg: float) -> object:
    d = load_scenario("kuching-north").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["community"]["hydrogen"]["grey_hydrogen"]["price_per_kg"] = grey_price_per_kg
    d["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-03-01", "days": days}
    d["sizing"] = sizing
    return scenario_from_dict(d)


def test_hydrogen_served_ratio_target_holds_at_the_preset_grey_price():
    """kuching-north's ART top-up at the preset's grey hydrogen price: the sized design's optimal run serves at
    least the share asked from the tank (its hydrogen KPI, not the LP's own figure)."""
    sc = _kuching(7, {"homes": [{"group": "terrace", "pv_kwp": {"min": 0, "max": 10}}]}, grey_price_per_kg=40.0)
    asked = size(sc, ["hydrogen_served_ratio>=0.95"], compare_given=False)
    row = asked.targets[0]
    assert row["holds"] is True
    again = pipeline.run(asked.sized, "optimal", resilience_hours=None)
    assert again.kpis.hydrogen_served_ratio >= 0.95 - 1e-9
    assert row["full_year_value"] == pytest.approx(again.kpis.hydrogen_served_ratio, abs=1e-9)
    with pytest.raises(InputError, match="hydrogen_served_ratio>=0.5: the scenario has no hydrogen offtake"):
        size(misono(3), ["hydrogen_served_ratio>=0.5"], compare_given=False)


def test_hydrogen_target_the_dispatch_does_not_pursue_is_reported_as_missed():
    """With grey hydrogen at RM 5/kg the bill-minimising dispatch buys it rather than electrolyse: the target
    makes the LP build more PV at a higher cost, and the re-simulation's shortfall is reported, not hidden."""
    sizing = {"homes": [{"group": "terrace", "pv_kwp": {"min": 0, "max": 10}}]}
    sc = _kuching(7, sizing, grey_price_per_kg=5.0)
    free = size(sc, [], compare_given=False)
    asked = size(sc, ["hydrogen_served_ratio>=0.95"], compare_given=False)
    assert asked.sizes["homes"]["terrace"]["pv_kwp"] > free.sizes["homes"]["terrace"]["pv_kwp"] + 0.1
    assert asked.annual_cost > free.annual_cost
    row = asked.targets[0]
    again = pipeline.run(asked.sized, "optimal", resilience_hours=None)
    assert row["full_year_value"] == pytest.approx(again.kpis.hydrogen_served_ratio, abs=1e-9)
    assert row["holds"] is (again.kpis.hydrogen_served_ratio >= 0.95 - 1e-6)
    assert row["lp_value"] >= 0.95 - 1e-6


SIZED_PRESETS = ["saitama-misono", "kuala-lumpur-wangsa-maju", "penang-george-town", "kuching-north"]


@pytest.mark.parametrize("preset", SIZED_PRESETS)
def test_every_city_preset_sizes_no_dearer_than_its_own_design(preset):
    """Each city's preset says what may be sized (its own sizes lie within the bounds), so a week sized at
    least cost costs no more than the preset's design through the same accounting, and every size is
    within its bounds."""
    d = load_scenario(preset).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert d.get("sizing"), f"{preset} has no sizing block"
    d["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-04-01", "days": 5}
    d.pop("mobility", None)
    sc = scenario_from_dict(d)
    outcome = size(sc, [], resimulate=False)
    assert outcome.annual_cost <= outcome.given_design["annual_cost"] * (1 + 1e-9) + 1e-6
    for group in sc.sizing.homes:
        sized = outcome.sizes["homes"][group.group]
        if group.pv_kwp is not None:
            assert group.pv_kwp.min - 1e-6 <= sized["pv_kwp"] <= group.pv_max_kwp + 1e-6
        if group.battery_kwh is not None:
            assert group.battery_kwh.min - 1e-6 <= sized["battery_kwh"] <= group.battery_kwh.max + 1e-6


def test_typical_days_say_when_net_metering_is_left_out_of_the_lp():
    from zerodistrict.design.sizing_run import lp_inputs_of

    d = load_scenario("penang-george-town").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-04-01", "days": 14}
    _, _, _, notes = lp_inputs_of(district_inputs(scenario_from_dict(d)), 3)
    assert any("without the scheme's monthly cap" in n for n in notes)
    _, _, _, notes = lp_inputs_of(district_inputs(misono(14)), 3)  # TEPCO's FIT sells exports: no cap to leave out
    assert not any("net metering" in n for n in notes)


def test_the_own_design_beside_the_sizing_equals_it_after_the_sizing():
    """The own design's dispatch runs in a background thread beside the sizing (2+ cores): the same figures
    as run after it in the caller's thread, and an error in it reaches the caller."""
    from zerodistrict.design.sizing_run import _GivenDesign
    from zerodistrict.design.sizing import CostFactors
    from zerodistrict.scenario.economics import default_economics

    sc = misono(5)
    factors = CostFactors.from_economics(sc.economics or default_economics(sc.site.country), 5 / 365)
    background = _GivenDesign(sc, background=True)
    background.start()
    assert background._thread is not None
    serial = _GivenDesign(sc, background=False)
    serial.start()
    assert serial._thread is None
    assert background.result(factors, print) == serial.result(factors, print)

    broken = _GivenDesign(sc, horizon_hours=1, background=True)  # a window shorter than the hours kept
    broken.start()
    with pytest.raises(InputError, match="horizon-hours"):
        broken.result(factors, print)


def test_the_own_design_in_a_process_of_its_own_equals_it_in_a_thread():
    """``zerodistrict size`` costs the own design in a child process (:mod:`~zerodistrict.design.own_process`):
    the same figures as the thread's, bit for bit; its error reaches the caller; a child that died leaves the
    dispatch to the caller's thread; the child is gone after ``close``."""
    from zerodistrict.design.own_process import OwnDesignProcess
    from zerodistrict.design.sizing import CostFactors
    from zerodistrict.design.sizing_run import _GivenDesign
    from zerodistrict.scenario.economics import default_economics

    sc = misono(5)
    factors = CostFactors.from_economics(sc.economics or default_economics(sc.site.country), 5 / 365)
    serial = _GivenDesign(sc, background=False)
    expected = serial.result(factors, print)
    with OwnDesignProcess() as proc:
        child = proc._proc
        given = _GivenDesign(sc, background=True, process=proc)
        given.start()
        assert given._thread is None  # the process has it
        assert given.result(factors, print) == expected
    assert not child.is_alive()

    with OwnDesignProcess() as proc:
        broken = _GivenDesign(sc, horizon_hours=1, background=False, process=proc)
        with pytest.raises(InputError, match="horizon-hours"):
            broken.result(factors, print)

    with OwnDesignProcess() as proc:
        proc._proc.kill()
        proc._proc.join()
        orphan = _GivenDesign(sc, background=False, process=proc)
        assert orphan.result(factors, print) == expected

    with OwnDesignProcess() as proc:  # Ctrl-C reaches the child too (one process group): it ignores it
        os.kill(proc._proc.pid, signal.SIGINT)
        interrupted = _GivenDesign(sc, background=False, process=proc)
        assert interrupted.result(factors, print) == expected
        assert proc._proc.exitcode in (None, 0)

    # the whole sizing with the process: the same comparison as with the thread
    with OwnDesignProcess() as proc:
        in_process = size(sc, [], resimulate=False, own_process=proc)
    assert in_process.given_design == size(sc, [], resimulate=False).given_design


def test_a_small_sizing_lp_is_solved_by_the_simplex_a_large_one_by_interior_point(monkeypatch):
    """:func:`sizing_highs_options`: the simplex under SIMPLEX_MAX_COLUMNS columns, the same optimum as the interior
    point's; the user's ``solver`` wins; at or above the threshold, interior point."""
    from zerodistrict.design import sizing_run as sr

    sc = misono(3)
    space, big = design_space(sc)
    inputs = district_inputs(big)
    sm, _ = sr._build_with_targets(big, inputs, space, "cost", targets_mod.parse_targets(
        ["self_sufficiency_ratio>=0.5"]), None)
    assert sm.model.nvars < sr.SIMPLEX_MAX_COLUMNS
    assert sr.sizing_highs_options(sm)["solver"] == "simplex"
    assert sr.sizing_highs_options(sm, {"solver": "ipm"})["solver"] == "ipm"
    by_simplex = sm.solve(sr.sizing_highs_options(sm)).model.objective.value
    by_ipm = sm.solve({"solver": "ipm"}).model.objective.value
    assert by_simplex == pytest.approx(by_ipm, rel=1e-9)
    monkeypatch.setattr(sr, "SIMPLEX_MAX_COLUMNS", sm.model.nvars)  # this LP is now at the threshold
    assert sr.sizing_highs_options(sm)["solver"] == "ipm"
