"""The bill objective: the LP's objective is the bill of its meters, and never above the rules' bill."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import inputs, storage
from zerodistrict.analysis.bills import bill_homes, bill_total
from zerodistrict.dispatch.common import Stores, storage_change_kwh
from zerodistrict.dispatch.optimal import dispatch_bill, dispatch_optimal, storage_credit
from zerodistrict.dispatch.rule import dispatch_rule
from zerodistrict.scenario.tariff import Tariff


def _month_crossing(inp, start="2025-01-30 00:00"):
    """The same district over steps that cross a month end (local time)."""
    freq = f"{int(inp.step_hours * 60)}min"
    return replace(inp, index=pd.date_range(start, periods=inp.n_steps, freq=freq, tz="Asia/Kuala_Lumpur"))


@st.composite
def tariffs(draw) -> Tariff:
    """Convex tariffs: increasing tiers, time-of-use with one tier premium, surcharges, fixed charges, any export."""
    n_tiers = draw(st.integers(1, 3))
    limits = sorted(draw(st.lists(st.sampled_from([4.0, 10.0, 25.0, 60.0]), min_size=n_tiers - 1,
                                  max_size=n_tiers - 1, unique=True)))
    base = draw(st.sampled_from([20.0, 30.0]))
    steps = np.cumsum([0.0] + [draw(st.sampled_from([0.0, 5.0, 12.0])) for _ in limits])
    energy = {"tier_limits_kwh": limits, "prices_per_kwh": list(base + steps)}
    if draw(st.booleans()):
        peak = draw(st.sampled_from([8.0, 15.0]))
        energy["time_of_use"] = [{"name": "peak", "start": "17:00", "end": "22:00",
                                  "prices_per_kwh": list(base + peak + steps)}]
    export = draw(st.sampled_from([
        "none", {"scheme": "fixed", "price_per_kwh": 8.0}, {"scheme": "fixed", "price_per_kwh": 60.0},
        {"scheme": "net_metering"}, {"scheme": "net_metering", "credit_per_kwh": 12.0}]))
    return Tariff.model_validate({
        "name": "random", "currency": "JPY", "energy": energy, "export": export,
        "surcharges": [{"name": "levy", "price_per_kwh": draw(st.sampled_from([0.0, 4.0]))}],
        "fixed": [{"name": "basic", "per_month": draw(st.sampled_from([0.0, 900.0]))}],
    })


@st.composite
def billed_districts(draw):
    n_t = draw(st.sampled_from([24, 48, 72]))
    n_h = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    load = rng.gamma(2.0, 0.5, (n_t, n_h))
    hours = np.arange(n_t) % 24
    sun = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None)[:, None]
    pv = sun * rng.uniform(0, 4, n_h)[None, :] * draw(st.sampled_from([0.0, 1.0, 2.0]))
    cap = rng.choice([0.0, 5.0, 10.0], n_h)
    home = storage(n_h, cap, cap * 0.5, eta_c=rng.uniform(0.85, 1.0), eta_d=rng.uniform(0.85, 1.0),
                   init_ratio=rng.uniform(0.1, 0.9), grid_charging=draw(st.booleans()))
    comm = storage(1, draw(st.sampled_from([0.0, 20.0])), 8.0, init_ratio=rng.uniform(0.1, 0.9))
    tariff = draw(tariffs())
    top = max(max(p.prices_per_kwh) for p in [tariff.energy, *tariff.energy.time_of_use]) \
        + sum(c.price_per_kwh for c in tariff.surcharges)
    inp = inputs(load, pv, home_battery=home, community_battery=comm, sharing=draw(st.booleans()),
                 line_loss_ratio=draw(st.sampled_from([0.0, 0.05])), export_allowed=draw(st.booleans()),
                 import_price=top, export_price=0.0)
    return replace(_month_crossing(inp), tariff=tariff)


@settings(max_examples=25, deadline=None)
@given(billed_districts())
def test_lp_objective_is_the_bill_and_never_above_the_rules(inp):
    best = dispatch_optimal(inp)
    rule = dispatch_rule(inp)
    assert best.totals["unserved_kw"].max() <= 1e-9
    bill = dispatch_bill(inp, best)
    # the reported objective is the bill of the LP's meters (exact but for a 1:1 net-metering offset, which
    # bills.py values at the month's average rate: the LP values it at the first-tier price, an upper bound)
    energy, scheme = inp.tariff.energy, inp.tariff.export
    average_rate = scheme.scheme == "net_metering" and scheme.credit_per_kwh is None \
        and (energy.time_of_use or energy.tier_limits_kwh)
    if average_rate:
        assert best.objective >= bill - 1e-6
    else:
        assert best.objective == pytest.approx(bill, abs=1e-6, rel=1e-9)
    # both start at initial_soc_ratio; the LP ends every store at least there
    assert (best.store_soc_kwh[-1] >= inp.stores.initial_kwh - 1e-6).all()
    # never above the rules' bill, the rules' storage drawdown charged at the highest import price
    assert bill <= dispatch_bill(inp, rule) + storage_credit(inp, rule) + 1e-6


def test_monthly_tiers_are_billed_per_month_and_per_home():
    """Two months, one home, a flat load: the tier limit applies to each month separately."""
    n_t = 48
    inp = _month_crossing(inputs(np.ones((n_t, 1)), np.zeros((n_t, 1)), import_price=50.0), "2025-01-31 00:00")
    tariff = Tariff.model_validate({"name": "t", "currency": "JPY", "energy": {
        "tier_limits_kwh": [10.0], "prices_per_kwh": [20.0, 50.0]}, "fixed": [{"name": "basic", "per_month": 100.0}]})
    inp = replace(inp, tariff=tariff)
    r = dispatch_optimal(inp)
    # each month is covered for one day, a share σ of it (1/31 of January, 1/28 of February), so its tier
    # block and fixed charge are σ of the month's (bills.py pro rata): 24 kWh = 10σ at 20 + (24 − 10σ) at 50,
    # plus 100σ fixed = 1200 − 200σ
    assert r.objective == pytest.approx((1200 - 200 / 31) + (1200 - 200 / 28))
    assert r.objective == pytest.approx(bill_total(bill_homes(tariff, inp.index, r.home_import_kw, r.home_export_kw, 1.0)))


def test_net_metering_credit_stops_at_the_months_imports():
    """Solar ATAP-like: exports beyond the month's imports earn nothing, so a battery that pays is used."""
    n_t = 24
    hours = np.arange(n_t)
    pv = np.where((hours >= 8) & (hours < 16), 3.0, 0.0)[:, None]
    load = np.full((n_t, 1), 0.5)
    bat = storage(1, 10.0, 5.0, eta_c=0.95, eta_d=0.95, min_ratio=0.0, init_ratio=0.0)
    inp = replace(inputs(load, pv, home_battery=bat, import_price=40.0), tariff=Tariff.model_validate({
        "name": "atap", "currency": "MYR", "energy": {"prices_per_kwh": [0.27]},
        "surcharges": [{"name": "network", "price_per_kwh": 0.17}], "export": "my-solar-atap-2026"}))
    by_bill = dispatch_optimal(inp)
    by_price = dispatch_optimal(replace(inp, tariff=None, import_price=np.full(n_t, 0.44),
                                        export_price=np.full(n_t, 0.27)), "energy_cost")
    assert by_bill.objective == pytest.approx(dispatch_bill(inp, by_bill), abs=1e-9)
    # the bill objective stores PV for the night (imports pay the surcharge, credit cannot cover it)
    assert by_bill.store_discharge_kw.sum() > 0
    assert dispatch_bill(inp, by_bill) <= dispatch_bill(inp, by_price) + 1e-9


