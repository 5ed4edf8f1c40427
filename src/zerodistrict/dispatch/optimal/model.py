"""The dispatch LP in linopy: variables with their bounds, one function per constraint family, the objective.

Each ``add_*`` function states its equation in its docstring. :class:`OptimalModel` holds
the problem data and the linopy model (public, so that a test or a power user can add a
constraint before solving), solves it and extracts the results; :func:`build_model`
returns just the linopy model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult
from zerodistrict.dispatch.optimal.capacity import (
    StoreCapacity,
    _Sizing,
    add_capacity_variables,
    add_line_capacity,
    add_power_capacity,
    add_soc_capacity,
    capacity_cost,
    sizing,
    solved_stores,
    unit_inputs,
)
from zerodistrict.dispatch.optimal import hydrogen as h2
from zerodistrict.dispatch.optimal.extract import _result
from zerodistrict.dispatch.optimal.problem import (
    CRITICAL_PENALTY_MULTIPLE,
    VOLL_PRICE_MULTIPLE,
    Objective,
    _Problem,
    _problem,
    _Stores,
)
from zerodistrict.dispatch.optimal.reserve import add_outage_reserve
from zerodistrict.dispatch.optimal.solve import _check, _failure_message, _quiet_native_stdout, _solve
from zerodistrict.dispatch.optimal.tariff import CreditMeter, meter_bill, regimes_apply, solve_by_regimes
from zerodistrict.errors import InputError, SolverError

#: cost per kWh sent into a lossy line or discharged from storage, as a fraction of the objective's highest
#: marginal price (assumption). It breaks a tie: surplus PV worth nothing (no export, storage full) can be
#: curtailed, or burnt as the loss of a flow into and out of one bus or of charging and discharging a store
#: at once, all at cost 0; this makes curtailing it strictly cheaper. Large enough to exceed HiGHS's dual
#: feasibility tolerance (1e-7), too small to change a real decision; the reported objective excludes it
#: (:func:`tiebreak`).
TIEBREAK_RATIO = 1e-6

# --------------------------------------------------------------------------- variables and bounds


def _da(values: np.ndarray, coords: list[pd.Index]) -> xr.DataArray:
    return xr.DataArray(values, coords=coords)


def _terms(m: linopy.Model, parts: list[tuple[str, object]], time: pd.Index | None = None,
           bus: pd.Index | None = None) -> linopy.LinearExpression:
    """``Σ_parts coef·var`` summed over every dimension but ``time`` (or over all with ``time=None``), in one step.

    ``parts`` are (variable name, coefficient); a coefficient is a scalar, a (t,) array, or a (t, n) array
    for a variable of shape (t, n); absent variables are skipped. With ``bus`` (the ``home`` index), the
    result has one row per step and bus: every variable has one column per bus, matched by position
    (``home_battery`` unit i is at bus i), and is not summed. The expression is built directly from
    the variables' labels (one xarray object instead of one alignment per ``+``), which is what makes
    the model build fast; it equals the sum of the terms written with linopy's operators.
    """
    if bus is not None:
        labels, coeffs = [], []
        for name, coef in parts:
            if name not in m.variables:
                continue
            lab = m.variables[name].labels.transpose("time", ...).values
            if lab.shape != (len(time), len(bus)):
                raise ValueError(f"{name}: shape {lab.shape}, expected one column per bus")
            c = np.asarray(coef, dtype=float)
            labels.append(lab)
            coeffs.append(np.broadcast_to(c[:, None] if c.ndim == 1 else c, lab.shape))
        data = xr.Dataset({"coeffs": (("time", "home", "_term"), np.stack(coeffs, axis=-1)),
                           "vars": (("time", "home", "_term"), np.stack(labels, axis=-1))},
                          coords={"time": time, "home": bus})
        return linopy.LinearExpression(data, m)
    labels, coeffs = [], []
    for name, coef in parts:
        if name not in m.variables:
            continue
        lab = m.variables[name].labels
        lab = lab.transpose("time", ...).values if "time" in lab.dims else lab.values
        lab = lab.reshape(lab.shape[0], -1)
        c = np.asarray(coef, dtype=float)
        c = c[:, None] if c.ndim == 1 else c
        labels.append(lab)
        coeffs.append(np.broadcast_to(c, lab.shape))
    n_t = labels[0].shape[0] if labels else 0
    lab = np.concatenate(labels, axis=1) if labels else np.zeros((0, 0), dtype=int)
    coef = np.concatenate(coeffs, axis=1) if coeffs else np.zeros((0, 0))
    if time is None:
        data = xr.Dataset({"coeffs": ("_term", coef.ravel()), "vars": ("_term", lab.ravel())})
    else:
        data = xr.Dataset({"coeffs": (("time", "_term"), coef.reshape(n_t, -1)),
                           "vars": (("time", "_term"), lab.reshape(n_t, -1))}, coords={"time": time})
    return linopy.LinearExpression(data, m)


def storage_bounds(s: _Stores, pv_at_meter_kw: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Power caps of storage units [kW] as (t, n) upper bounds of charge and discharge.

    ``0 ≤ ch_s(t) ≤ P_s·a_s(t)`` and ``0 ≤ dis_s(t) ≤ P_s·a_s(t)·b_s`` where ``P_s`` caps the
    AC input and output, ``a_s(t)`` is 1 while an EV is parked (always 1 for a battery) and
    ``b_s`` is 1 if the unit may discharge (EVs: bidirectional). With ``pv_at_meter_kw``
    (t, n) given (homes on their own meters), a unit that may not charge from the grid gets
    ``ch_s(t) ≤ PV(t)`` of its meter as a bound instead of the shared-meter constraint.
    """
    charge = s.charge_kw
    if pv_at_meter_kw is not None:
        charge = np.where(s.grid_charging[None, :], charge, np.minimum(charge, pv_at_meter_kw))
    return charge, s.discharge_kw


