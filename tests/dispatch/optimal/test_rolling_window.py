"""The rolling horizon's reused window model (dispatch/optimal/window.py) against rebuilding every window."""

from __future__ import annotations

import numpy as np
import pytest
from factories import evs, inputs, storage
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.dispatch.common import check_balance
from zerodistrict.dispatch.optimal import dispatch_optimal
from zerodistrict.dispatch.optimal.model import OptimalModel, _build
from zerodistrict.dispatch.optimal.problem import _problem, value_of_lost_load
from zerodistrict.dispatch.optimal.rolling import _window, _windows
from zerodistrict.dispatch.optimal.window import WindowLP, structure

FLOWS = ("grid_import_kw", "grid_export_kw", "battery_charge_kw", "battery_discharge_kw", "ev_charge_kw",
         "ev_discharge_kw", "curtailed_kw", "unserved_kw", "line_loss_kw")


def _case(seed: int, n_t: int, n_h: int, loss: float, sharing: bool, home: bool, ev: bool, community: bool):
    """A small random district with continuous prices and per-store efficiencies (a unique optimum)."""
    rng = np.random.default_rng(seed)
    hour = np.arange(n_t) % 24
    sun = np.clip(np.sin(np.pi * (hour - 6) / 12), 0, None)
    load = rng.uniform(0.2, 2.0, (n_t, n_h))
    pv = sun[:, None] * rng.uniform(0.0, 5.0, n_h)[None, :] * rng.uniform(0.5, 1.0, (n_t, 1))
    kw = {}
    if home:
        cap = rng.choice([0.0, 5.0, 10.0], n_h)
        kw["home_battery"] = storage(n_h, cap, cap * 0.5, eta_c=rng.uniform(0.85, 0.98, n_h),
                                     eta_d=rng.uniform(0.85, 0.98, n_h), init_ratio=rng.uniform(0.1, 0.9, n_h))
    if community:
        kw["community_battery"] = storage(1, 20.0, 8.0, eta_c=0.93, eta_d=0.91, init_ratio=0.3)
    if ev:
        kw["ev"] = evs(n_t, 1, trip_every=int(rng.integers(20, 40)), trip_kwh=6.0)
    return inputs(load, pv, sharing=sharing, line_loss_ratio=loss, import_price=rng.uniform(20.0, 40.0, n_t),
                  export_price=rng.uniform(5.0, 12.0, n_t), **kw)


cases = st.builds(
    _case, seed=st.integers(0, 10_000), n_t=st.sampled_from([72, 84, 96, 120]), n_h=st.integers(2, 3),
    loss=st.sampled_from([0.0, 0.04]), sharing=st.booleans(), home=st.booleans(), ev=st.booleans(),
    community=st.booleans())


def _solve(inp, reuse: bool, warm: bool = True):
    voll = value_of_lost_load(inp, "energy_cost")
    return list(_windows(inp, "energy_cost", 48, True, None, voll, reuse=reuse, warm=warm))


@settings(max_examples=8, deadline=None)
@given(inp=cases)
def test_reused_model_equals_rebuilding_every_window(inp):
    # solved from scratch each time, the reused model with a window's data written is that window's LP: same
    # vertex, so the same flows (warm starts may end at another optimum of a degenerate LP: see the next test)
    reused, rebuilt = _solve(inp, reuse=True, warm=False), _solve(inp, reuse=False)
    assert [w.start for w in reused] == [w.start for w in rebuilt]
    for a, b in zip(reused, rebuilt):
        scale = max(1.0, abs(b.lp_objective))
        assert a.lp_objective == pytest.approx(b.lp_objective, rel=0, abs=1e-6 * scale)
        np.testing.assert_allclose(a.part.store_soc_kwh, b.part.store_soc_kwh, rtol=0, atol=1e-6)
        np.testing.assert_allclose(a.part.store_charge_kw, b.part.store_charge_kw, rtol=0, atol=1e-6)
        np.testing.assert_allclose(a.part.store_discharge_kw, b.part.store_discharge_kw, rtol=0, atol=1e-6)
        np.testing.assert_allclose(a.part.home_import_kw, b.part.home_import_kw, rtol=0, atol=1e-6)
        for k in FLOWS:
            np.testing.assert_allclose(a.part.totals[k], b.part.totals[k], rtol=0, atol=1e-6, err_msg=k)


