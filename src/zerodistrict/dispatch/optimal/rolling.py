"""Rolling horizon: solve windows of H hours, keep 24 h of each, carry the states of charge.

Windows of one structure share one HiGHS model whose data change from window to window
(:mod:`~zerodistrict.dispatch.optimal.window`); a window of another structure (the last,
shorter one, say) builds its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from zerodistrict.analysis.emissions import co2_kg
from zerodistrict.dispatch.common import DispatchInputs, DispatchResult
from zerodistrict.dispatch.optimal.hydrogen import grey_cost
from zerodistrict.dispatch.optimal.extract import _result
from zerodistrict.dispatch.optimal.model import OptimalModel, _build
from zerodistrict.dispatch.optimal.problem import (
    CRITICAL_PENALTY_MULTIPLE,
    NOISE_KW,
    ROLLING_KEEP_HOURS,
    Objective,
    _problem,
    value_of_lost_load,
)
from zerodistrict.dispatch.optimal.solve import INFEASIBLE
from zerodistrict.dispatch.optimal.window import WindowLP, structure
from zerodistrict.errors import InputError, SolverError

def _window(inputs: DispatchInputs, start: int, stop: int, soc_kwh: np.ndarray) -> DispatchInputs:
    """Steps ``start:stop`` of ``inputs``, each store starting from its energy in ``soc_kwh`` (n,) [kWh]."""
    sl = slice(start, stop)
    stores = inputs.stores
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(stores.capacity_kwh > 0,
                         soc_kwh / np.where(stores.capacity_kwh > 0, stores.capacity_kwh, 1.0), 0.0)
    # home stores: rounded so that stores of one battery class stay in one class
    ratio = np.where(stores.at_community, ratio, ratio.round(12))
    return replace(
        inputs,
        index=inputs.index[sl], load_kw=inputs.load_kw[sl], pv_kw=inputs.pv_kw[sl],
        stores=replace(stores.window(start, stop), initial_soc_ratio=ratio),
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
        store_soc_kwh=cat([r.store_soc_kwh for r in parts]),
        method="optimal",
        objective=objective,
        notes=[n for r in parts for n in r.notes],
        store_charge_kw=cat([r.store_charge_kw for r in parts]),
        store_discharge_kw=cat([r.store_discharge_kw for r in parts]),
        store_unserved_kwh=cat([r.store_unserved_kwh for r in parts]),
    )


def objective_value(inputs: DispatchInputs, result: DispatchResult, objective: Objective = "energy_cost",
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
    energy += grey_cost(inputs, result.store_unserved_kwh, objective)  # hydrogen offtake bought
    critical = float(tot["critical_unserved_kw"].sum() * dt)
    other = float(tot["unserved_kw"].sum() * dt) - critical
    return energy + voll * other + CRITICAL_PENALTY_MULTIPLE * voll * critical


def _steps(hours: float, step_hours: float, what: str) -> int:
    n = hours / step_hours
    if abs(n - round(n)) > 1e-9:
        raise InputError(f"{what} {hours} h is not a whole number of {step_hours} h steps")
    return int(round(n))


@dataclass
class _Window:
    """One solved window: its first step, its kept part of the dispatch, and its LP objective (tie-break included)."""

    start: int
    part: DispatchResult
    lp_objective: float


def _windows(inputs: DispatchInputs, objective: Objective, horizon_hours: float, aggregate: bool,
             solver_options: dict | None, voll: float, reuse: bool = True, warm: bool = True) -> Iterator[_Window]:
    """Solve the windows in turn, each starting from the states of charge the last one kept.

    ``reuse``: windows of one structure share one HiGHS model whose data change (:mod:`.window`), each
    solve starting from the last basis (``warm``; without it each solve starts afresh); otherwise every
    window builds its linopy model afresh. A district with a hydrogen chain always rebuilds: the reused
    model's data update (:mod:`.window`) does not cover the tank's losses and the grey hydrogen bought.
    """
    reuse = reuse and inputs.hydrogen is None
    dt = inputs.step_hours
    n_keep = _steps(ROLLING_KEEP_HOURS, dt, "the kept part of a window")
    n_win = _steps(horizon_hours, dt, "horizon_hours")
    initial = inputs.stores.initial_kwh
    soc = initial
    lp: WindowLP | None = None
    start = 0
    while start < inputs.n_steps:
        stop = min(start + n_win, inputs.n_steps)
        last = stop == inputs.n_steps
        keep = stop - start if last else n_keep
        window = _window(inputs, start, stop, soc)
        floors = [initial, np.minimum(initial, soc)] if last else [np.minimum(initial, soc)]
        for k, floor in enumerate(floors):
            p = _problem(window, objective, aggregate, voll=voll, cyclic=False, terminal_kwh=floor)
            try:
                if reuse:
                    if lp is None or lp.key != structure(p):
                        lp = WindowLP(p, solver_options, warm)
                    solved = lp.solve(p)
                    part, lp_objective = _result(window, p, solved, keep=keep), solved.objective
                else:
                    om = OptimalModel(window, p, _build(p))
                    om.solve(solver_options)
                    part, lp_objective = om._result(keep=keep), float(om.model.objective.value)
                break
            except SolverError as err:
                if k + 1 < len(floors) and err.termination_condition in INFEASIBLE:
                    lp = None  # HiGHS's model holds the failed window's data: the next one builds afresh
                    continue  # the last window cannot bring every store back: end where the window started
                raise SolverError(f"rolling horizon window from step {start} ({inputs.index[start]}): {err}",
                                  err.status, err.termination_condition) from err
        if last and k == 1:
            short = np.maximum(initial - part.store_soc_kwh[-1], 0.0)
            names = [n for n, d in zip(inputs.stores.name, short) if d > NOISE_KW]
            part.notes.append(
                f"rolling horizon: the last {(stop - start) * dt:g} h could not bring every store back to its "
                f"energy at the start of the period, so they ended at least where that window started; "
                f"{short.sum():,.1f} kWh short in all ({', '.join(names) or 'none in the end'})")
        yield _Window(start, part, lp_objective)
        soc = part.store_soc_kwh[-1]
        start += keep


def _rolling(inputs: DispatchInputs, objective: Objective, horizon_hours: float, aggregate: bool,
             solver_options: dict | None, reuse: bool = True) -> DispatchResult:
    """Solve windows of ``horizon_hours``, keep 24 h of each, carry the states of charge.

    A window cannot see a month, so ``bill`` minimises the energy cost at the step prices (noted).
    ``reuse=False`` rebuilds every window's model (the reference the reused model is tested against).
    """
    notes = []
    if objective == "bill":
        objective = "energy_cost"
        if inputs.tariff is not None:
            notes.append("rolling horizon: windows do not see monthly tiers or net metering; "
                         "the energy cost at each step's marginal price was minimised instead of the bill")
    if horizon_hours < ROLLING_KEEP_HOURS:
        raise InputError(f"horizon_hours must be at least {ROLLING_KEEP_HOURS:g}, got {horizon_hours}")
    voll = value_of_lost_load(inputs, objective)
    parts = [w.part for w in _windows(inputs, objective, horizon_hours, aggregate, solver_options, voll, reuse)]
    result = _concat(parts, inputs, 0.0)
    result.objective = objective_value(inputs, result, objective, voll)
    result.notes.append(f"rolling horizon: {horizon_hours} h windows, {ROLLING_KEEP_HOURS:g} h kept from each")
    result.notes.extend(notes)
    return result