def test_storage_starts_at_initial_soc_and_ends_at_least_there():
    n_t = 24
    price = np.where(np.arange(n_t) < 12, 10.0, 30.0)
    bat = storage(1, 10.0, 5.0, init_ratio=0.6)
    inp = inputs(np.ones((n_t, 1)), np.zeros((n_t, 1)), home_battery=bat, import_price=price)
    r = dispatch_optimal(inp, "energy_cost")
    assert r.store_soc_kwh[-1, 0] == pytest.approx(6.0)  # no reason to end above: ends exactly at its start
    assert storage_change_kwh(inp, r) == pytest.approx(0.0, abs=1e-9)
    cyc = dispatch_optimal(replace(inp, storage_end="cyclic"), "energy_cost")
    assert cyc.objective <= r.objective + 1e-9
    assert isinstance(inp.stores, Stores)


def _objective(inp, dense: bool) -> float:
    """The bill LP's optimum with the monthly sums as running sums (default) or as one dense row a month."""
    from zerodistrict.dispatch.optimal import tariff as tariff_mod

    keep = tariff_mod._DENSE_MONTHLY_SUMS
    tariff_mod._DENSE_MONTHLY_SUMS = dense
    try:
        return dispatch_optimal(inp).objective
    finally:
        tariff_mod._DENSE_MONTHLY_SUMS = keep


