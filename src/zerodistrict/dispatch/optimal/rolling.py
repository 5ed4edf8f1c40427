"""Rolling horizon: solve windows of H hours, keep 24 h of each, carry the states of charge."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from zerodistrict.analysis.emissions import co2_kg
from zerodistrict.dispatch.common import DispatchInputs, DispatchResult, StorageArrays
from zerodistrict.dispatch.optimal.model import OptimalModel, _build
from zerodistrict.dispatch.optimal.problem import (
    CRITICAL_PENALTY_MULTIPLE,
    ROLLING_KEEP_HOURS,
    Objective,
    _problem,
    value_of_lost_load,
)
from zerodistrict.errors import InputError, SolverError



def _window(inputs: DispatchInputs, start: int, stop: int, soc: dict[str, np.ndarray]) -> DispatchInputs:
    """Steps ``start:stop`` of ``inputs``, storage starting from the energies in ``soc`` [kWh]."""
    sl = slice(start, stop)

    def ratio(b: StorageArrays, kwh: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(b.capacity_kwh > 0, kwh / np.where(b.capacity_kwh > 0, b.capacity_kwh, 1.0), 0.0)

    ev = inputs.evs
    return replace(
        inputs,
        index=inputs.index[sl], load_kw=inputs.load_kw[sl], pv_kw=inputs.pv_kw[sl],
        home_batteries=replace(inputs.home_batteries,
                               initial_soc_ratio=ratio(inputs.home_batteries, soc["home"]).round(12)),
        community_battery=replace(inputs.community_battery,
                                  initial_soc_ratio=ratio(inputs.community_battery, soc["battery"])),
        evs=replace(ev, initial_soc_ratio=ratio(ev, soc["ev"]), available=ev.available[sl], trip_kwh=ev.trip_kwh[sl]),
        mobility_load_kw=inputs.mobility_load_kw[sl], grid_available=inputs.grid_available[sl],
        import_price=inputs.import_price[sl], export_price=inputs.export_price[sl],
        emission_factor_kg_per_kwh=inputs.emission_factor_kg_per_kwh[sl],
        outage=None if inputs.outage is None else inputs.outage[sl],
    )


def _concat(parts: list[DispatchResult], inputs: DispatchInputs, objective: float) -> DispatchResult:
    cat = lambda xs: np.concatenate(xs, axis=0)  # noqa: E731
    first = parts[0]
    return DispatchResult(
        index=inputs.index,
        step_hours=first.step_hours,
        totals={k: cat([r.totals[k] for r in parts]) for k in first.totals},
        home_import_kw=cat([r.home_import_kw for r in parts]),
        home_export_kw=cat([r.home_export_kw for r in parts]),
        home_unserved_kw=cat([r.home_unserved_kw for r in parts]),
        home_totals_kwh={k: sum(r.home_totals_kwh[k] for r in parts) for k in first.home_totals_kwh},
        home_soc_kwh=cat([r.home_soc_kwh for r in parts]),
        community_soc_kwh=cat([r.community_soc_kwh for r in parts]),
        ev_soc_kwh=cat([r.ev_soc_kwh for r in parts]),
        method="optimal",
        objective=objective,
        notes=[n for r in parts for n in r.notes],
    )


def objective_value(inputs: DispatchInputs, result: DispatchResult, objective: Objective = "cost",
                    voll: float | None = None) -> float:
    """The LP objective of a dispatch's flows [currency or kg], unserved penalty included."""
    dt = inputs.step_hours
    tot = result.totals
    voll = value_of_lost_load(inputs, objective) if voll is None else voll
    if objective == "co2":
        energy = co2_kg(tot["grid_import_kw"], inputs.emission_factor_kg_per_kwh, dt)
    else:
        energy = float(((tot["grid_import_kw"] * inputs.import_price)
                        - tot["grid_export_kw"] * inputs.export_price).sum() * dt)
    critical = float(tot["critical_unserved_kw"].sum() * dt)
    other = float(tot["unserved_kw"].sum() * dt) - critical
    return energy + voll * other + CRITICAL_PENALTY_MULTIPLE * voll * critical


def _steps(hours: float, step_hours: float, what: str) -> int:
    n = hours / step_hours
    if abs(n - round(n)) > 1e-9:
        raise InputError(f"{what} {hours} h is not a whole number of {step_hours} h steps")
    return int(round(n))


def _rolling(inputs: DispatchInputs, objective: Objective, horizon_hours: float, aggregate: bool,
             solver_options: dict | None) -> DispatchResult:
    """Solve windows of ``horizon_hours``, keep 24 h of each, carry the states of charge."""
    if horizon_hours < ROLLING_KEEP_HOURS:
        raise InputError(f"horizon_hours must be at least {ROLLING_KEEP_HOURS:g}, got {horizon_hours}")
    dt = inputs.step_hours
    n_keep = _steps(ROLLING_KEEP_HOURS, dt, "the kept part of a window")
    n_win = _steps(horizon_hours, dt, "horizon_hours")
    voll = value_of_lost_load(inputs, objective)
    n_cb = inputs.community_battery.n
    initial = {"home": inputs.home_batteries.initial_kwh, "battery": inputs.community_battery.initial_kwh,
               "ev": inputs.evs.initial_kwh}
    soc = dict(initial)
    parts = []
    start = 0
    while start < inputs.n_steps:
        stop = min(start + n_win, inputs.n_steps)
        last = stop == inputs.n_steps
        floor = initial if last else {k: np.minimum(initial[k], soc[k]) for k in initial}
        window = _window(inputs, start, stop, soc)
        terminal = {"home": floor["home"], "community": np.concatenate([floor["battery"], floor["ev"]])}
        p = _problem(window, objective, aggregate, voll=voll, cyclic=False, terminal=terminal)
        om = OptimalModel(window, p, _build(p))
        try:
            om.solve(solver_options)
        except SolverError as err:
            raise SolverError(f"rolling horizon window from step {start} ({inputs.index[start]}): {err}",
                              err.status, err.termination_condition) from err
        keep = stop - start if last else n_keep
        part = om._result(keep=keep)
        parts.append(part)
        soc = {"home": part.home_soc_kwh[-1], "battery": part.community_soc_kwh[-1:] if n_cb else np.zeros(0),
               "ev": part.ev_soc_kwh[-1]}
        start += keep
    result = _concat(parts, inputs, 0.0)
    result.objective = objective_value(inputs, result, objective, voll)
    result.notes.append(f"rolling horizon: {horizon_hours} h windows, {ROLLING_KEEP_HOURS:g} h kept from each")
    return result