def _add_storage_variables(m: linopy.Model, s: _Stores, name: str, time: pd.Index,
                           pv_at_meter_kw: np.ndarray | None, z: _Sizing | None = None) -> None:
    """Charge, discharge and SOC of a storage group; SOC bounds ``min_s ≤ e_s(t) ≤ E_s``.

    With sized capacities (``z``) those bounds become the constraints of
    :mod:`~zerodistrict.dispatch.optimal.capacity`: the SOC is only ``≥ 0``, the power caps
    only the meter's PV where that applies.
    """
    if s.n == 0:
        return
    unit = pd.RangeIndex(s.n, name=name)
    if z is not None and z.power is not None:
        free = np.full(s.charge_kw.shape, np.inf)
        s = replace(s, charge_kw=free, discharge_kw=free)
    ch_ub, dis_ub = storage_bounds(s, pv_at_meter_kw)
    m.add_variables(0.0, _da(ch_ub, [time, unit]), name=f"{name}_charge")
    m.add_variables(0.0, _da(dis_ub, [time, unit]), name=f"{name}_discharge")
    ones = np.ones((time.size, 1))
    if z is not None and z.energy is not None:
        m.add_variables(0.0, coords=[time, unit], name=f"{name}_soc")
    else:
        m.add_variables(_da(ones * s.min_kwh, [time, unit]), _da(ones * s.capacity_kwh, [time, unit]),
                        name=f"{name}_soc")
    if z is not None:
        add_capacity_variables(m, name, z)