@settings(max_examples=20, deadline=None)
@given(billed_districts())
def test_running_monthly_sums_give_the_dense_rows_optimum(inp):
    """Issue 11 item 6: the sparse running sums are the dense monthly rows' LP projected (same optimum)."""
    assert _objective(inp, dense=False) == pytest.approx(_objective(inp, dense=True), rel=1e-9, abs=1e-7)


@pytest.mark.parametrize("sharing", [True, False])
def test_running_sums_over_three_months_and_no_dense_rows(sharing):
    """40 days hourly across three months, time-of-use with tiers and net metering: same optimum as the
    dense rows, and no constraint row of the model has more than a handful of terms."""
    from zerodistrict.dispatch.optimal import OptimalModel

    n_t, rng = 40 * 24, np.random.default_rng(7)
    hours = np.arange(n_t) % 24
    pv = np.clip(np.sin((hours - 6) / 12 * np.pi), 0, None)[:, None] * np.array([[3.0, 1.0]])
    load = rng.gamma(2.0, 0.4, (n_t, 2))
    inp = inputs(load, pv, home_battery=storage(2, np.array([5.0, 0.0]), np.array([2.5, 0.0])), sharing=sharing,
                 line_loss_ratio=0.02, import_price=0.8, export_price=0.0)
    tariff = Tariff.model_validate({
        "name": "t", "currency": "MYR", "energy": {
            "tier_limits_kwh": [20.0], "prices_per_kwh": [0.3, 0.4],
            "time_of_use": [{"name": "peak", "start": "14:00", "end": "22:00", "prices_per_kwh": [0.5, 0.6]}]},
        "surcharges": [{"name": "network", "price_per_kwh": 0.13}], "export": "my-solar-atap-2026"})
    inp = replace(_month_crossing(inp, "2025-01-25 00:00"), tariff=tariff)
    assert _objective(inp, dense=False) == pytest.approx(_objective(inp, dense=True), rel=1e-9)
    m = OptimalModel.build(inp).model
    widest = max(int((m.constraints[name].vars.values >= 0).reshape(-1, m.constraints[name].vars.shape[-1])
                     .sum(axis=1).max()) for name in m.constraints)
    assert widest <= 8


def _full_lp_objective(inp) -> float:
    """The bill LP solved as built, credit rows in every month (what ``solve`` did before the regimes)."""
    from zerodistrict.dispatch.optimal import OptimalModel
    from zerodistrict.dispatch.optimal.solve import _solve

    om = OptimalModel.build(inp)
    _solve(om.model, None)
    om._solved = True
    return om.result().objective


def _net_metered(inp, rate):
    d = inp.tariff.model_dump()
    d["export"] = {"scheme": "net_metering", "credit_per_kwh": rate}
    return replace(inp, tariff=Tariff.model_validate(d), export_allowed=True)


