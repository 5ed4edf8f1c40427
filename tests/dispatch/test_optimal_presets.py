"""Optimal against rule-based dispatch on every preset (four weeks each, to keep the suite fast).

The full-year comparison is recorded in benchmarks/results.json ("presets_full_year").
The bill compared is :func:`~zerodistrict.dispatch.optimal.dispatch_bill` (the tariff on the meters
as the LP models them, every feature included); a storage drawdown is charged to either dispatch
by :func:`~zerodistrict.dispatch.optimal.storage_credit` (the LP ends each store at least where it
started, so only the rules can draw down).
"""

import numpy as np
import pytest
import yaml

from zerodistrict.dispatch.common import balance_residual_kw
from zerodistrict.dispatch.optimal import dispatch_bill, storage_credit
from zerodistrict.dispatch.optimal.hydrogen import dispatch_at_service, grey_cost
from zerodistrict.scenario import dump_scenario, list_presets, load_scenario, scenario_from_dict
from zerodistrict.pipeline import run

PRESETS = [p for p in list_presets() if load_scenario(p).n_homes]


def four_weeks(name: str, start: str = "2025-07-01", convex: bool = False, **changes):
    """The preset over four weeks; ``convex``: its tariff without consumption rebates and waivers."""
    data = yaml.safe_load(dump_scenario(load_scenario(name)))
    data["period"] = {"year": 2025, "step_minutes": 60, "start": start, "days": 28}
    tariff = data["grid"].get("tariff")
    if convex and tariff:
        tariff["rebates"] = []
        for charge in tariff.get("fixed", []) + tariff.get("surcharges", []):
            charge["waived_up_to_kwh"] = None
    for path, value in changes.items():
        *head, last = path.split(".")
        node = data
        for key in head:
            node = node[key]
        node[last] = value
    return scenario_from_dict(data)


def credited_bill(res) -> float:
    return dispatch_bill(res.inputs, res.dispatch) + storage_credit(res.inputs, res.dispatch) + grey(res)


def grey(res) -> float:
    """Grey hydrogen bought for the offtake the tank did not serve (0 without hydrogen) [currency]."""
    return grey_cost(res.inputs, res.dispatch.store_unserved_kwh, "energy_cost")


@pytest.mark.parametrize("preset", PRESETS)
def test_optimal_costs_no_more_than_rules(preset):
    sc = four_weeks(preset)
    rule = run(sc, dispatch="rule", resilience_hours=None)
    best = run(sc, dispatch="optimal", objective="energy_cost", resilience_hours=None)
    for res in (rule, best):
        assert np.abs(balance_residual_kw(res.dispatch.totals)).max() <= 1e-6
    # the LP's storage ends at least where it starts while the rules may end lower: credit the rules'
    # net storage drawdown at the highest import price so the comparison cannot favour the LP unfairly
    inputs = rule.inputs
    ev = inputs.stores.kind == "ev"
    h2 = inputs.stores.kind == "hydrogen"  # grey hydrogen: its drawdown is worth the grey price (storage_credit)
    bat = ~ev & ~h2
    start, end = inputs.stores.initial_kwh, rule.dispatch.store_soc_kwh[-1]
    drawdown_kwh = max(start[bat].sum() - end[bat].sum(), 0.0) + max(start[ev].sum() - end[ev].sum(), 0.0)
    allowance = drawdown_kwh * inputs.import_price.max()
    if h2.any():
        h = inputs.hydrogen
        allowance += float(np.maximum(start[h2] - end[h2], 0.0).sum()) * h.grey_price_per_kg / h.lhv_kwh_per_kg
    assert best.kpis.net_energy_cost + grey(best) <= rule.kpis.net_energy_cost + grey(rule) + allowance + 1e-6
    assert best.kpis.unserved_kwh <= rule.kpis.unserved_kwh + 1e-6