def add_variables(m: linopy.Model, p: _Problem, sized: dict[str, _Sizing] | None = None) -> None:
    """All variables with their bounds.

    - curtailment ``0 ≤ c_h(t) ≤ PV_h(t)``;
    - unserved load ``0 ≤ u_h(t) ≤ L_h(t) − L^c_h(t)``, ``0 ≤ u^c_h(t) ≤ L^c_h(t)`` (critical part),
      ``0 ≤ u^m(t) ≤ L^m(t)`` at the mobility stations;
    - grid: ``0 ≤ p_imp(t) ≤ g(t)·limit_imp`` and ``0 ≤ p_exp(t) ≤ g(t)·x·min(limit_exp, PV(t))``
      with ``g`` = grid available, ``x`` = export allowed (per meter; see module docstring);
    - line (sharing with losses): ``o_h(t), i_h(t) ≥ 0``;
    - storage: see :func:`storage_bounds` and ``min_s ≤ e_s(t) ≤ E_s``;
    - sized capacities (``sized``): see :func:`~zerodistrict.dispatch.optimal.capacity.add_capacity_variables`.
    """
    sized = sized or {}
    time = pd.RangeIndex(p.n_steps, name="time")
    bus = pd.RangeIndex(p.load_kw.shape[1], name="home")
    m.add_variables(0.0, _da(p.pv_kw, [time, bus]), name="curtail")
    m.add_variables(0.0, _da(p.load_kw - p.critical_kw, [time, bus]), name="shed")
    m.add_variables(0.0, _da(p.critical_kw, [time, bus]), name="shed_critical")
    m.add_variables(0.0, _da(p.mobility_kw, [time]), name="shed_mobility")
    meters = p.mode == "meters"
    m.add_variables(0.0, _da(p.import_ub_kw, [time]), name="grid_import")
    m.add_variables(0.0, _da(np.zeros(p.n_steps) if meters else p.export_ub_kw, [time]), name="grid_export")
    if meters:
        m.add_variables(0.0, _da(np.repeat(p.import_ub_kw[:, None], bus.size, axis=1), [time, bus]),
                        name="home_grid_import")
        m.add_variables(0.0, _da(p.home_export_ub_kw, [time, bus]), name="home_grid_export")
    if p.mode == "line":
        m.add_variables(0.0, coords=[time, bus], name="line_out")
        m.add_variables(0.0, coords=[time, bus], name="line_in")
    _add_storage_variables(m, p.home, "home_battery", time, p.pv_kw if meters else None, sized.get("home_battery"))
    comm_pv = np.zeros((p.n_steps, p.community.n)) if meters else None
    _add_storage_variables(m, p.community, "community_storage", time, comm_pv, sized.get("community_storage"))


# --------------------------------------------------------------------------- constraints


#: terms of a home bus's balance besides its line or meter: ``−c_h + u_h + u^c_h + dis_h − ch_h``
_HOME_SUPPLY = [("curtail", -1.0), ("shed", 1.0), ("shed_critical", 1.0), ("home_battery_discharge", 1.0),
                ("home_battery_charge", -1.0)]
#: terms of the community bus's balance besides the line: ``Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp``
_COMMUNITY_SUPPLY = [("community_storage_discharge", 1.0), ("community_storage_charge", -1.0),
                     ("shed_mobility", 1.0), ("grid_import", 1.0), ("grid_export", -1.0)]


def add_district_balance(m: linopy.Model, p: _Problem) -> None:
    """Balance of the one district bus (lossless sharing, homes merged) [kW]:

    ``Σ_h (PV_h − c_h + u_h + u^c_h) + Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp = Σ_h L_h + L^m``
    for every step, over all home battery classes and community storages ``s``.
    """
    time = pd.RangeIndex(p.n_steps, name="time")
    lhs = _terms(m, [("shed", 1.0), ("shed_critical", 1.0), ("curtail", -1.0), ("shed_mobility", 1.0),
                     ("community_storage_discharge", 1.0), ("community_storage_charge", -1.0),
                     ("home_battery_discharge", 1.0), ("home_battery_charge", -1.0),
                     ("grid_import", 1.0), ("grid_export", -1.0)], time)
    rhs = p.load_kw.sum(axis=1) - p.pv_kw.sum(axis=1) + p.mobility_kw
    m.add_constraints(lhs == _da(rhs, [time]), name="district_balance")


def add_line_balance(m: linopy.Model, p: _Problem) -> None:
    """Home buses joined by the private line to the community bus [kW]:

    home h: ``PV_h − c_h + u_h + u^c_h + dis_h − ch_h + i_h − o_h = L_h``;
    community: ``(1 − loss)·Σ_h o_h − Σ_h i_h + Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp = L^m``.
    """
    time, bus = pd.RangeIndex(p.n_steps, name="time"), pd.RangeIndex(p.load_kw.shape[1], name="home")
    home = _terms(m, _HOME_SUPPLY + [("line_in", 1.0), ("line_out", -1.0)], time, bus)
    m.add_constraints(home == _da(p.load_kw - p.pv_kw, [time, bus]), name="home_balance")
    comm = _terms(m, [("line_out", 1.0 - p.loss_ratio), ("line_in", -1.0)] + _COMMUNITY_SUPPLY, time)
    m.add_constraints(comm == _da(p.mobility_kw, [time]), name="community_balance")


