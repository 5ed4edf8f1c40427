"""Sizing by Benders decomposition on the capacities (design/benders.py) against the sizing LP solved as a whole."""

from __future__ import annotations

import pytest
from factories import sized_misono as misono
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zerodistrict.design import benders
from zerodistrict.design.sizing_run import size
from zerodistrict.errors import InputError


def _both(sc, targets):
    out = {}
    for method in ("lp", "benders"):
        out[method] = size(sc, targets, method=method, resimulate=False, compare_given=False)
    return out["lp"], out["benders"]


def _by_benders(outcome) -> bool:
    return any(n.startswith("sizing LP solved by Benders") for n in outcome.notes)


@pytest.mark.parametrize("targets", [
    [],
    ["self_sufficiency_ratio>=0.75"],
    ["co2_reduction_ratio>=0.5", "capex<=2e8"],
])
def test_benders_reaches_the_optimum_of_the_whole_lp(targets):
    lp, bd = _both(misono(7), targets)
    assert _by_benders(bd) and not _by_benders(lp)
    assert bd.annual_cost == pytest.approx(lp.annual_cost, rel=2 * benders.BENDERS_GAP)
    for row_lp, row_bd in zip(lp.targets, bd.targets):
        # the target holds in the LP's own solution at the chosen design
        value, target = row_bd["lp_value"], float(row_bd["target"].split("=")[1])
        assert value >= target - 1e-6 if ">=" in row_bd["target"] else value <= target * (1 + 1e-9)
        # the cost of one more unit is the whole LP's (the fixed design's own dual is 0 at a kink)
        if row_lp["cost_of_one_more_unit"] > 1e-6 * lp.annual_cost:
            assert row_bd["cost_of_one_more_unit"] == pytest.approx(row_lp["cost_of_one_more_unit"], rel=0.02)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pv_max=st.floats(2.0, 8.0), battery_max=st.floats(0.0, 10.0), central_max=st.floats(0.0, 400.0),
       ratio=st.floats(0.3, 0.9), days=st.integers(2, 5), month=st.integers(1, 12))
def test_benders_equals_the_whole_lp_on_random_bounds_and_targets(pv_max, battery_max, central_max, ratio, days, month):
    sizing = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": pv_max},
                         "battery_kwh": {"min": 0, "max": battery_max}, "battery_kw": {"min": 0, "max": 5}}],
              "community": [{"name": "central", "capacity_kwh": {"min": 0, "max": central_max},
                             "power_kw": {"min": 0, "max": 150}}]}
    sc = misono(days, sizing, start=f"2025-{month:02d}-01")
    ratio = round(ratio, 4)
    targets = [f"self_sufficiency_ratio>={ratio}"]
    try:
        lp = size(sc, targets, method="lp", resimulate=False, compare_given=False)
    except InputError as exc:  # out of reach: Benders gives the same message (it falls back to the whole LP)
        with pytest.raises(InputError, match="out of reach|cannot all hold"):
            size(sc, targets, method="benders", resimulate=False, compare_given=False)
        assert "out of reach" in str(exc) or "cannot all hold" in str(exc)
        return
    bd = size(sc, targets, method="benders", resimulate=False, compare_given=False)
    assert bd.annual_cost == pytest.approx(lp.annual_cost, rel=2 * benders.BENDERS_GAP, abs=1e-6)
    assert bd.targets[0]["lp_value"] >= ratio - 1e-6
    home = bd.sizes["homes"]["garden-site"]
    assert -1e-9 <= home["pv_kwp"] <= pv_max + 1e-9 and -1e-9 <= home["battery_kwh"] <= battery_max + 1e-9


def test_auto_uses_benders_on_long_periods_only():
    short = size(misono(7), [], resimulate=False, compare_given=False)
    assert not _by_benders(short)
    days = benders.MIN_STEPS // 24
    long = size(misono(days, start="2025-04-01"), ["self_sufficiency_ratio>=0.7"], compare_given=False)
    assert _by_benders(long)
    assert long.targets[0]["holds"] is True  # the full-period re-simulation of the sized design


def test_out_of_reach_target_by_benders_is_the_same_message():
    small = {"homes": [{"group": "garden-site", "pv_kwp": {"min": 0, "max": 2}}]}
    with pytest.raises(InputError, match=r"--target self_sufficiency_ratio>=0\.95: out of reach within the sizing "
                                         r"bounds; the best self_sufficiency_ratio they allow is 0\.[0-8]"):
        size(misono(3, small), ["self_sufficiency_ratio>=0.95"], method="benders", compare_given=False)


def test_pareto_front_by_benders_equals_the_whole_lp():
    from zerodistrict.design.pareto import pareto_front

    sc = misono(5)
    fronts = {m: pareto_front(sc, "cost,co2", 4, method=m) for m in ("lp", "benders")}
    lp, bd = fronts["lp"], fronts["benders"]
    assert len(lp) == len(bd) == 4
    for col in ("annual_cost", "co2_kg"):
        assert bd[col].to_numpy() == pytest.approx(lp[col].to_numpy(), rel=1e-6, abs=1e-3)  # kg: the last point ≈ 0
    # the CO2 cap's cost per kg cut: the whole LP's where the cap binds inside the front (at the least-CO2 end the cap
    # cannot tighten further, so any dual above the front's last slope is optimal, and the two solvers may differ)
    assert bd["cost_per_kg_cut"].to_numpy()[1:-1] == pytest.approx(lp["cost_per_kg_cut"].to_numpy()[1:-1], rel=0.02)
