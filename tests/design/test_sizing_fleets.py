"""Sizing the private line's trunk and the number of shared EVs: fixed sizes, rounding, fallback, bad bounds."""

from __future__ import annotations

import numpy as np
import pytest
from capital import annualised_capital

from zerodistrict import pipeline
from zerodistrict.analysis import economics as econ_mod
from zerodistrict.design.fleets import rounding_candidates
from zerodistrict.design.sizing import design_space
from zerodistrict.design.sizing_run import district_inputs, size
from zerodistrict.errors import InputError
from zerodistrict.scenario.economics import default_economics
from zerodistrict.scenario.loading import load_scenario, scenario_from_dict

SIZING = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 8},
                     "battery_kwh": {"min": 0, "max": 10}, "battery_kw": {"min": 0, "max": 5}}],
          "community": [{"name": "central", "capacity_kwh": {"min": 0, "max": 400}, "power_kw": {"min": 0, "max": 150}}]}


def misono(days: int, sizing: dict, **changes):
    """The Misono preset over a few days of May (without its bicycles), with a sizing block (as test_sizing.py)."""
    d = load_scenario("saitama-misono").model_dump(mode="json", by_alias=True, exclude_none=True)
    d["period"] = {"year": 2025, "step_minutes": 60, "start": "2025-05-01", "days": days}
    d["sizing"] = sizing
    d.pop("mobility", None)
    d.update({k: v for k, v in changes.items() if v is not None})
    return scenario_from_dict(d)


FIXED = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 4.4, "max": 4.4}}],
         "community": [{"name": "central", "capacity_kwh": {"min": 125, "max": 125}, "power_kw": {"min": 50, "max": 50}}]}


def _vehicles_annual(n: float, econ, share: float) -> float:
    """The vehicles' own price (sizing only), annualised like PV: (1/A + o) per year, by hand."""
    a = econ_mod.annuity_factor(econ.discount_rate, econ.lifetime_years)
    return n * econ.ev_per_vehicle * (1 / a + econ.om_ratio_per_year) * share


def _trip_kwh(sc) -> float:
    """The scenario's fleet's trip energy over the period [kWh], from the dispatch inputs."""
    stores = district_inputs(sc).stores
    return float(stores.trip_kwh[:, stores.kind == "ev"].sum())


def test_fixed_line_and_fleet_equal_the_optimal_dispatch_plusannualised_capital():
    """Line (40 kW) and fleet (2 EVs) fixed at the scenario's: the LP's cost is the optimal dispatch's bill + the
    capital by hand (the appraisal's items, the line's per-kW part among them) + the vehicles' own price."""
    sc = misono(7, FIXED | {"line_capacity_kw": {"min": 40, "max": 40},
                            "evs": [{"name": "shared-ev", "count": {"min": 2, "max": 2}}]})
    sc.community.line_capacity_kw = 40.0
    outcome = size(sc, [], resimulate=False, compare_given=False)
    own = sc.model_copy(deep=True)
    own.community.storage_end = "cyclic"
    run = pipeline.run(own, "optimal", resilience_hours=None)
    econ = default_economics(sc.site.country)
    share = 7 / 365
    breakdown = run.economics.capex_breakdown
    per_home = econ.line_per_home * sum(g.count for g in sc.homes)
    assert breakdown["line"] == pytest.approx(per_home + 40.0 * econ.line_per_kw)
    capital = annualised_capital(breakdown, econ, share) + _vehicles_annual(2, econ, share)
    assert outcome.sizes["evs"]["shared-ev"]["trips_served_ratio"] == pytest.approx(1.0, abs=1e-7)
    assert outcome.sizes["line"]["trunk"]["capacity_kw"] == pytest.approx(40.0)
    assert outcome.annual_capital == pytest.approx(capital, rel=1e-9)
    assert outcome.annual_cost == pytest.approx(run.dispatch.objective + capital, rel=1e-6)
    # the trunk binds in that run: the bus sends the homes 40 kW at some step (import + bus stores − mobility)
    r = run.dispatch
    bus = run.inputs.stores.at_community
    to_homes = (r.store_discharge_kw[:, bus] - r.store_charge_kw[:, bus]).sum(axis=1) + r.totals["grid_import_kw"]
    assert to_homes.max() == pytest.approx(40.0, abs=1e-6)


def test_rounding_candidates_floor_and_ceil_within_bounds():
    sizes = {"evs": {"a": {"count": 2.4}, "b": {"count": 3.0}}, "line": {"trunk": {"capacity_kw": 10.0}}}
    cands = rounding_candidates(sizes, np.array([[0, 6], [0, 3]], dtype=float))
    assert sorted(c["evs"]["a"]["count"] for c in cands) == [2.0, 3.0]
    assert all(c["evs"]["b"]["count"] == 3.0 and c["evs"]["a"]["count_lp"] == 2.4 for c in cands)
    assert all(c["line"] == sizes["line"] for c in cands)
    # a bound cuts the ceiling off
    assert [c["evs"]["a"]["count"] for c in rounding_candidates({"evs": {"a": {"count": 2.4}}},
                                                                 np.array([[0, 2.5]]))] == [2.0]


