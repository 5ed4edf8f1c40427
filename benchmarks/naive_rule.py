"""The CEMS rules written plainly — a Python loop over steps *and* homes.

The peer of :mod:`zerodistrict.dispatch.rule` in the benchmark (what a
first implementation looks like) and an independent cross-check in the tests:
same order of rules, no numpy inside the loop. Covers homes, their batteries,
sharing with line loss, the community battery and the grid; not EVs,
outages or mobility load.
"""

from __future__ import annotations

import numpy as np


def naive_rule(inputs) -> dict[str, np.ndarray]:
    """District totals per step [kW] and home states of charge [kWh], by plain loops."""
    n_t, n_h = inputs.load_kw.shape
    dt = inputs.step_hours
    hb, cb = inputs.home_batteries, inputs.community_battery
    soc = [float(x) for x in hb.initial_kwh]
    c_soc = float(cb.initial_kwh[0]) if cb.n else 0.0
    keep = 1.0 - inputs.line_loss_ratio
    names = ("grid_import_kw", "grid_export_kw", "curtailed_kw", "unserved_kw", "shared_kw",
             "battery_charge_kw", "battery_discharge_kw")
    out = {k: np.zeros(n_t) for k in names}
    home_soc = np.zeros((n_t, n_h))
    for t in range(n_t):
        surplus, deficit = [], []
        for h in range(n_h):
            net = inputs.pv_kw[t, h] - inputs.load_kw[t, h]
            surplus.append(max(net, 0.0))
            deficit.append(max(-net, 0.0))
        bat_dis = 0.0
        for h in range(n_h):  # own battery serves own deficit
            p = hb.power_kw[h] if hb.capacity_kwh[h] > 0 else 0.0
            kw = min(deficit[h], p, max(soc[h] - hb.min_kwh[h], 0.0) * hb.discharge_efficiency[h] / dt)
            soc[h] -= kw * dt / hb.discharge_efficiency[h]
            deficit[h] -= kw
            bat_dis += kw
        S, D = sum(surplus), sum(deficit)
        if inputs.sharing and S > 0 and D > 1e-12:
            sent = min(S, D / keep)
            for h in range(n_h):
                surplus[h] -= surplus[h] * sent / S
                deficit[h] -= deficit[h] * sent * keep / D
            out["shared_kw"][t] = sent * keep
        bat_ch = 0.0
        for h in range(n_h):  # own battery takes own surplus
            p = hb.power_kw[h] if hb.capacity_kwh[h] > 0 else 0.0
            kw = min(surplus[h], p, (hb.capacity_kwh[h] - soc[h]) / (hb.charge_efficiency[h] * dt))
            kw = max(kw, 0.0)
            soc[h] += kw * hb.charge_efficiency[h] * dt
            surplus[h] -= kw
            bat_ch += kw
            home_soc[t, h] = soc[h]
        S, D = sum(surplus), sum(deficit)
        if inputs.sharing:
            S *= keep  # what homes send into the line reaches the bus less the loss
        if inputs.sharing and cb.n:
            kw = min(S, cb.power_kw[0], (cb.capacity_kwh[0] - c_soc) / (cb.charge_efficiency[0] * dt))
            c_soc += kw * cb.charge_efficiency[0] * dt
            S -= kw
            bat_ch += kw
            kw = min(D, cb.power_kw[0], max(c_soc - cb.min_kwh[0], 0.0) * cb.discharge_efficiency[0] / dt)
            c_soc -= kw * dt / cb.discharge_efficiency[0]
            D -= kw
            bat_dis += kw
        grid = bool(inputs.grid_available[t])
        imp = min(D, inputs.import_limit_kw) if grid else 0.0
        exp = min(S, inputs.export_limit_kw) if (grid and inputs.export_allowed) else 0.0
        out["grid_import_kw"][t] = imp
        out["unserved_kw"][t] = D - imp
        out["grid_export_kw"][t] = exp
        out["curtailed_kw"][t] = (S - exp) / keep if inputs.sharing else S - exp  # curtailed at the homes
        out["battery_charge_kw"][t] = bat_ch
        out["battery_discharge_kw"][t] = bat_dis
    out["home_soc_kwh"] = home_soc
    return out
