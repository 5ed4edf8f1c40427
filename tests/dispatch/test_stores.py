"""Storage as one list: invariants of both dispatches on random lists of stores, scenarios with several
community batteries, and what splitting one battery in two changes for the rule CEMS."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import inputs, storage
from invariants import assert_store_invariants
from zerodistrict.dispatch.common import COMMUNITY_BUS, Stores
from zerodistrict.dispatch.optimal import dispatch_optimal
from zerodistrict.dispatch.rule import KIND_PRIORITY, dispatch_rule
from zerodistrict.errors import InputError
from zerodistrict.pipeline import build_inputs, run
from zerodistrict.scenario import load_scenario
from zerodistrict.scenario.loading import scenario_from_dict
from zerodistrict.scenario.models import Period



def _random_stores(draw, rng, n_t: int, n_h: int, lp: bool) -> Stores:
    """Random home batteries (some homes none), 0–3 community batteries, 0–3 EVs with trips.

    ``lp``: EVs charge from the grid with enough power to make up their trips (the LP takes every trip
    in full and its storage is cyclic, so a trip that cannot be made up would leave it infeasible).
    """
    homes = np.flatnonzero(rng.random(n_h) < draw(st.sampled_from([0.0, 0.5, 1.0])))
    n_b = draw(st.integers(0, 3))
    n_e = draw(st.integers(0, 3))
    n = homes.size + n_b + n_e

    def u(lo, hi):
        return rng.uniform(lo, hi, n)

    cap = u(2, 40)
    min_ratio = u(0, 0.3)
    max_ratio = np.where(rng.random(n) < 0.5, 1.0, u(0.7, 1.0))
    kind = ["battery"] * (homes.size + n_b) + ["ev"] * n_e
    available = np.ones((n_t, n), dtype=bool)
    trips = np.zeros((n_t, n))
    for e in range(homes.size + n_b, n):
        every = int(rng.integers(6, 12))
        for start in range(int(rng.integers(1, every)), n_t, every):
            trips[start, e] = rng.uniform(0, 0.1 if lp else 0.4) * cap[e] * (max_ratio[e] - min_ratio[e])
            available[start:start + int(rng.integers(1, 4)), e] = False
    charge = u(0.5, 10)
    grid_charging = rng.random(n) < 0.7
    if lp:
        ev = np.arange(n) >= homes.size + n_b
        charge = np.where(ev, u(4, 10), charge)
        grid_charging |= ev
    discharge = np.where(rng.random(n) < 0.3, 0.0, u(0.5, 10))  # one-way EVs, charge-only batteries
    return Stores.create(
        n_t, name=[f"s{i}" for i in range(n)], kind=kind,
        location=np.concatenate([homes, np.full(n_b + n_e, COMMUNITY_BUS)]).astype(int),
        capacity_kwh=cap, charge_power_kw=charge, discharge_power_kw=discharge,
        charge_efficiency=u(0.8, 1.0), discharge_efficiency=u(0.8, 1.0), min_soc_ratio=min_ratio,
        max_soc_ratio=max_ratio, initial_soc_ratio=min_ratio + rng.random(n) * (max_ratio - min_ratio),
        grid_charging=grid_charging, available=available, trip_kwh=trips,
    )


@st.composite
def districts(draw, max_steps=48, max_homes=8, lp=False):
    n_t = draw(st.integers(2, max_steps))
    n_h = draw(st.integers(1, max_homes))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    load = rng.gamma(2.0, 0.5, (n_t, n_h))
    pv = np.clip(rng.normal(1.0, 1.5, (n_t, n_h)), 0, None) * draw(st.sampled_from([0.0, 1.0, 4.0]))
    kw = dict(sharing=draw(st.booleans()), export_allowed=draw(st.booleans()),
              line_loss_ratio=draw(st.sampled_from([0.0, 0.05])), step_hours=draw(st.sampled_from([1.0, 0.5])))
    if draw(st.booleans()):
        out = rng.random(n_t) < 0.2
        kw["grid_available"] = ~out
        kw["outage"] = out
    return inputs(load, pv, stores=_random_stores(draw, rng, n_t, n_h, lp), **kw)


@settings(max_examples=150, deadline=None)
@given(districts())
def test_rule_invariants_on_random_lists_of_stores(inp):
    assert_store_invariants(inp, dispatch_rule(inp))


@settings(max_examples=12, deadline=None)
@given(districts(max_steps=24, max_homes=4, lp=True), st.booleans())
def test_optimal_invariants_on_random_lists_of_stores(inp, aggregate):
    # the generator keeps trips feasible with cyclic storage (energy may wrap round the period's end)
    r = dispatch_optimal(replace(inp, storage_end="cyclic"), aggregate=aggregate)
    assert_store_invariants(replace(inp, storage_end="cyclic"), r, tol=1e-5)


# --------------------------------------------------------------------------- scenarios


def _misono(batteries, evs=None, days=7):
    sc = load_scenario("saitama-misono")
    community = sc.community.model_copy(update={
        "batteries": [type(sc.community.batteries[0]).model_validate(b) for b in batteries],
        **({} if evs is None else {"evs": evs})})
    return sc.model_copy(update={"period": Period(year=2025, start=dt.date(2025, 4, 7), days=days),
                                 "community": community})


@pytest.mark.parametrize("dispatch", ["rule", "optimal"])
def test_two_community_batteries_of_different_efficiencies_both_work(dispatch):
    sc = _misono([
        {"name": "lithium", "capacity_kwh": 60, "power_kw": 25, "charge_efficiency": 0.97,
         "discharge_efficiency": 0.97},
        {"name": "second-life", "capacity_kwh": 80, "power_kw": 20, "discharge_power_kw": 15,
         "charge_efficiency": 0.85, "discharge_efficiency": 0.88, "max_soc_ratio": 0.9},
    ])
    res = run(sc, dispatch=dispatch, resilience_hours=24)
    s, d = res.inputs.stores, res.dispatch
    names = list(s.name)
    for name in ("lithium", "second-life"):
        i = names.index(name)
        assert s.location[i] == COMMUNITY_BUS
        assert d.store_charge_kw[:, i].sum() > 10.0 and d.store_discharge_kw[:, i].sum() > 10.0, name
    i = names.index("second-life")
    assert d.store_soc_kwh[:, i].max() <= 80 * 0.9 + 1e-6
    assert d.store_discharge_kw[:, i].max() <= 15 + 1e-6
    assert_store_invariants(res.inputs, d, tol=1e-5)


@pytest.mark.parametrize("dispatch", ["rule", "optimal"])
def test_a_community_of_evs_only_runs(dispatch):
    sc = _misono([], days=3)
    res = run(sc, dispatch=dispatch, resilience_hours=24)
    s = res.inputs.stores
    assert set(s.kind) == {"ev"} and s.n == 2
    assert res.dispatch.totals["battery_soc_kwh"].max() == 0.0
    assert res.dispatch.store_charge_kw.sum() > 0.0
    assert_store_invariants(res.inputs, res.dispatch, tol=1e-5)


def test_duplicate_store_names_are_a_clear_error():
    data = {"name": "x", "site": {"name": "s", "latitude": 35, "longitude": 139, "timezone": "Asia/Tokyo",
                                  "country": "JP"},
            "period": {"year": 2025, "days": 2},
            "homes": [{"group": "g", "count": 1, "load": {"archetype": "jp-detached", "annual_kwh": 4000}}],
            "community": {"batteries": [{"name": "a", "capacity_kwh": 10, "power_kw": 5}],
                          "evs": [{"name": "a", "count": 1, "battery_kwh": 40, "charger_kw": 6}]},
            "grid": {"currency": "JPY", "import_price": 30, "emission_factor_kg_per_kwh": 0.4}}
    with pytest.raises(InputError, match=r"community: .*the name 'a' is used by two"):
        scenario_from_dict(data)
    data["community"] = {"battery": {"capacity_kwh": 10, "power_kw": 5}}
    with pytest.raises(InputError, match=r"'battery' is now a list"):
        scenario_from_dict(data)


def test_two_stores_at_one_home_are_refused_by_name():
    two = Stores.concat(storage(1, 10, 5, names=["first"]), storage(1, 10, 5, names=["second"]))
    inp = inputs(np.ones((2, 1)), np.zeros((2, 1)), stores=replace(
        two, location=np.array([0, 0]), available=np.ones((2, 2), bool), trip_kwh=np.zeros((2, 2))))
    with pytest.raises(InputError, match=r"home 0: two stores \(first, second\)"):
        dispatch_rule(inp)


def test_pipeline_puts_home_batteries_at_their_home_and_the_rest_on_the_bus():
    sc = load_scenario("penang-george-town")
    s = build_inputs(sc.model_copy(update={"period": Period(year=2025, days=2)})).stores
    homes = ~s.at_community
    assert homes.any() and set(s.kind[homes]) == {"battery"}
    assert len(set(s.location[homes])) == homes.sum()  # one store per home
    assert (np.diff(s.at_community.astype(int)) >= 0).all()  # home stores first, then the bus's


# --------------------------------------------------------------------------- one battery or two


def _bus_only(deficit, stores, **kw):
    """Two homes: home 0 has a surplus or home 1 a deficit each step (kW); all storage at the bus."""
    n_t = len(deficit)
    d = np.asarray(deficit, dtype=float)
    load = np.column_stack([np.zeros(n_t), np.maximum(d, 0)])
    pv = np.column_stack([np.maximum(-d, 0), np.zeros(n_t)])
    return inputs(load, pv, community_batteries=stores, export_allowed=False, **kw)


def test_two_batteries_drain_in_order_so_less_power_remains_than_in_one_of_twice_the_size():
    # Two 10 kWh / 5 kW batteries, full, lossless; deficits of 5, 5, then 10 kW. The CEMS takes the
    # first battery before the second: after two steps the first is empty and only the second's 5 kW
    # remain, so 5 kW are imported. One 20 kWh / 10 kW battery holds the same energy with the whole
    # 10 kW and imports nothing. Same energy and total power, but not the same power at every state.
    unit = dict(eta_c=1.0, eta_d=1.0, min_ratio=0.0, init_ratio=1.0)
    pair = dispatch_rule(_bus_only([5, 5, 10], [storage(2, 10.0, 5.0, **unit)]))
    one = dispatch_rule(_bus_only([5, 5, 10], [storage(1, 20.0, 10.0, **unit)]))
    assert pair.store_soc_kwh[1].tolist() == pytest.approx([0.0, 10.0])
    assert pair.totals["grid_import_kw"].tolist() == pytest.approx([0.0, 0.0, 5.0])
    assert one.totals["grid_import_kw"].tolist() == pytest.approx([0.0, 0.0, 0.0])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 48), st.floats(0.8, 1.0), st.floats(0.8, 1.0),
       st.floats(0.0, 0.3), st.floats(0.3, 1.0))
def test_two_identical_batteries_equal_one_of_twice_the_size_while_power_does_not_bind(
        seed, n_t, eta_c, eta_d, floor, init):
    # With power caps above any flow at the bus, filling (emptying) batteries in order fills (empties)
    # their summed room (energy) exactly as one battery of the summed size: min(a, r1) + min(a − ·, r2)
    # = min(a, r1 + r2). So the district flows and the summed state of charge are the same.
    rng = np.random.default_rng(seed)
    deficit = rng.normal(0.0, 3.0, n_t)
    unit = dict(eta_c=eta_c, eta_d=eta_d, min_ratio=floor, init_ratio=init)
    big_power = 1e3
    pair = dispatch_rule(_bus_only(deficit, [storage(2, 10.0, big_power, **unit)]))
    one = dispatch_rule(_bus_only(deficit, [storage(1, 20.0, 2 * big_power, **unit)]))
    for name in ("grid_import_kw", "curtailed_kw", "battery_charge_kw", "battery_discharge_kw", "unserved_kw"):
        np.testing.assert_allclose(pair.totals[name], one.totals[name], atol=1e-9, err_msg=name)
    np.testing.assert_allclose(pair.store_soc_kwh.sum(axis=1), one.store_soc_kwh[:, 0], atol=1e-9)


def test_kind_priority_covers_every_kind_and_batteries_go_before_evs():
    assert set(KIND_PRIORITY) == {"battery", "ev", "hydrogen"}
    assert KIND_PRIORITY["battery"] < KIND_PRIORITY["ev"]
