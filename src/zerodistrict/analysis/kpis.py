"""KPIs and the per-home table of a dispatch: statistics computed from results, never inside dispatch code.

Ratios
------
``self_consumption_ratio`` (PV used in the district / PV) and
``self_sufficiency_ratio`` (demand not met by the grid nor left unserved /
demand) are shares of a total. The demand is the baseline's
(:func:`baseline_demand_kw`): the homes' load, the mobility stations'
charging and the energy the community EVs' trips take. Energy a
bidirectional EV takes in and gives back to the homes is storage, as in a
battery, not demand: counting the EVs' gross charging let cycling PV
through them raise the ratio (Misono's two V2H EVs: 0.601 against 0.582 over
2025 by the optimal dispatch), and no sizing target could hold such a ratio
exactly. Both are computed from net flows, which keeps
them ≤ 1 (every flow is ≥ 0, so the part never exceeds its total) but lets
them fall below 0 when storage charged from the grid loses more energy than
PV brings in (possible in the optimal dispatch, whose batteries may
grid-charge; the rule CEMS never grid-charges stationary batteries). A
negative net share means "none", so these two are floored at 0 — the only
clipping here. ``co2_reduction_ratio`` is not a share: a design that emits
more CO2 than its baseline reports a negative reduction
(:func:`zerodistrict.analysis.emissions.co2_summary`).

Periods and baselines
---------------------
Every sum is over the run's period (``period_days``, derived from the index),
not a year unless the period is one. The baseline is the same district with
no PV and no batteries, buying from the grid what it would consume
(:func:`baseline_demand_kw`): the homes' simulated load, the mobility
stations' charging, and the community EVs' trip energy charged from the grid
when they come back. So a design without PV and without storage has exactly
its baseline's CO2 and cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zerodistrict.analysis.economics import period_days
from zerodistrict.analysis.emissions import co2_summary
from zerodistrict.dispatch.common import DispatchInputs, DispatchResult, Stores, storage_change_kwh
from zerodistrict.results.result import Kpis


def _share(part: float, total: float) -> float:
    """part/total floored at 0 (see the module docstring); 0 when there is no total.

    ``part ≤ total`` holds by construction for both callers (the part is the
    total less flows ≥ 0), so no upper clip is needed.
    """
    if total <= 0:
        return 0.0
    return float(max(part / total, 0.0))


def ev_baseline_charge_kw(stores: Stores, step_hours: float) -> np.ndarray:
    """(t,) grid power the EVs would draw without the design: each trip recharged on return [kW].

    Uncontrolled charging: a trip's energy at the plug, ``trip_kwh / charge_efficiency``,
    is owed from the step it leaves and charged at the charger's full power at every
    step the car is back at its charger until repaid. With N(t) the cumulative energy
    owed and P(t) the cumulative charger capacity of the available steps, the energy
    charged by the end of step t is C(t) = P(t) + min(0, min_{s≤t} (N(s) − P(s)))
    (the closed form of C(t) = min(N(t), C(t−1) + p·Δt·available(t))).
    Energy still owed at the end of the period is not charged within it.
    """
    ev = stores.kind == "ev"
    n_t = stores.trip_kwh.shape[0]
    if not ev.any() or not stores.trip_kwh[:, ev].any():
        return np.zeros(n_t)
    owed = np.cumsum(stores.trip_kwh[:, ev] / stores.charge_efficiency[ev], axis=0)  # N(t)
    capacity = np.cumsum(stores.available[:, ev] * (stores.charge_power_kw[ev] * step_hours), axis=0)  # P(t)
    charged = capacity + np.minimum(np.minimum.accumulate(owed - capacity, axis=0), 0.0)  # C(t)
    charged = np.minimum(charged, owed)  # = C(t) exactly once repaid (no rounding residue after)
    return np.diff(charged, axis=0, prepend=0.0).sum(axis=1) / step_hours


def baseline_demand_kw(inputs: DispatchInputs) -> np.ndarray:
    """(t,) what the district would import with no PV and no batteries [kW].

    The homes' simulated load (not their nominal ``annual_kwh``), the mobility
    stations' charging, and the community EVs' trips recharged from the grid on
    return (:func:`ev_baseline_charge_kw`): the EVs still make their trips, but
    store nothing for the homes. Line losses are left out: with nothing to
    share, nothing flows on the private line.
    """
    return (inputs.load_kw.sum(axis=1) + inputs.mobility_load_kw
            + ev_baseline_charge_kw(inputs.stores, inputs.step_hours))


def compute_kpis(inputs: DispatchInputs, result: DispatchResult, scenario_name: str, pv_kwp: float) -> Kpis:
    """KPIs of a dispatch over its period; baseline = :func:`baseline_demand_kw` bought from the grid.

    Parameters
    ----------
    inputs, result : the dispatch's arrays.
    scenario_name : str
    pv_kwp : float
        Installed PV of the district [kWp], for the specific yield.
    """
    dt_h = inputs.step_hours
    tot = {k: float(v.sum() * dt_h) for k, v in result.totals.items() if k.endswith("_kw")}
    pv_kwh = tot["pv_kw"]
    pv_used = pv_kwh - tot["grid_export_kw"] - tot["curtailed_kw"]
    baseline_kw = baseline_demand_kw(inputs)
    # self-sufficiency: share of the demand (the baseline's: loads and the EVs' trips) not met by the grid nor unserved
    demand_kwh = float(baseline_kw.sum() * dt_h)
    self_suff = _share(demand_kwh - tot["grid_import_kw"] - tot["unserved_kw"], demand_kwh)
    co2 = co2_summary(result.totals["grid_import_kw"], baseline_kw, inputs.emission_factor_kg_per_kwh, dt_h)
    cost = float((result.totals["grid_import_kw"] * inputs.import_price).sum() * dt_h)
    revenue = float((result.totals["grid_export_kw"] * inputs.export_price).sum() * dt_h)
    cost_base = float((baseline_kw * inputs.import_price).sum() * dt_h)
    outage_steps = int(inputs.outage.sum()) if inputs.outage is not None else 0
    idx = inputs.index
    space = {}
    if inputs.heating_kw is not None and inputs.cooling_kw is not None:
        heat_kwh, cool_kwh = float(inputs.heating_kw.sum() * dt_h), float(inputs.cooling_kw.sum() * dt_h)
        space = {"heating_kwh": heat_kwh, "cooling_kwh": cool_kwh,
                 "space_conditioning_ratio": _share(heat_kwh + cool_kwh, tot["load_kw"])}
    return Kpis(
        scenario=scenario_name,
        dispatch=result.method,
        n_homes=inputs.n_homes,
        period_start=idx[0].isoformat(),
        period_end=(idx[-1] + pd.Timedelta(hours=dt_h)).isoformat(),
        step_minutes=int(round(dt_h * 60)),
        period_days=period_days(idx, dt_h),
        load_kwh=tot["load_kw"],
        ev_charge_kwh=tot["ev_charge_kw"],
        pv_kwp=pv_kwp,
        pv_generation_kwh=pv_kwh,
        pv_specific_yield_kwh_per_kwp=pv_kwh / pv_kwp if pv_kwp > 0 else 0.0,
        grid_import_kwh=tot["grid_import_kw"],
        grid_export_kwh=tot["grid_export_kw"],
        shared_kwh=tot["shared_kw"],
        battery_charge_kwh=tot["battery_charge_kw"],
        battery_discharge_kwh=tot["battery_discharge_kw"],
        curtailed_kwh=tot["curtailed_kw"],
        unserved_kwh=tot["unserved_kw"],
        critical_unserved_kwh=tot.get("critical_unserved_kw", 0.0),
        outage_hours=outage_steps * dt_h,
        self_consumption_ratio=_share(pv_used, pv_kwh),
        self_sufficiency_ratio=self_suff,
        co2_kg=co2.co2_kg,
        co2_baseline_kg=co2.co2_baseline_kg,
        co2_reduction_ratio=co2.co2_reduction_ratio,
        energy_cost=cost,
        export_revenue=revenue,
        net_energy_cost=cost - revenue,
        net_energy_cost_baseline=cost_base,
        currency=inputs.currency,
        storage_change_kwh=storage_change_kwh(inputs, result),
        **space,
    )


def homes_table(inputs: DispatchInputs, result: DispatchResult) -> pd.DataFrame:
    """One row per home with its period sums [kWh] and ratios."""
    dt_h = inputs.step_hours
    load = inputs.load_kw.sum(axis=0) * dt_h
    pv = inputs.pv_kw.sum(axis=0) * dt_h
    imp = result.home_import_kw.sum(axis=0) * dt_h
    exp = result.home_export_kw.sum(axis=0) * dt_h
    unserved = result.home_unserved_kw.sum(axis=0) * dt_h
    ht = result.home_totals_kwh
    groups = np.asarray(inputs.group_names, dtype=object)[inputs.home_group]
    with np.errstate(divide="ignore", invalid="ignore"):
        self_suff = np.where(load > 0, 1.0 - (imp + unserved) / load, 0.0)
    df = pd.DataFrame(
        {
            "home": np.arange(inputs.n_homes),
            "group": groups,
            "load_kwh": load,
            "pv_generation_kwh": pv,
            "grid_import_kwh": imp,
            "grid_export_kwh": exp,
            "shared_in_kwh": ht.get("shared_in", np.zeros(inputs.n_homes)),
            "shared_out_kwh": ht.get("shared_out", np.zeros(inputs.n_homes)),
            "battery_charge_kwh": ht.get("battery_charge", np.zeros(inputs.n_homes)),
            "battery_discharge_kwh": ht.get("battery_discharge", np.zeros(inputs.n_homes)),
            "curtailed_kwh": ht.get("curtailed", np.zeros(inputs.n_homes)),
            "unserved_kwh": unserved,
            "self_sufficiency_ratio": np.maximum(self_suff, 0.0),  # ≤ 1 by construction; floored as in compute_kpis
            "energy_cost": (result.home_import_kw * inputs.import_price[:, None]).sum(axis=0) * dt_h,
            "export_revenue": (result.home_export_kw * inputs.export_price[:, None]).sum(axis=0) * dt_h,
        }
    )
    return df