def add_meter_balance(m: linopy.Model, p: _Problem) -> None:
    """No sharing: every home and the community bus trade with the grid on their own meters [kW]:

    home h: ``PV_h − c_h + u_h + u^c_h + dis_h − ch_h + p_imp,h − p_exp,h = L_h``;
    community: ``Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp = L^m``.
    """
    time, bus = pd.RangeIndex(p.n_steps, name="time"), pd.RangeIndex(p.load_kw.shape[1], name="home")
    home = _terms(m, _HOME_SUPPLY + [("home_grid_import", 1.0), ("home_grid_export", -1.0)], time, bus)
    m.add_constraints(home == _da(p.load_kw - p.pv_kw, [time, bus]), name="home_balance")
    comm = _terms(m, _COMMUNITY_SUPPLY, time)
    m.add_constraints(comm == _da(p.mobility_kw, [time]), name="community_balance")


def add_storage_balance(m: linopy.Model, s: _Stores, name: str, dt: float, cyclic: bool,
                        retention: np.ndarray | None = None, unserved: linopy.Variable | None = None) -> None:
    """Energy balance of each storage unit [kWh]:

    ``e_s(t) = r_s·e_s(t−1) + η_c·ch_s(t)·Δt − dis_s(t)·Δt/η_d − trip_s(t) + u_s(t)``, where ``trip_s`` is the
    energy an EV's trip takes at departure (0 for batteries). Cyclic: ``e_s(−1) ≡ e_s(T−1)``
    (end equals start, level free); otherwise ``e_s(−1)`` is the initial energy. ``r_s`` (standing
    losses, default 1) and ``u_s`` (trip energy bought elsewhere, default 0): :mod:`.hydrogen`.
    """
    if s.n == 0:
        return
    v = m.variables
    soc, ch, dis = v[f"{name}_soc"], v[f"{name}_charge"], v[f"{name}_discharge"]
    unit = soc.indexes[name]
    time = soc.indexes["time"]
    prev = soc.roll(time=1) if cyclic else soc.shift(time=1).fillna(0)
    keep = np.ones(s.n) if retention is None else retention
    lhs = soc - _da(keep, [unit]) * prev - _da(s.eta_c * dt, [unit]) * ch + _da(dt / s.eta_d, [unit]) * dis
    if unserved is not None:
        lhs = lhs - unserved
    rhs = -s.trip_kwh.copy()
    if not cyclic:
        rhs[0] += keep * s.initial_kwh
    m.add_constraints(lhs == _da(rhs, [time, unit]), name=f"{name}_energy")


def add_terminal_soc(m: linopy.Model, s: _Stores, name: str) -> None:
    """Rolling horizon: ``e_s(T−1) ≥ terminal_s``, which stands in for the cyclic condition."""
    if s.n == 0 or s.terminal_kwh is None:
        return
    soc = m.variables[f"{name}_soc"]
    last = soc.isel(time=-1)
    m.add_constraints(last >= _da(np.minimum(s.terminal_kwh, s.capacity_kwh), [soc.indexes[name]]),
                      name=f"{name}_terminal")


def add_no_grid_charging(m: linopy.Model, p: _Problem, sized: dict[str, _Sizing] | None = None) -> None:
    """Shared meter: units that may not charge from the grid charge at most the district PV [kW]:

    ``Σ_{s: no grid charging} ch_s(t) ≤ Σ_h PV_h(t)``. (On separate meters this is a bound,
    see :func:`storage_bounds`.)
    """
    if p.mode == "meters":
        return
    terms = []
    for s, name in ((p.home, "home_battery"), (p.community, "community_storage")):
        idx = np.flatnonzero(~s.grid_charging & ((s.capacity_kwh > 0) | (name in (sized or {}))))
        if idx.size:
            terms.append(m.variables[f"{name}_charge"].isel({name: idx}).sum(name))
    if not terms:
        return
    lhs = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    m.add_constraints(lhs <= _da(p.district_pv_kw, [lhs.indexes["time"]]), name="no_grid_charging")


