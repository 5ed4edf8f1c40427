"""The sweep report's analysis (zerodistrict.report.sweep): Pareto fronts and one-at-a-time sensitivities
on hand-checkable tables."""

import numpy as np
import pandas as pd
import pytest

from zerodistrict.report.sweep import best_designs, objectives, one_at_a_time, pareto_mask


def test_pareto_mask_by_hand():
    losses = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [2, 2], [1, 6]])
    # [3,3] is dominated by [2,2]; [1,6] by [1,5]; the two equal [2,2] do not dominate each other
    assert pareto_mask(losses).tolist() == [True, True, False, True, True, False]


def grid(kpi) -> pd.DataFrame:
    rows = [{"design": f"d{a}{b}", "a": a, "b": b, "net_energy_cost": kpi(a, b), "co2_kg": 10 - a - b,
             "currency": "JPY"} for a in (1, 2, 3, 4) for b in (10, 20, 30)]
    return pd.DataFrame(rows)


def test_one_at_a_time_on_a_full_grid():
    table = grid(lambda a, b: 100 * a + b * b)
    bars = one_at_a_time(table, ["a", "b"], "net_energy_cost")
    # median design: a = 2 (lower middle of 1..4), b = 20; a alone: 100·a + 400 over a = 1..4 → 500…800
    assert bars.loc["a"].to_dict() == {"low": 500.0, "high": 800.0, "reference": 600.0, "n_designs": 4}
    # b alone at a = 2: 200 + b² over b = 10, 20, 30 → 300…1100
    assert bars.loc["b"].to_dict() == {"low": 300.0, "high": 1100.0, "reference": 600.0, "n_designs": 3}
    assert list(bars.index) == ["b", "a"]  # widest first


def test_one_at_a_time_without_shared_values_has_no_bars():
    table = pd.DataFrame({"design": ["x", "y", "z"], "a": [1.0, 2.0, 3.0], "b": [5.0, 4.0, 6.0],
                          "net_energy_cost": [1.0, 2.0, 3.0]})  # a Latin-hypercube-like sample
    assert one_at_a_time(table, ["a", "b"], "net_energy_cost").empty


@pytest.mark.parametrize(("extra", "cost"), [({}, "net_energy_cost"), ({"npv": 1.0}, "npv")])
def test_cost_is_npv_when_every_design_has_one(extra, cost):
    table = grid(lambda a, b: a + b).assign(**extra)
    assert objectives(table)[0].column == cost


def test_best_designs_are_on_the_front_cheapest_first():
    # cost = a + b and CO2 = 10 - a - b: a cheaper design always emits more, so every design is on the
    # front; the three cheapest: a + b = 11, 12, 13
    table = grid(lambda a, b: a + b)
    best = best_designs(table, n=3)
    assert best == ["d110", "d210", "d310"]