@pytest.mark.parametrize("convex", [False, True], ids=["tariff", "convex tariff"])
@pytest.mark.parametrize("preset", PRESETS)
def test_optimal_bills_no_more_than_rules(preset, convex):
    sc = four_weeks(preset, start="2025-03-01", convex=convex)
    rule = run(sc, dispatch="rule", resilience_hours=None)
    best = run(sc, dispatch="optimal", resilience_hours=None)
    assert np.abs(balance_residual_kw(best.dispatch.totals)).max() <= 1e-6
    # both start at initial_soc_ratio; the LP ends every store at least there
    np.testing.assert_array_less(best.inputs.stores.initial_kwh - 1e-6, best.dispatch.store_soc_kwh[-1] + 1e-12)
    assert best.kpis.storage_change_kwh >= -1e-6
    assert best.kpis.unserved_kwh <= rule.kpis.unserved_kwh + 1e-6
    if convex or best.inputs.tariff is None or not best.inputs.tariff.rebates:
        # a convex tariff: the LP's objective is the bill itself
        assert best.dispatch.objective == pytest.approx(dispatch_bill(best.inputs, best.dispatch) + grey(best),
                                                        abs=1e-6, rel=1e-9)
    assert credited_bill(best) <= credited_bill(rule) + 1e-6


@pytest.mark.parametrize("preset", ["kuching-north"])
def test_households_bill_no_more_than_rules_at_the_rules_hydrogen_service(preset):
    """With hydrogen the bill LP trades the households' bill for less grey hydrogen (over the year on
    kuching-north: RM 29,354 → 33,114, the district paying less in all). Held to the rules' hydrogen
    service and end levels and minimising the bill alone, the households' bill is no higher (a year)."""
    sc = load_scenario(preset)
    rule = run(sc, dispatch="rule", resilience_hours=None)
    h2 = rule.inputs.stores.kind == "hydrogen"
    grey_kwh = float(rule.dispatch.store_unserved_kwh[:, h2].sum())
    end = rule.dispatch.store_soc_kwh[-1]
    best = dispatch_at_service(rule.inputs, grey_kwh, end_kwh=end)
    assert float(best.store_unserved_kwh[:, h2].sum()) <= grey_kwh + 1e-6
    np.testing.assert_array_less(end - 1e-6, best.store_soc_kwh[-1] + 1e-12)
    assert np.abs(balance_residual_kw(best.totals)).max() <= 1e-6
    rule_bill = dispatch_bill(rule.inputs, rule.dispatch)
    assert dispatch_bill(rule.inputs, best) <= rule_bill + 1e-6


def test_a_community_battery_that_pays_is_used():
    """Kuala Lumpur on a time-of-use tariff with no export: the community battery shifts PV to the evening peak."""
    sc = four_weeks("kuala-lumpur-wangsa-maju", convex=True, **{"grid.tariff.preset": "tnb-tou-2025",
                                                              "grid.tariff.export": "none", "grid.export_allowed": False})
    best = run(sc, dispatch="optimal", resilience_hours=None)
    comm = best.inputs.stores.at_community & (best.inputs.stores.kind == "battery")
    assert comm.any()
    assert best.dispatch.store_discharge_kw[:, comm].sum() > 0.0
    rule = run(sc, dispatch="rule", resilience_hours=None)
    assert credited_bill(best) <= credited_bill(rule) + 1e-6


def test_cyclic_storage_when_the_scenario_asks():
    sc = four_weeks("saitama-misono", **{"community.storage_end": "cyclic"})
    best = run(sc, dispatch="optimal", resilience_hours=None)
    at_least = run(four_weeks("saitama-misono"), dispatch="optimal", resilience_hours=None)
    soc = best.dispatch.store_soc_kwh
    s = best.inputs.stores
    # cyclic: the energy before the first step is the energy after the last (level free)
    e0 = soc[0] - best.dispatch.store_charge_kw[0] * s.charge_efficiency * best.inputs.step_hours \
        + best.dispatch.store_discharge_kw[0] / s.discharge_efficiency * best.inputs.step_hours + s.trip_kwh[0]
    np.testing.assert_allclose(e0, soc[-1], atol=1e-6)
    # a free start level can only help the bill
    assert dispatch_bill(best.inputs, best.dispatch) <= dispatch_bill(at_least.inputs, at_least.dispatch) + 1e-6
