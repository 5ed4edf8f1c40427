"""Physical invariants every dispatch result obeys (shared by the dispatch tests)."""

import numpy as np

from zerodistrict.dispatch.common import balance_residual_kw

TOL = 1e-6


def assert_store_invariants(inp, r, tol=TOL):
    """Every step balances; every store's SOC stays in [min, max]·capacity and follows its recursion."""
    t = r.totals
    assert np.abs(balance_residual_kw(t)).max() <= tol
    for name, values in t.items():
        assert values.min() >= -tol, name
    s, dt_h = inp.stores, inp.step_hours
    soc, ch, dis = r.store_soc_kwh, r.store_charge_kw, r.store_discharge_kw
    assert soc.shape == ch.shape == dis.shape == (inp.n_steps, s.n)
    assert ch.min(initial=0.0) >= -tol and dis.min(initial=0.0) >= -tol
    assert (soc >= s.min_kwh - tol).all() and (soc <= s.max_kwh + tol).all()
    # power caps, and nothing flows while a store is away
    assert (ch <= s.charge_power_kw * s.available + tol).all()
    assert (dis <= s.discharge_power_kw * s.available + tol).all()
    # e(t) = e(t-1) + η_c·ch·Δt − dis·Δt/η_d − trip energy used (0 ≤ used ≤ trip_kwh)
    # both dispatches start at initial_soc_ratio (the LP ends each store at least there, or cyclic if asked)
    cyclic = r.method == "optimal" and inp.storage_end == "cyclic"
    prev = np.roll(soc, 1, axis=0) if cyclic else np.vstack([s.initial_kwh[None, :], soc[:-1]])
    if r.method == "optimal" and not cyclic:
        assert (soc[-1] >= np.minimum(s.initial_kwh, s.max_kwh) - tol).all()
    used = prev + ch * s.charge_efficiency * dt_h - dis * dt_h / s.discharge_efficiency - soc
    assert (used >= -tol).all() and (used <= s.trip_kwh + tol).all()
    if r.method == "optimal":  # the LP takes every trip in full
        np.testing.assert_allclose(used, s.trip_kwh, atol=tol)
    # district totals split stores by kind
    ev = s.kind == "ev"
    np.testing.assert_allclose(t["battery_soc_kwh"], soc[:, ~ev].sum(axis=1), atol=tol)
    np.testing.assert_allclose(t["ev_soc_kwh"], soc[:, ev].sum(axis=1), atol=tol)
    np.testing.assert_allclose(t["battery_charge_kw"], ch[:, ~ev].sum(axis=1), atol=tol)
    np.testing.assert_allclose(t["ev_discharge_kw"], dis[:, ev].sum(axis=1), atol=tol)
    np.testing.assert_allclose(t["battery_discharge_kw"], dis.sum(axis=1), atol=tol)
