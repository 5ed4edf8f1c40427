"""Hydrogen from a dispatch: mass flows per step, the mass balance, and the hydrogen KPIs.

Flows of the stores of kind ``hydrogen`` (energy = hydrogen LHV, see
:class:`~zerodistrict.dispatch.common.HydrogenInputs`), in kg per step, summed over
hydrogen stores:

- produced ``P(t) = η_c·ch(t)·Δt / LHV`` (electrolyser AC input ``ch``);
- offtake demand ``D(t) = trip(t) / LHV``; served ``S(t) = D(t) − U(t)`` where ``U`` is
  the dispatch's ``store_unserved_kwh`` / LHV, bought as delivered grey hydrogen;
- fuel cell use ``F(t) = dis(t)·Δt / (η_d·LHV)``;
- standing loss ``L(t) = (1 − r)·m(t−1)`` of the mass stored at the end of the step before
  (``m(−1)`` = initial);

and the mass balance of every step is ``P(t) = S(t) + F(t) + [m(t) − m(t−1)] + L(t)``.

KPIs (sums over the run's period):

- ``hydrogen_produced_kg`` = ΣP, ``hydrogen_demand_kg`` = ΣD, ``hydrogen_served_ratio`` = ΣS / ΣD;
- ``electrolyser_full_load_hours`` = Σ ch·Δt / rated kW;
- ``lcoh_per_kg``: (annuity of the electrolyser, tank and fuel cell capex at the appraisal's
  discount rate over each one's life, plus O&M at ``economics.om_ratio_per_year`` of capex,
  both for the period's share of a year, plus the electricity the electrolyser used at its
  price) / ΣP. Electricity: the part drawn from the grid (the step's import, up to the
  electrolyser's input: :func:`grid_part_kw`) at the import price, the rest — district PV — at the
  export price it could have earned (0 without export);
- ``hydrogen_co2_avoided_kg`` = ΣS × grey CO2 factor − grid CO2 of the electrolyser's grid part.

Simplification: the grid part is the import of the same step. Import shifted in time — PV that a
battery would have stored for the homes' night going to the electrolyser instead, the homes then
importing at night — is not charged to the hydrogen; compare ``co2_kg`` with a run without
``community.hydrogen`` for the whole effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult


@dataclass
class HydrogenFlows:
    """(t,) mass flows of the hydrogen stores [kg per step] and the mass stored at the end of each step [kg]."""

    produced_kg: np.ndarray
    demand_kg: np.ndarray
    served_kg: np.ndarray
    fuel_cell_kg: np.ndarray
    loss_kg: np.ndarray
    stored_kg: np.ndarray
    initial_kg: float
    electrolyser_kw: np.ndarray  # (t,) AC input
    rated_kw: float


def hydrogen_flows(inputs: DispatchInputs, result: DispatchResult) -> HydrogenFlows | None:
    """Mass flows of the hydrogen stores; None without hydrogen stores or without ``inputs.hydrogen``."""
    h = inputs.hydrogen
    s = inputs.stores
    cols = np.flatnonzero(s.kind == "hydrogen")
    if h is None or cols.size == 0:
        return None
    dt, lhv = inputs.step_hours, h.lhv_kwh_per_kg
    ch = result.store_charge_kw[:, cols]
    dis = result.store_discharge_kw[:, cols]
    soc = result.store_soc_kwh[:, cols]
    unserved = (np.zeros_like(ch) if result.store_unserved_kwh is None else result.store_unserved_kwh[:, cols])
    trip = s.trip_kwh[:, cols]
    prev = np.vstack([s.initial_kwh[cols][None, :], soc[:-1]])
    loss = prev * np.asarray(h.loss_ratio_per_step, dtype=float)[None, :]
    return HydrogenFlows(
        produced_kg=(ch * s.charge_efficiency[cols]).sum(axis=1) * dt / lhv,
        demand_kg=trip.sum(axis=1) / lhv,
        served_kg=(trip - unserved).sum(axis=1) / lhv,
        fuel_cell_kg=(dis / s.discharge_efficiency[cols]).sum(axis=1) * dt / lhv,
        loss_kg=loss.sum(axis=1) / lhv,
        stored_kg=soc.sum(axis=1) / lhv,
        initial_kg=float(s.initial_kwh[cols].sum() / lhv),
        electrolyser_kw=ch.sum(axis=1),
        rated_kw=float(s.charge_power_kw[cols].sum()),
    )


def mass_balance_residual_kg(f: HydrogenFlows) -> np.ndarray:
    """(t,) ``P − S − F − Δm − L`` of every step [kg]; zero when the hydrogen balances."""
    change = np.diff(f.stored_kg, prepend=f.initial_kg)
    return f.produced_kg - f.served_kg - f.fuel_cell_kg - change - f.loss_kg


def annuity_factor(rate: float, years: int) -> float:
    """Capital recovery factor ``r(1+r)^n / ((1+r)^n − 1)`` (``1/n`` at r = 0) [1/yr]."""
    if rate == 0:
        return 1.0 / years
    g = (1.0 + rate) ** years
    return rate * g / (g - 1.0)


def grid_part_kw(result: DispatchResult, f: HydrogenFlows) -> np.ndarray:
    """(t,) electrolyser power attributed to the grid [kW]: the step's import, up to the electrolyser's input.

    Conservative: whatever the district imports while the electrolyser runs counts as the electrolyser's
    first. Without ``grid_charging`` the LP still may send PV to the electrolyser and import for the homes
    (a shared meter cannot tell them apart); this attribution charges that import to the hydrogen.
    """
    return np.minimum(f.electrolyser_kw, result.totals["grid_import_kw"])


def hydrogen_kpis(inputs: DispatchInputs, result: DispatchResult, period_days: float, costs=None,
                  discount_rate: float | None = None, om_ratio_per_year: float = 0.0) -> dict:
    """The hydrogen KPIs (module docstring) as a dict for ``Kpis``; empty without hydrogen.

    ``costs`` (:class:`~zerodistrict.scenario.hydrogen.HydrogenCosts`, in the inputs' currency) and
    ``discount_rate`` give ``lcoh_per_kg``; without them it is left out.
    """
    f = hydrogen_flows(inputs, result)
    if f is None:
        return {}
    h = inputs.hydrogen
    dt = inputs.step_hours
    produced, demand, served = float(f.produced_kg.sum()), float(f.demand_kg.sum()), float(f.served_kg.sum())
    grid_kw = grid_part_kw(result, f)
    grid_co2 = float((grid_kw * inputs.emission_factor_kg_per_kwh).sum() * dt)
    out = {
        "hydrogen_produced_kg": produced,
        "hydrogen_demand_kg": demand,
        "hydrogen_served_ratio": served / demand if demand > 0 else None,
        "electrolyser_full_load_hours": float(f.electrolyser_kw.sum() * dt / f.rated_kw) if f.rated_kw > 0 else 0.0,
        "hydrogen_co2_avoided_kg": served * h.grey_co2_kg_per_kg - grid_co2,
    }
    if costs is not None and discount_rate is not None and produced > 0:
        s = inputs.stores
        cols = np.flatnonzero(s.kind == "hydrogen")
        el_kw = float(s.charge_power_kw[cols].sum())
        tank_kg = float(s.capacity_kwh[cols].sum() / h.lhv_kwh_per_kg)
        fc_kw = float(s.discharge_power_kw[cols].sum())
        parts = ((el_kw * costs.electrolyser_per_kw, costs.electrolyser_lifetime_years),
                 (tank_kg * costs.tank_per_kg, costs.tank_lifetime_years),
                 (fc_kw * costs.fuel_cell_per_kw, costs.fuel_cell_lifetime_years))
        years = period_days / 365.0
        capital = sum(c * (annuity_factor(discount_rate, n) + om_ratio_per_year) for c, n in parts) * years
        pv_kw = f.electrolyser_kw - grid_kw
        export_price = inputs.export_price if inputs.export_allowed else np.zeros_like(inputs.export_price)
        electricity = float((grid_kw * inputs.import_price + pv_kw * export_price).sum() * dt)
        out["lcoh_per_kg"] = (capital + electricity) / produced
    return out