def add_grid_limits(m: linopy.Model, p: _Problem) -> None:
    """Separate meters: the district's total import and export stay within the connection limits [kW]:

    ``p_imp(t) + Σ_h p_imp,h(t) ≤ limit_imp`` and the same for export. (With one meter these are
    bounds, as are ``g(t) = 0`` → no grid flow and ``export_allowed = False`` → no export.)
    """
    if p.mode != "meters":
        return
    v = m.variables
    time = pd.RangeIndex(p.n_steps, name="time")
    if np.isfinite(p.import_limit_kw):
        m.add_constraints(v["grid_import"] + v["home_grid_import"].sum("home")
                          <= _da(np.full(p.n_steps, p.import_limit_kw), [time]), name="import_limit")
    if np.isfinite(p.export_limit_kw):
        m.add_constraints(v["home_grid_export"].sum("home")
                          <= _da(np.full(p.n_steps, p.export_limit_kw), [time]), name="export_limit")


def add_objective(m: linopy.Model, p: _Problem, sized: dict[str, _Sizing] | None = None) -> None:
    """Minimise ``Σ_t Δt·[w_imp(t)·P_imp(t) − w_exp(t)·P_exp(t) + VOLL·(Σu + u^m) + k·VOLL·Σu^c + ε·(Σo + Σdis)] (+ B) (+ C)``.

    ``P_imp``, ``P_exp`` are the district's total import and export; ``w`` are prices
    (``energy_cost``, and ``bill`` without a tariff) or the emission factor and zero (``co2``);
    with ``bill`` and a tariff ``w = 0`` and ``B`` is the bill of the meters
    (:func:`bill_terms`); ``k = CRITICAL_PENALTY_MULTIPLE``; ``ε`` the tie-break
    (:func:`tiebreak`); ``C`` the cost of sized capacities (:func:`~zerodistrict.dispatch.optimal.capacity.capacity_cost`).
    """
    dt = p.step_hours
    imp_w, exp_w = p.import_weight * dt, -p.export_weight * dt
    parts = [("grid_import", imp_w), ("grid_export", exp_w)]
    if p.mode == "meters":
        parts += [("home_grid_import", imp_w), ("home_grid_export", exp_w)]
    parts += [("shed", p.voll * dt), ("shed_mobility", p.voll * dt),
              ("shed_critical", CRITICAL_PENALTY_MULTIPLE * p.voll * dt)]
    objective = _terms(m, parts + _tiebreak_parts(m, p))
    for extra in (bill_terms(m, p), capacity_cost(m, sized or {}), h2.objective_term(m, p)):  # h2: grey hydrogen
        if extra is not None:
            objective = objective + extra
    m.add_objective(objective)


def bill_terms(m: linopy.Model, p: _Problem) -> linopy.LinearExpression | None:
    """The bill of the LP's meters (objective ``bill`` with a tariff; see :mod:`.tariff`); sets ``p.bill_constant``.

    Shared meter (modes ``merged``, ``line``): ``B(P_imp, P_exp)`` with ``A = n_homes`` accounts.
    Separate meters: ``Σ_h B(p_imp,h, p_exp,h)`` with one account each, plus the community
    bus's meter ``B(p_imp, p_exp)`` when it has stores or mobility load
    (:func:`~zerodistrict.dispatch.optimal.tariff.meter_bill` states ``B``).
    """
    if p.tariff is None:
        return None
    v, dt = m.variables, p.step_hours
    netting = p.tariff.tariff.export.scheme == "net_metering"
    if p.mode != "meters":
        bill, p.bill_constant = meter_bill(m, p.tariff, 1.0 * v["grid_import"], 1.0 * v["grid_export"], p.accounts,
                                           dt, "district_meter")
        p.credit_meters = [CreditMeter("district_meter", "grid_import", "grid_export", p.accounts)] if netting else []
        return bill
    bill, p.bill_constant = meter_bill(m, p.tariff, 1.0 * v["home_grid_import"], 1.0 * v["home_grid_export"], 1.0,
                                       dt, "home_meter")
    p.credit_meters = [CreditMeter("home_meter", "home_grid_import", "home_grid_export", 1.0)] if netting else []
    if p.community_meter:
        comm, const = meter_bill(m, p.tariff, 1.0 * v["grid_import"], 1.0 * v["grid_export"], 1.0, dt,
                                 "community_meter")
        bill, p.bill_constant = bill + comm, p.bill_constant + const
        if netting:
            p.credit_meters.append(CreditMeter("community_meter", "grid_import", "grid_export", 1.0))
    else:  # nothing on the community bus: its meter carries no flow; price it so that it stays at zero
        bill = bill + (dt * float(p.tariff.base_price.max(initial=0.0) + 1.0)) * v["grid_import"].sum()
    return bill