@settings(max_examples=25, deadline=None)
@given(billed_districts(), st.sampled_from([None, 12.0, 60.0]), st.sampled_from(["default", "energy", "mixed"]),
       st.sampled_from([0, 1, 3]))
def test_net_metering_by_month_regimes_gives_the_bill_lps_optimum(inp, rate, guess, rounds):
    """Issue 11 item 6: solving month regime by month regime is exact whatever the first guess and however
    soon the credit rows come back (``REGIME_ROUNDS``), on random districts, meters and tariffs."""
    from zerodistrict.dispatch.optimal import OptimalModel
    from zerodistrict.dispatch.optimal import tariff as tariff_mod

    inp = _net_metered(inp, rate)
    keep = tariff_mod.first_regimes, tariff_mod.REGIME_ROUNDS
    if guess == "energy":
        tariff_mod.first_regimes = lambda t, n: np.full((t.n_months, n), tariff_mod._ENERGY)
    elif guess == "mixed":  # every other month and meter
        tariff_mod.first_regimes = lambda t, n: np.arange(t.n_months * n).reshape(t.n_months, n) % 2
    tariff_mod.REGIME_ROUNDS = rounds
    try:
        om = OptimalModel.build(inp).solve()
        fast = om.result()
    finally:
        tariff_mod.first_regimes, tariff_mod.REGIME_ROUNDS = keep
    assert om.regimes is not None and om.regimes["rounds"] >= 1
    assert fast.objective == pytest.approx(_full_lp_objective(inp), rel=1e-9, abs=1e-7)


def test_a_changed_objective_is_solved_as_it_stands():
    """Month regimes price the bill; once a user replaces the objective, solve() solves the model as it is."""
    from zerodistrict.dispatch.optimal import OptimalModel

    n_t = 48
    hours = np.arange(n_t) % 24
    pv = np.where((hours >= 8) & (hours < 16), 3.0, 0.0)[:, None]
    inp = _month_crossing(inputs(np.full((n_t, 1), 0.5), pv, home_battery=storage(1, 10.0, 5.0), import_price=1.0,
                                      sharing=False))
    inp = replace(inp, tariff=Tariff.model_validate({"name": "atap", "currency": "MYR", "energy": {
        "prices_per_kwh": [0.27]}, "export": "my-solar-atap-2026"}))
    om = OptimalModel.build(inp).solve()
    assert om.regimes is not None
    assert om.model.variables["home_grid_export"].solution.sum() > 1.0  # exports earn credit
    om.model.add_objective(1.0 * om.model.variables["home_grid_export"].sum(), overwrite=True)
    om.solve()
    assert om.regimes is None
    assert om.model.objective.value == pytest.approx(0.0, abs=1e-9)  # curtail or store rather than export


def test_progress_hears_each_net_metering_round():
    """A long bill LP says how far it is: one message a round, the last one certifying the optimum."""
    from zerodistrict.dispatch.optimal import dispatch_optimal

    n_t = 48
    hours = np.arange(n_t) % 24
    pv = np.where((hours >= 8) & (hours < 16), 3.0, 0.0)[:, None]
    inp = _month_crossing(inputs(np.full((n_t, 1), 0.5), pv, home_battery=storage(1, 10.0, 5.0), import_price=1.0,
                                 sharing=False))
    inp = replace(inp, tariff=Tariff.model_validate({"name": "atap", "currency": "MYR", "energy": {
        "prices_per_kwh": [0.27]}, "export": "my-solar-atap-2026"}))
    heard: list[str] = []
    dispatch_optimal(inp, progress=heard.append)
    assert heard and heard[0].startswith("net-metering months, round 1: solved in ")
    assert [int(m.split("round ")[1].split(":")[0]) for m in heard] == list(range(1, len(heard) + 1))
    assert heard[-1].endswith("certified optimal")