@settings(max_examples=6, deadline=None)
@given(inp=cases)
def test_warm_started_windows_reach_each_windows_optimum(inp):
    # warm (the default): every window's objective equals a fresh build's from the same starting states of charge
    voll = value_of_lost_load(inp, "energy_cost")
    initial = inp.stores.initial_kwh
    soc = initial
    windows = _solve(inp, reuse=True)
    for k, w in enumerate(windows):
        last = k == len(windows) - 1
        stop = inp.n_steps if last else w.start + 48
        p = _problem(_window(inp, w.start, stop, soc), "energy_cost", True, voll=voll, cyclic=False,
                     terminal_kwh=initial if last else np.minimum(initial, soc))
        om = OptimalModel(_window(inp, w.start, stop, soc), p, _build(p)).solve()
        fresh = float(om.model.objective.value)
        assert w.lp_objective == pytest.approx(fresh, rel=0, abs=1e-6 * max(1.0, abs(fresh)))
        soc = w.part.store_soc_kwh[-1]


@settings(max_examples=6, deadline=None)
@given(inp=cases)
def test_states_of_charge_are_continuous_across_windows(inp):
    # every store's energy balance holds at every step, the windows' first steps included, from its initial energy
    r = dispatch_optimal(inp, "energy_cost", horizon_hours=48)
    check_balance(r.totals)
    s, dt = inp.stores, inp.step_hours
    prev = np.vstack([s.initial_kwh[None, :], r.store_soc_kwh[:-1]])
    expected = (prev + s.charge_efficiency * r.store_charge_kw * dt - r.store_discharge_kw * dt / s.discharge_efficiency
                - s.trip_kwh)
    np.testing.assert_allclose(r.store_soc_kwh, expected, rtol=0, atol=1e-6)
    # and the period ends with every store at least where it started
    assert np.all(r.store_soc_kwh[-1] >= np.minimum(s.initial_kwh, s.max_kwh) - 1e-6)


@settings(max_examples=5, deadline=None)
@given(inp=cases)
def test_each_window_writes_the_data_of_a_fresh_build(inp):
    # the reused model, after writing a later window's data, holds exactly the LP a fresh build of that window has
    voll = value_of_lost_load(inp, "energy_cost")
    soc = inp.stores.initial_kwh * np.linspace(0.9, 0.5, inp.stores.n)

    def problem(start):
        window = _window(inp, start, start + 48, soc)
        return _problem(window, "energy_cost", True, voll=voll, cyclic=False, terminal_kwh=0.8 * soc)

    lp = WindowLP(problem(0))
    for start in (24, inp.n_steps - 48):
        p = problem(start)
        assert structure(p) == lp.key
        m = _build(p).matrices
        for ours, theirs in zip(lp._data(p), (m.lb, m.ub, m.c, m.b)):
            np.testing.assert_array_equal(ours, theirs)


def test_windows_of_another_structure_get_their_own_model():
    # 84 steps: windows at 0 and 24 (48 steps), the last one at 48 has 36 steps and builds its own model
    inp = _case(3, 84, 2, 0.04, True, True, True, False)
    voll = value_of_lost_load(inp, "energy_cost")
    built = []
    original = WindowLP.__init__

    def counting(self, p, solver_options=None, warm=True):
        built.append(p.n_steps)
        original(self, p, solver_options, warm)

    WindowLP.__init__ = counting
    try:
        windows = list(_windows(inp, "energy_cost", 48, True, None, voll))
    finally:
        WindowLP.__init__ = original
    assert [w.start for w in windows] == [0, 24, 48]
    assert built == [48, 36]