def tiebreak(m: linopy.Model, p: _Problem) -> linopy.LinearExpression | None:
    """The tie-break term ``ε·Δt·(Σ_h o_h + Σ_s dis_s (+ 2·Σ_h c_h))`` summed over steps.

    ``o`` only with line losses; ``c`` (curtailment) only for the ``bill`` objective with a tariff,
    whose net metering forfeits exports above a month's imports: exporting them or curtailing them
    bills the same, and the tie-break exports (as the rules do) rather than curtail.
    """
    parts = _tiebreak_parts(m, p)
    return _terms(m, parts) if parts else None


def tiebreak_value(m: linopy.Model, p: _Problem) -> float:
    """The tie-break term's value at the solution (:func:`tiebreak`), from the variables' solutions."""
    return float(sum(np.sum(coef * np.asarray(m.variables[name].solution.values))
                     for name, coef in _tiebreak_parts(m, p)))


def _tiebreak_parts(m: linopy.Model, p: _Problem) -> list[tuple[str, float]]:
    eps = TIEBREAK_RATIO * p.voll / VOLL_PRICE_MULTIPLE * p.step_hours
    parts = [(n, eps) for n in ("home_battery_discharge", "community_storage_discharge") if n in m.variables]
    if p.mode == "line" and p.loss_ratio > 0.0:
        parts.append(("line_out", eps))
    if p.tariff is not None:
        parts.append(("curtail", 2.0 * eps))  # sending into a lossy line costs ε: export wins
    return parts


def _build(p: _Problem, sized: dict[str, _Sizing] | None = None) -> linopy.Model:
    """Variables, constraint families, objective (``sized``: store groups with capacity variables)."""
    sized = sized or {}
    if sized and not p.cyclic:
        raise InputError("capacities: capacity variables need the perfect-foresight (cyclic) model")
    m = linopy.Model(force_dim_names=True)
    add_variables(m, p, sized)
    h2.add_hydrogen_variables(m, p)
    {"merged": add_district_balance, "line": add_line_balance, "meters": add_meter_balance}[p.mode](m, p)
    for s, name in ((p.home, "home_battery"), (p.community, "community_storage")):
        add_storage_balance(m, s, name, p.step_hours, p.cyclic, **h2.storage_terms(m, p, name))
        add_terminal_soc(m, s, name)
        if name in sized:
            add_soc_capacity(m, name, sized[name])
            add_power_capacity(m, name, sized[name])
    add_no_grid_charging(m, p, sized)
    add_grid_limits(m, p)
    add_line_capacity(m, p)
    add_objective(m, p, sized)
    add_outage_reserve(m, p, sized)
    return m


def _solve_regimes(m: linopy.Model, p: _Problem, solver_options: dict | None, inputs: DispatchInputs | None,
                   progress: Callable[[str], None] | None = None) -> dict:
    """The bill LP with net metering, solved month regime by month regime (exact; see
    :func:`~zerodistrict.dispatch.optimal.tariff.solve_by_regimes`); returns its statistics."""
    from zerodistrict.dispatch.optimal.problem import HIGHS_OPTIONS

    options = dict(HIGHS_OPTIONS, **(solver_options or {}))
    options.setdefault("output_flag", False)
    options.setdefault("log_to_console", False)
    with _quiet_native_stdout():
        solver, stats = solve_by_regimes(m, p.tariff, p.credit_meters, p.step_hours, options, progress)
    status, condition = m.assign_result(stats.pop("result"), solver=solver)
    if not (status == "ok" and condition == "optimal"):
        raise SolverError(_failure_message(status, condition, inputs), status, condition)
    return stats