def test_sized_fleet_is_rounded_by_re_simulation_and_sized_yaml_reproduces_it():
    sc = misono(14, dict(SIZING, line_capacity_kw={"min": 0, "max": 300},
                         evs=[{"name": "shared-ev", "count": {"min": 0, "max": 6}}]))
    outcome = size(sc, ["self_sufficiency_ratio>=0.6"], compare_given=False)
    d = outcome.sizes["evs"]["shared-ev"]
    x = d["count_lp"]
    rows = outcome.full_year["ev_rounding"]
    expect = sorted({np.floor(x + 1e-6), np.ceil(x - 1e-6)})
    assert sorted(r["counts"]["shared-ev"] for r in rows) == expect
    best = min((r for r in rows if r["targets_met"]), key=lambda r: r["annual_cost"])
    assert d["count"] == best["counts"]["shared-ev"] and d["count"] == int(d["count"])
    assert outcome.targets[0]["holds"] is True
    # sized.yaml: the scenario's 2 vehicles with their trips, the rest spare (no trips)
    fleets = {e.name: e for e in outcome.sized.community.evs}
    n = int(d["count"])
    assert fleets["shared-ev"].count == min(n, 2) and fleets["shared-ev"].trips
    if n > 2:
        assert fleets["shared-ev-spare"].count == n - 2 and not fleets["shared-ev-spare"].trips
    assert outcome.sized.community.line_capacity_kw == pytest.approx(outcome.sizes["line"]["trunk"]["capacity_kw"])
    # an independent run of sized.yaml: its bill + the appraisal's capital by hand + the vehicles = the chosen cost
    again = pipeline.run(outcome.sized, "optimal", resilience_hours=None)
    econ = default_economics(sc.site.country)
    share = 14 / 365
    cost = (again.dispatch.objective + annualised_capital(again.economics.capex_breakdown, econ, share)
            + _vehicles_annual(n, econ, share))
    assert outcome.full_year["annual_cost"] == pytest.approx(cost, rel=1e-9)
    assert again.kpis.self_sufficiency_ratio >= 0.6 - 1e-9


def test_a_fleet_smaller_than_the_trips_needs_makes_the_rest_another_way():
    """At most 1 of the scenario's 2 vehicles: the fleet serves half the trips, the other half costs the fallback."""
    sc = misono(7, {"evs": [{"name": "shared-ev", "count": {"min": 0, "max": 1}}]})
    outcome = size(sc, [], compare_given=False)
    d = outcome.sizes["evs"]["shared-ev"]
    assert d["count"] == 1.0
    assert d["trips_served_ratio"] == pytest.approx(0.5, abs=1e-6)
    assert [(e.name, e.count) for e in outcome.sized.community.evs] == [("shared-ev", 1)]
    econ = default_economics(sc.site.country)
    trips = _trip_kwh(sc)
    assert trips > 0
    expect = 0.5 * trips * econ.ev_trip_fallback_per_kwh + _vehicles_annual(1, econ, 7 / 365)
    assert outcome.full_year["ev_extra_cost"] == pytest.approx(expect, rel=1e-9)


@pytest.mark.parametrize("bad, message", [
    ({"line_capacity_kw": {"min": 0, "max": 200000}},
     r"sizing\.line_capacity_kw\.max: Input should be less than or equal to 100000"),
    ({"line_capacity_kw": {"min": 5, "max": 2}}, r"sizing\.line_capacity_kw: min 5\.0 exceeds max 2\.0"),
    ({"evs": [{"name": "shared-ev", "count": {"min": 2.3, "max": 2.7}}]},
     r"sizing\.evs\[0\]\.count: no whole number of vehicles between 2\.3 and 2\.7"),
    ({"evs": [{"name": "shared-ev", "count": {"min": 0, "max": 5000}}]},
     r"sizing\.evs\[0\]\.count\.max: Input should be less than or equal to 1000"),
    ({"evs": [{"name": "shared-ev"}]}, r"sizing\.evs\[0\]\.count: required field is missing"),
    ({"evs": [{"name": "shared-ev", "count": {"min": 0, "max": 3}}] * 2}, r"evs: name 'shared-ev' is named twice"),
])
def test_bad_bounds(bad, message):
    with pytest.raises(InputError, match=message):
        misono(3, bad)


def test_two_bad_fields_give_one_message_each():
    with pytest.raises(InputError) as err:
        misono(3, {"line_capacity_kw": {"min": 0, "max": 200000},
                   "evs": [{"name": "shared-ev", "count": {"min": 0, "max": 5000}}]})
    text = str(err.value)
    assert "sizing.line_capacity_kw.max" in text and "sizing.evs[0].count.max" in text


def test_what_cannot_be_sized_says_why():
    with pytest.raises(InputError, match=r"sizing\.evs\[0\]\.name: no shared-EV fleet 'bikes'; the scenario has shared-ev"):
        design_space(misono(3, {"evs": [{"name": "bikes", "count": {"min": 0, "max": 2}}]}))
    no_sharing = misono(3, {"line_capacity_kw": {"min": 0, "max": 50}})
    no_sharing.community.sharing = False
    with pytest.raises(InputError, match=r"sizing\.line_capacity_kw: the homes do not share power"):
        design_space(no_sharing)
    empty = misono(3, {"evs": [{"name": "shared-ev", "count": {"min": 0, "max": 2}}]})
    empty.community.evs[0].count = 0
    with pytest.raises(InputError, match=r"sizing\.evs\[0\]: fleet 'shared-ev' has count 0"):
        design_space(empty)
    unpriced = misono(3, {"line_capacity_kw": {"min": 0, "max": 50}},
                      economics={"preset": "JP", "line_per_kw": None})
    with pytest.raises(InputError, match=r"economics\.line_per_kw is needed"):
        size(unpriced, [], resimulate=False, compare_given=False)


def test_co2_objective_serves_every_trip():
    sc = misono(3, {"evs": [{"name": "shared-ev", "count": {"min": 0, "max": 1}}]})
    with pytest.raises(InputError, match=r"sizing\.evs\[0\]\.count\.max: with the objective co2 the fleet serves every "
                                         r"trip, which takes 2 vehicles at once; the bound allows 1"):
        size(sc, [], objective="co2", resimulate=False, compare_given=False)
