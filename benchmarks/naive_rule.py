"""The CEMS rules written plainly — a Python loop over steps *and* homes.

The peer of :mod:`zerodistrict.dispatch.rule` in the benchmark (what a
first implementation looks like) and an independent cross-check in the tests:
same order of rules, no numpy inside the loop. Covers homes, their batteries,
sharing with line loss, the community batteries (in list order) and the grid;
not EVs, outages or mobility load.
"""

from __future__ import annotations

import numpy as np


def naive_rule(inputs) -> dict[str, np.ndarray]:
    """District totals per step [kW] and each store's state of charge [kWh] (``store_soc_kwh``), by plain loops."""
    n_t, n_h = inputs.load_kw.shape
    dt = inputs.step_hours
    stores = inputs.stores
    slot = [-1] * n_h  # each home's store
    bus = []  # the community batteries, in order
    for i in range(stores.n):
        if stores.location[i] >= 0:
            slot[stores.location[i]] = i
        else:
            bus.append(i)
    cap = [float(c) for c in stores.capacity_kwh]
    p_in = [float(p) if c > 0 else 0.0 for p, c in zip(stores.charge_power_kw, cap)]
    p_out = [float(p) if c > 0 else 0.0 for p, c in zip(stores.discharge_power_kw, cap)]
    soc = [float(x) for x in stores.initial_kwh]
    keep = 1.0 - inputs.line_loss_ratio
    names = ("grid_import_kw", "grid_export_kw", "curtailed_kw", "unserved_kw", "shared_kw",
             "battery_charge_kw", "battery_discharge_kw")
    out = {k: np.zeros(n_t) for k in names}
    store_soc = np.zeros((n_t, stores.n))
    for t in range(n_t):
        surplus, deficit = [], []
        for h in range(n_h):
            net = inputs.pv_kw[t, h] - inputs.load_kw[t, h]
            surplus.append(max(net, 0.0))
            deficit.append(max(-net, 0.0))
        bat_dis = 0.0
        for h in range(n_h):  # own battery serves own deficit
            i = slot[h]
            if i < 0:
                continue
            kw = min(deficit[h], p_out[i], max(soc[i] - stores.min_kwh[i], 0.0) * stores.discharge_efficiency[i] / dt)
            soc[i] -= kw * dt / stores.discharge_efficiency[i]
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
            i = slot[h]
            if i < 0:
                continue
            kw = min(surplus[h], p_in[i], (cap[i] - soc[i]) / (stores.charge_efficiency[i] * dt))
            kw = max(kw, 0.0)
            soc[i] += kw * stores.charge_efficiency[i] * dt
            surplus[h] -= kw
            bat_ch += kw
        S, D = sum(surplus), sum(deficit)
        if inputs.sharing:
            S *= keep  # what homes send into the line reaches the bus less the loss
        if inputs.sharing:
            for i in bus:  # community batteries in order: charge from what reaches the bus
                kw = max(min(S, p_in[i], (cap[i] - soc[i]) / (stores.charge_efficiency[i] * dt)), 0.0)
                soc[i] += kw * stores.charge_efficiency[i] * dt
                S -= kw
                bat_ch += kw
            for i in bus:  # then serve what the homes still lack
                kw = min(D, p_out[i], max(soc[i] - stores.min_kwh[i], 0.0) * stores.discharge_efficiency[i] / dt)
                soc[i] -= kw * dt / stores.discharge_efficiency[i]
                D -= kw
                bat_dis += kw
        for i in range(stores.n):
            store_soc[t, i] = soc[i]
        grid = bool(inputs.grid_available[t])
        imp = min(D, inputs.import_limit_kw) if grid else 0.0
        exp = min(S, inputs.export_limit_kw) if (grid and inputs.export_allowed) else 0.0
        out["grid_import_kw"][t] = imp
        out["unserved_kw"][t] = D - imp
        out["grid_export_kw"][t] = exp
        out["curtailed_kw"][t] = (S - exp) / keep if inputs.sharing else S - exp  # curtailed at the homes
        out["battery_charge_kw"][t] = bat_ch
        out["battery_discharge_kw"][t] = bat_dis
    out["store_soc_kwh"] = store_soc
    return out