class OptimalModel:
    """The dispatch LP of one district: its problem data, the linopy model, and after solving its results.

    Build with :meth:`build`, change :attr:`model` if you like (add a constraint, a
    variable, a cost), :meth:`solve`, then read :meth:`result`, :meth:`capacities` and
    :meth:`prices`::

        om = OptimalModel.build(inputs, aggregate=False)
        om.model.add_constraints(om.model.variables["grid_import"] <= 50.0, name="import_cap")
        result = om.solve().result()

    Attributes
    ----------
    inputs : DispatchInputs
        The district as arrays.
    model : linopy.Model
        The LP (variable and constraint names: see :func:`build_model`).
    """

    def __init__(self, inputs: DispatchInputs, problem: _Problem, model: linopy.Model,
                 sized: dict[str, _Sizing] | None = None, whole_period: bool = False) -> None:
        self.inputs = inputs
        self.model = model
        self._problem = problem
        self._sized = sized or {}
        self._solved = False
        self._whole_period = whole_period  # not a rolling window: the infeasibility hint applies
        #: net metering solved by month regimes (:func:`.tariff.solve_by_regimes`): rounds and months per regime
        self.regimes: dict | None = None
        self._bill_objective = model.objective.expression  # regimes only while the objective is the one built here

    @classmethod
    def build(cls, inputs: DispatchInputs, objective: Objective = "bill", *, aggregate: bool = True,
              capacities: dict[str, StoreCapacity] | None = None) -> OptimalModel:
        """The perfect-foresight dispatch LP of ``inputs``, ready to solve.

        Every store starts at its ``initial_soc_ratio`` and ends with at least that energy
        (``inputs.storage_end == "at_least_initial"``), or ends where it starts, its level free
        (``"cyclic"``, and always when ``capacities`` are sized).

        Parameters
        ----------
        inputs : DispatchInputs
            The district as arrays.
        objective : {"bill", "energy_cost", "cost", "co2"}
            Minimise the bill under ``inputs.tariff`` (:mod:`~zerodistrict.dispatch.optimal.tariff`;
            without a tariff the energy cost), the energy cost at the step prices [currency]
            (``cost`` is its older name) or grid emissions [kg-CO2], plus the unserved penalty.
        aggregate : bool
            Merge homes into one district bus and batteries into classes when sharing is lossless
            (exact, much smaller). ``False`` keeps one bus and one battery per home. Ignored (per
            store) when ``capacities`` are given.
        capacities : dict of str to StoreCapacity, optional
            Store groups (``"home_battery"``, ``"community_storage"``) whose units' energy [kWh]
            and/or power [kW] capacities the LP chooses, with bounds and a cost per unit for the
            period (see :mod:`~zerodistrict.dispatch.optimal.capacity`).

        Raises
        ------
        InputError
            Bad ``objective``, no time steps, or a bad capacity range.
        """
        objective = _check(inputs, objective)
        if not capacities:
            cyclic = inputs.storage_end == "cyclic"
            p = _problem(inputs, objective, aggregate, cyclic=cyclic,
                         terminal_kwh=None if cyclic else inputs.stores.initial_kwh)
            return cls(inputs, p, _build(p), whole_period=True)
        p = _problem(inputs, objective, aggregate=False)
        if p.tariff is not None:
            # sized LPs are solved by interior point (design/sizing_run.py): one row per month, no running sums'
            # free variables (the Misono year's sizing LP: IPX 75 s against 100 s; benchmarks/optimal.md)
            p = replace(p, tariff=replace(p.tariff, dense_sums=True))
        sized = sizing(capacities, p, _problem(unit_inputs(inputs), objective, aggregate=False))
        return cls(inputs, p, _build(p, sized), sized, whole_period=True)

    def solve(self, solver_options: dict | None = None, progress: Callable[[str], None] | None = None) -> OptimalModel:
        """Solve with HiGHS (options on top of :data:`HIGHS_OPTIONS`); returns ``self``.

        ``progress`` hears of each round of a bill LP with net metering (minutes on a large lossy district).

        Raises
        ------
        SolverError
            No optimum: the message says why (for an infeasible scenario, the likely cause).
        """
        self._solved = False
        # the infeasibility hint reasons over the whole period (storage ends ≥ where it starts); a rolling
        # window starts from a given state
        hint = self.inputs if self._whole_period else None
        p = self._problem
        self.regimes = None
        if (p.tariff is not None and p.credit_meters and regimes_apply(p.tariff)
                and self.model.objective.expression is self._bill_objective):
            self.regimes = _solve_regimes(self.model, p, solver_options, hint, progress)
        else:
            _solve(self.model, solver_options, hint, progress)
        self._solved = True
        return self

    def _require_solution(self, what: str) -> None:
        if not self._solved:
            raise RuntimeError(f"OptimalModel.{what}(): no optimal solution yet; call .solve() first "
                               "(and check that it did not raise)")

    def result(self) -> DispatchResult:
        """Per-home matrices and district totals of the solution (``objective``: the LP objective).

        Raises
        ------
        RuntimeError
            Before a successful :meth:`solve`.
        """
        return self._result()

    def _result(self, keep: int | None = None) -> DispatchResult:
        self._require_solution("result")
        p = self._problem
        if self._sized:
            p = replace(p, home=solved_stores(p.home, self.model, "home_battery", self._sized.get("home_battery")),
                        community=solved_stores(p.community, self.model, "community_storage",
                                                self._sized.get("community_storage")))
        result = _result(self.inputs, p, self.model, keep=keep)
        result.objective -= tiebreak_value(self.model, p)
        result.objective += p.bill_constant
        return result

    def capacities(self) -> dict[str, dict[str, np.ndarray]]:
        """Chosen capacities: ``{group: {"energy_kwh": (n,), "power_kw": (n,)}}`` for the sized groups."""
        self._require_solution("capacities")
        out: dict[str, dict[str, np.ndarray]] = {}
        for name, z in self._sized.items():
            out[name] = {}
            for kind, unit, r in (("energy", "kwh", z.energy), ("power", "kw", z.power)):
                if r is not None:
                    sol = self.model.variables[f"{name}_{kind}_capacity"].solution.values
                    out[name][f"{kind}_{unit}"] = np.asarray(sol, dtype=float)
        return out

    def prices(self) -> pd.DataFrame:
        """Marginal value of energy at each bus [objective unit/kWh]: the balance constraints' duals / Δt.

        Columns: ``district`` (homes merged), or ``community`` and one per home bus
        (``home 0`` …; with storage-less homes merged under lossy sharing, ``netted surplus``
        and ``netted deficit``). A price is the change of the optimum per extra kWh of load
        at that bus and step; it includes the unserved penalty where load is shed.
        """
        self._require_solution("prices")
        m, p = self.model, self._problem
        dt = p.step_hours
        if p.mode == "merged":
            cols = {"district": np.asarray(m.constraints["district_balance"].dual.values) / dt}
        else:
            cols = {"community": np.asarray(m.constraints["community_balance"].dual.values) / dt}
            homes = np.asarray(m.constraints["home_balance"].dual.transpose("time", "home").values) / dt
            names = [f"home {h}" for h in range(homes.shape[1])]
            if p.netted is not None:
                names = [f"home {h}" for h in np.flatnonzero(~p.netted)] + ["netted surplus", "netted deficit"]
            cols.update(zip(names, homes.T))
        return pd.DataFrame(cols, index=self.inputs.index)


def build_model(inputs: DispatchInputs, objective: Objective = "bill", *, aggregate: bool = True) -> linopy.Model:
    """The perfect-foresight dispatch LP of ``inputs`` as a linopy model (see :meth:`OptimalModel.build`).

    Parameters
    ----------
    inputs : DispatchInputs
        The district as arrays.
    objective : {"bill", "energy_cost", "cost", "co2"}
        See :meth:`OptimalModel.build`.
    aggregate : bool
        Merge homes into one district bus and batteries into classes when sharing is lossless
        (exact, much smaller). ``False`` keeps one bus and one battery per home, for users who
        add per-home constraints.

    Returns
    -------
    linopy.Model
        Variables ``curtail``, ``shed``, ``shed_critical``, ``shed_mobility``, ``grid_import``,
        ``grid_export`` (and ``home_grid_*`` without sharing, ``line_*`` with line losses),
        ``home_battery_*`` and ``community_storage_*`` (community battery first, then EVs).
        :class:`OptimalModel` holds the same model with its data and extracts the results.
    """
    return OptimalModel.build(inputs, objective, aggregate=aggregate).model
