"""Optimal dispatch: the least-cost (or least-CO2) operation of the district as a linear programme.

The LP is built with linopy and solved with HiGHS, over the whole period with
perfect foresight (storage cyclic: the state of charge at the end equals that
at the start, its level free) or over a rolling horizon (solve ``H`` hours,
keep the first 24, carry the states of charge, move on).

Network. Each home is a bus with its load, its PV (curtailable) and its
battery. With ``sharing`` every home is joined by the private line to the
community bus, which holds the grid connection, the community battery, the
shared EVs and the mobility stations' charging load. Without ``sharing`` each
home trades only with the grid through its own meter (and its own battery);
the community battery, EVs and mobility load then sit at the community bus
with a meter of their own.

Sets and symbols (``Δt`` step length [h]):

=====================  ==================================  =========================
symbol                 meaning                             code name
=====================  ==================================  =========================
``p_imp, p_exp``       grid import / export at a meter     ``grid_import``, ``grid_export``
``c_h``                PV curtailed at home h              ``curtail``
``u_h, u^c_h, u^m``    unserved non-critical / critical    ``shed``, ``shed_critical``,
                       load of home h, unserved mobility   ``shed_mobility``
``ch_s, dis_s, e_s``   AC charge, AC discharge, stored     ``*_charge``, ``*_discharge``,
                       energy at the end of a step         ``*_soc``
``o_h, i_h``           power home h sends into / draws     ``line_out``, ``line_in``
                       from the line
=====================  ==================================  =========================

Each constraint family is one function below whose docstring states its
equation; limits that are plain bounds (power caps, SOC range, availability)
are set on the variables by the ``*_bounds`` functions.

Simplifications and choices:

- Line losses: power a home sends into the line arrives at the community bus
  reduced by ``line_loss_ratio``; power from the community bus to a home
  arrives whole. Home-to-home sharing therefore delivers ``(1 − loss)`` of
  what is sent; losses count as load of the line (``line_loss_kw``).
- Grid export at a meter is at most the PV generation behind it (the district
  PV with sharing, the home's PV without). Japanese FIT and buyback schemes
  buy PV surplus only, and the bound keeps the LP bounded when an export price
  exceeds the import price (the LP then exports up to all PV, as gross
  metering would).
- ``grid_charging: false``: the batteries (and EVs) so marked at a meter charge
  together at most the PV generation behind that meter in each step (PV is
  fungible with the load it could also serve, as in ITC-style accounting).
- Unserved load is a variable with a penalty: ``VOLL_PRICE_MULTIPLE`` × the
  highest marginal price of the objective (import or export price; emission
  factor for ``co2``) per kWh of non-critical load, twice that for critical
  load, so critical load is shed last. The reported ``objective`` is the LP
  objective *including* this penalty (the PyPSA reference carries the same
  penalty generators); net energy cost and CO2 come from the flows.
- The LP prices each step at its marginal price; tiered or monthly tariff
  components are billed after dispatch, not optimised.
- Import and export limits apply to the district's total at every step.

With lossy sharing, homes without storage are merged exactly into two buses
(one sending their surplus, one drawing their deficit): a home without storage
loses by sending power its own load could use, so its own PV serves it first
(:func:`_net_storage_less_homes`).

Speed: with lossless sharing (``line_loss_ratio == 0``) the homes' buses
aggregate exactly into one district bus, and batteries with identical
per-kWh parameters (power/capacity ratio, efficiencies, floor, initial ratio,
grid charging) into one battery per class; results are split back to homes in
proportion to each battery's capacity (its SOC stays within its limits since
every limit scales with capacity), curtailment in proportion to each home's PV,
unserved load in proportion to each home's (critical) load. This is exact: the
aggregated LP has the same optimal objective as the per-home LP.

Attribution under sharing: each home draws ``i_h`` from the line (its deficit
after its own PV and battery) and sends ``o_h`` (its surplus). Grid import is
attributed to homes in proportion to their draws (at most all of each draw;
the rest of an import served the community battery, EVs or mobility load);
grid export in proportion to what homes send; ``shared_kw`` is the power
passed from homes to homes, ``min((1 − loss)·Σo, Σi)``, attributed in
proportion to draws and sends.

References
----------
PyPSA storage and link formulation, ``pypsa/optimization/constraints.py``
(PyPSA 1.4, 2025); NREL REopt ``value_of_lost_load_per_kwh`` and
``critical_load_fraction`` (REopt.jl, 2023); HiGHS, Huangfu & Hall,
"Parallelizing the dual revised simplex method", Math. Prog. Comp. 10 (2018).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass, replace
from typing import Literal

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from zerodistrict.dispatch.common import DispatchInputs, DispatchResult, EVArrays, StorageArrays
from zerodistrict.errors import InputError

Objective = Literal["cost", "co2"]

#: penalty per kWh of unserved non-critical load, as a multiple of the highest marginal price of
#: the objective. Our assumption: a penalty, not an economic value of lost load; REopt's default
#: value_of_lost_load_per_kwh (100 $/kWh, REopt.jl 2023) is of the same order (≈600× a US retail price).
VOLL_PRICE_MULTIPLE = 100.0
#: critical load costs this many times the non-critical penalty, so it is shed last (assumption)
CRITICAL_PENALTY_MULTIPLE = 2.0
#: HiGHS options chosen by benchmarks/bench_optimal.py (see benchmarks/optimal.md)
HIGHS_OPTIONS: dict[str, object] = {"solver": "simplex", "presolve": "on"}
#: rolling horizon: steps kept from each window [h]
ROLLING_KEEP_HOURS = 24.0
#: solver noise below this is set to zero [kW or kWh]
NOISE_KW = 1e-9


# --------------------------------------------------------------------------- problem data


@dataclass
class _Stores:
    """Storage units of one model group, arrays (n,) and (t, n); energies [kWh], powers [kW]."""

    capacity_kwh: np.ndarray
    charge_kw: np.ndarray  # (t, n) charge cap per step
    discharge_kw: np.ndarray  # (t, n) discharge cap per step
    eta_c: np.ndarray
    eta_d: np.ndarray
    min_kwh: np.ndarray
    initial_kwh: np.ndarray
    grid_charging: np.ndarray  # bool
    trip_kwh: np.ndarray  # (t, n) energy leaving at departure
    terminal_kwh: np.ndarray | None = None  # rolling horizon: floor on the last step's SOC

    @property
    def n(self) -> int:
        return int(self.capacity_kwh.shape[0])


@dataclass
class _Problem:
    """Arrays of one LP. ``mode``: ``merged`` (one district bus), ``line`` (homes + line) or ``meters``."""

    mode: str
    step_hours: float
    load_kw: np.ndarray  # (t, b) b = home buses (1 when merged)
    pv_kw: np.ndarray
    critical_kw: np.ndarray  # (t, b) critical part of the load
    home: _Stores
    community: _Stores
    mobility_kw: np.ndarray  # (t,)
    loss_ratio: float
    import_ub_kw: np.ndarray  # (t,) district import cap
    export_ub_kw: np.ndarray  # (t,) district export cap (grid and PV bound)
    home_export_ub_kw: np.ndarray  # (t, b) per-home meter export cap (mode meters)
    import_limit_kw: float
    export_limit_kw: float
    import_weight: np.ndarray  # (t,) objective weight per kW of import [unit/kWh]
    export_weight: np.ndarray  # (t,) objective weight per kW of export (a revenue) [unit/kWh]
    voll: float  # [unit/kWh]
    cyclic: bool
    home_class: np.ndarray  # (h,) model battery of each home (-1 none)
    home_share: np.ndarray  # (h,) share of that battery's capacity
    district_pv_kw: np.ndarray  # (t,) all homes' PV (bounds export and no-grid charging)
    netted: np.ndarray | None = None  # (h,) bool: homes without storage merged into two buses (mode line)

    @property
    def n_steps(self) -> int:
        return int(self.load_kw.shape[0])


def value_of_lost_load(inputs: DispatchInputs, objective: Objective = "cost") -> float:
    """Penalty per kWh of unserved non-critical load [currency/kWh or kg/kWh].

    ``VOLL_PRICE_MULTIPLE`` × the highest marginal price of the objective
    (1 if every price is zero), so that serving load always beats shedding it.
    """
    if objective == "co2":
        ref = float(np.max(inputs.emission_factor_kg_per_kwh, initial=0.0))
    else:
        ref = float(max(np.max(np.abs(inputs.import_price), initial=0.0),
                        np.max(np.abs(inputs.export_price), initial=0.0)))
    return VOLL_PRICE_MULTIPLE * (ref if ref > 0 else 1.0)


def _battery_classes(b: StorageArrays) -> tuple[np.ndarray, np.ndarray]:
    """Class of each home battery with the same per-kWh parameters (-1: no battery) and its capacity share."""
    has = b.capacity_kwh > 0
    cls = np.full(b.n, -1)
    share = np.zeros(b.n)
    if not has.any():
        return cls, share
    cap = np.where(has, b.capacity_kwh, 1.0)
    key = np.column_stack([
        b.power_kw / cap, b.charge_efficiency, b.discharge_efficiency, b.min_soc_ratio,
        b.initial_soc_ratio, b.grid_charging.astype(float),
    ]).round(12)
    _, inv = np.unique(key[has], axis=0, return_inverse=True)
    cls[has] = inv.ravel()
    totals = np.bincount(cls[has], weights=b.capacity_kwh[has])
    share[has] = b.capacity_kwh[has] / totals[cls[has]]
    return cls, share


def _stores(b: StorageArrays, n_t: int, available: np.ndarray | None = None,
            discharge_ok: np.ndarray | None = None, trip_kwh: np.ndarray | None = None) -> _Stores:
    """Model storage from the contract's arrays (zero-capacity units keep all bounds at zero)."""
    avail = np.ones((n_t, b.n)) if available is None else available.astype(float)
    dis_ok = np.ones(b.n) if discharge_ok is None else discharge_ok.astype(float)
    return _Stores(
        capacity_kwh=b.capacity_kwh.astype(float),
        charge_kw=avail * b.power_kw[None, :],
        discharge_kw=avail * (b.power_kw * dis_ok)[None, :],
        eta_c=b.charge_efficiency.astype(float),
        eta_d=b.discharge_efficiency.astype(float),
        min_kwh=b.min_kwh.astype(float),
        initial_kwh=b.initial_kwh.astype(float),
        grid_charging=b.grid_charging.astype(bool),
        trip_kwh=np.zeros((n_t, b.n)) if trip_kwh is None else trip_kwh.astype(float),
    )


def _aggregate_stores(s: _Stores, cls: np.ndarray) -> _Stores:
    """One storage per class: capacities, caps and energies add; per-kWh parameters are shared."""
    k = int(cls.max()) + 1 if cls.size and cls.max() >= 0 else 0
    members = cls >= 0
    first = np.array([np.flatnonzero(cls == c)[0] for c in range(k)], dtype=int)
    onehot = np.zeros((cls.size, k))
    onehot[np.flatnonzero(members), cls[members]] = 1.0

    def add(x: np.ndarray) -> np.ndarray:
        return x @ onehot

    return _Stores(
        capacity_kwh=add(s.capacity_kwh), charge_kw=add(s.charge_kw), discharge_kw=add(s.discharge_kw),
        eta_c=s.eta_c[first], eta_d=s.eta_d[first], min_kwh=add(s.min_kwh), initial_kwh=add(s.initial_kwh),
        grid_charging=s.grid_charging[first], trip_kwh=add(s.trip_kwh),
        terminal_kwh=None if s.terminal_kwh is None else add(s.terminal_kwh),
    )


def _concat_stores(a: _Stores, b: _Stores) -> _Stores:
    """Stack two storage groups along the unit axis."""
    cat = lambda x, y: np.concatenate([x, y], axis=-1)  # noqa: E731
    term = None
    if a.terminal_kwh is not None or b.terminal_kwh is not None:
        term = cat(a.terminal_kwh if a.terminal_kwh is not None else a.min_kwh,
                   b.terminal_kwh if b.terminal_kwh is not None else b.min_kwh)
    return _Stores(cat(a.capacity_kwh, b.capacity_kwh), cat(a.charge_kw, b.charge_kw),
                   cat(a.discharge_kw, b.discharge_kw), cat(a.eta_c, b.eta_c), cat(a.eta_d, b.eta_d),
                   cat(a.min_kwh, b.min_kwh), cat(a.initial_kwh, b.initial_kwh),
                   cat(a.grid_charging, b.grid_charging), cat(a.trip_kwh, b.trip_kwh), term)


def _community_stores(inputs: DispatchInputs) -> _Stores:
    """Community battery (if any) followed by the EVs, in that order."""
    n_t = inputs.n_steps
    ev: EVArrays = inputs.evs
    bat = _stores(inputs.community_battery, n_t)
    cars = _stores(ev, n_t, available=ev.available, discharge_ok=ev.bidirectional, trip_kwh=ev.trip_kwh)
    return _concat_stores(bat, cars)


def _problem(inputs: DispatchInputs, objective: Objective, aggregate: bool, voll: float | None = None,
             cyclic: bool = True, terminal: dict[str, np.ndarray] | None = None) -> _Problem:
    """The LP's arrays from the contract's; ``terminal`` maps ``home``/``community`` to SOC floors (h,)/(c,)."""
    n_t = inputs.n_steps
    dt = float(inputs.step_hours)
    loss = float(inputs.line_loss_ratio)
    mode = "meters" if not inputs.sharing else ("merged" if aggregate and loss == 0.0 else "line")
    grid = inputs.grid_available.astype(bool)
    pv = inputs.pv_kw.astype(float)
    load = inputs.load_kw.astype(float)
    critical = load * inputs.critical_load_ratio[None, :]
    home = _stores(inputs.home_batteries, n_t)
    community = _community_stores(inputs)
    if terminal is not None:
        home.terminal_kwh = terminal["home"]
        community.terminal_kwh = terminal["community"]
    cls = np.arange(inputs.n_homes)
    share = np.ones(inputs.n_homes)
    district_pv = pv.sum(axis=1)
    export_on = grid & bool(inputs.export_allowed)
    export_ub = np.where(export_on, np.minimum(inputs.export_limit_kw, district_pv), 0.0)
    home_export_ub = np.where(export_on[:, None], np.minimum(inputs.export_limit_kw, pv), 0.0)
    netted = None
    if mode == "merged":
        cls, share = _battery_classes(inputs.home_batteries)
        home = _aggregate_stores(home, cls)
        load, pv, critical = (x.sum(axis=1, keepdims=True) for x in (load, pv, critical))
    elif mode == "line" and aggregate:
        netted = _storage_less(inputs.home_batteries)
        if netted.sum() >= 2:
            load, pv, critical, home = _net_storage_less_homes(load, pv, critical, home, netted)
        else:
            netted = None
    if objective == "co2":
        imp_w, exp_w = inputs.emission_factor_kg_per_kwh.astype(float), np.zeros(n_t)
    else:
        imp_w, exp_w = inputs.import_price.astype(float), inputs.export_price.astype(float)
    return _Problem(
        mode=mode, step_hours=dt, load_kw=load, pv_kw=pv, critical_kw=critical, home=home, community=community,
        mobility_kw=inputs.mobility_load_kw.astype(float), loss_ratio=loss,
        import_ub_kw=np.where(grid, inputs.import_limit_kw, 0.0), export_ub_kw=export_ub,
        home_export_ub_kw=home_export_ub,
        import_limit_kw=float(inputs.import_limit_kw), export_limit_kw=float(inputs.export_limit_kw),
        import_weight=imp_w, export_weight=exp_w,
        voll=value_of_lost_load(inputs, objective) if voll is None else voll,
        cyclic=cyclic, home_class=cls, home_share=share, district_pv_kw=district_pv, netted=netted,
    )


def _storage_less(b: StorageArrays) -> np.ndarray:
    """(h,) True for homes with no usable battery."""
    return ~((b.capacity_kwh > 0) & (b.power_kw > 0))


def _netted_parts(load: np.ndarray, pv: np.ndarray, critical: np.ndarray) -> tuple[np.ndarray, ...]:
    """Surplus, deficit and critical deficit of homes that serve their own load from their own PV first."""
    return np.maximum(pv - load, 0.0), np.maximum(load - pv, 0.0), np.maximum(critical - pv, 0.0)


def _net_storage_less_homes(load, pv, critical, home: _Stores, netted: np.ndarray):
    """Merge homes without storage into two buses: one sending their surplus, one drawing their deficit.

    Exact under lossy sharing: a home without storage loses by sending into the line power its own
    load could use, so its own PV serves its own load first; what is left is a surplus to send or a
    deficit to draw, and these add across homes (curtailment and shedding are linear and priced alike
    in every home). Buses: the homes with storage, in order, then the surplus bus, then the deficit bus.
    """
    surplus, deficit, crit_def = _netted_parts(load[:, netted], pv[:, netted], critical[:, netted])
    kept = ~netted
    n_t = load.shape[0]
    zeros = np.zeros((n_t, 1))
    two = lambda a, b: np.concatenate([a[:, kept], a_sum(b[0]), a_sum(b[1])], axis=1)  # noqa: E731
    a_sum = lambda x: x.sum(axis=1, keepdims=True)  # noqa: E731
    new_pv = two(pv, (surplus, zeros))
    new_load = two(load, (zeros, deficit))
    new_critical = two(critical, (zeros, crit_def))
    idx = np.concatenate([np.flatnonzero(kept), np.flatnonzero(netted)[:2]])  # two storage-less units as templates
    new_home = _Stores(*(getattr(home, f)[..., idx] if getattr(home, f) is not None else None
                         for f in ("capacity_kwh", "charge_kw", "discharge_kw", "eta_c", "eta_d", "min_kwh",
                                   "initial_kwh", "grid_charging", "trip_kwh", "terminal_kwh")))
    return new_load, new_pv, new_critical, new_home


# --------------------------------------------------------------------------- variables and bounds


def _da(values: np.ndarray, coords: list[pd.Index]) -> xr.DataArray:
    return xr.DataArray(values, coords=coords)


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
                           pv_at_meter_kw: np.ndarray | None) -> None:
    """Charge, discharge and SOC of a storage group; SOC bounds ``min_s ≤ e_s(t) ≤ E_s``."""
    if s.n == 0:
        return
    unit = pd.RangeIndex(s.n, name=name)
    ch_ub, dis_ub = storage_bounds(s, pv_at_meter_kw)
    m.add_variables(0.0, _da(ch_ub, [time, unit]), name=f"{name}_charge")
    m.add_variables(0.0, _da(dis_ub, [time, unit]), name=f"{name}_discharge")
    ones = np.ones((time.size, 1))
    m.add_variables(_da(ones * s.min_kwh, [time, unit]), _da(ones * s.capacity_kwh, [time, unit]), name=f"{name}_soc")


def add_variables(m: linopy.Model, p: _Problem) -> None:
    """All variables with their bounds.

    - curtailment ``0 ≤ c_h(t) ≤ PV_h(t)``;
    - unserved load ``0 ≤ u_h(t) ≤ L_h(t) − L^c_h(t)``, ``0 ≤ u^c_h(t) ≤ L^c_h(t)`` (critical part),
      ``0 ≤ u^m(t) ≤ L^m(t)`` at the mobility stations;
    - grid: ``0 ≤ p_imp(t) ≤ g(t)·limit_imp`` and ``0 ≤ p_exp(t) ≤ g(t)·x·min(limit_exp, PV(t))``
      with ``g`` = grid available, ``x`` = export allowed (per meter; see module docstring);
    - line (sharing with losses): ``o_h(t), i_h(t) ≥ 0``;
    - storage: see :func:`storage_bounds` and ``min_s ≤ e_s(t) ≤ E_s``.
    """
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
    _add_storage_variables(m, p.home, "home_battery", time, p.pv_kw if meters else None)
    comm_pv = np.zeros((p.n_steps, p.community.n)) if meters else None
    _add_storage_variables(m, p.community, "community_storage", time, comm_pv)


# --------------------------------------------------------------------------- constraints


def _net_storage(m: linopy.Model, name: str) -> linopy.LinearExpression | None:
    """``dis_s − ch_s`` of a storage group (None if the group is empty)."""
    if f"{name}_charge" not in m.variables:
        return None
    return m.variables[f"{name}_discharge"] - m.variables[f"{name}_charge"]


def _community_supply(m: linopy.Model) -> linopy.LinearExpression:
    """Storage and shedding terms at the community bus: ``Σ_s (dis_s − ch_s) + u^m``."""
    expr = 1.0 * m.variables["shed_mobility"]
    net = _net_storage(m, "community_storage")
    return expr if net is None else expr + net.sum("community_storage")


def _home_supply(m: linopy.Model, per_home_battery: bool) -> linopy.LinearExpression:
    """Terms at home buses: ``−c_h + u_h + u^c_h (+ dis_h − ch_h)``."""
    v = m.variables
    expr = v["shed"] + v["shed_critical"] - v["curtail"]
    net = _net_storage(m, "home_battery")
    if per_home_battery and net is not None:
        expr = expr + net.rename({"home_battery": "home"})
    return expr


def add_district_balance(m: linopy.Model, p: _Problem) -> None:
    """Balance of the one district bus (lossless sharing, homes merged) [kW]:

    ``Σ_h (PV_h − c_h + u_h + u^c_h) + Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp = Σ_h L_h + L^m``
    for every step, over all home battery classes and community storages ``s``.
    """
    v = m.variables
    lhs = _home_supply(m, per_home_battery=False).sum("home") + _community_supply(m)
    net = _net_storage(m, "home_battery")
    if net is not None:
        lhs = lhs + net.sum("home_battery")
    rhs = p.load_kw.sum(axis=1) - p.pv_kw.sum(axis=1) + p.mobility_kw
    m.add_constraints(lhs + v["grid_import"] - v["grid_export"] == _da(rhs, [lhs.indexes["time"]]),
                      name="district_balance")


def add_line_balance(m: linopy.Model, p: _Problem) -> None:
    """Home buses joined by the private line to the community bus [kW]:

    home h: ``PV_h − c_h + u_h + u^c_h + dis_h − ch_h + i_h − o_h = L_h``;
    community: ``(1 − loss)·Σ_h o_h − Σ_h i_h + Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp = L^m``.
    """
    v = m.variables
    home = _home_supply(m, per_home_battery=True) + v["line_in"] - v["line_out"]
    m.add_constraints(home == _da(p.load_kw - p.pv_kw, [home.indexes["time"], home.indexes["home"]]),
                      name="home_balance")
    comm = ((1.0 - p.loss_ratio) * v["line_out"].sum("home") - v["line_in"].sum("home")
            + _community_supply(m) + v["grid_import"] - v["grid_export"])
    m.add_constraints(comm == _da(p.mobility_kw, [comm.indexes["time"]]), name="community_balance")


def add_meter_balance(m: linopy.Model, p: _Problem) -> None:
    """No sharing: every home and the community bus trade with the grid on their own meters [kW]:

    home h: ``PV_h − c_h + u_h + u^c_h + dis_h − ch_h + p_imp,h − p_exp,h = L_h``;
    community: ``Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp = L^m``.
    """
    v = m.variables
    home = _home_supply(m, per_home_battery=True) + v["home_grid_import"] - v["home_grid_export"]
    m.add_constraints(home == _da(p.load_kw - p.pv_kw, [home.indexes["time"], home.indexes["home"]]),
                      name="home_balance")
    comm = _community_supply(m) + v["grid_import"] - v["grid_export"]
    m.add_constraints(comm == _da(p.mobility_kw, [comm.indexes["time"]]), name="community_balance")


def add_storage_balance(m: linopy.Model, s: _Stores, name: str, dt: float, cyclic: bool) -> None:
    """Energy balance of each storage unit [kWh]:

    ``e_s(t) = e_s(t−1) + η_c·ch_s(t)·Δt − dis_s(t)·Δt/η_d − trip_s(t)``, where ``trip_s`` is the
    energy an EV's trip takes at departure (0 for batteries). Cyclic: ``e_s(−1) ≡ e_s(T−1)``
    (end equals start, level free); otherwise ``e_s(−1)`` is the initial energy.
    """
    if s.n == 0:
        return
    v = m.variables
    soc, ch, dis = v[f"{name}_soc"], v[f"{name}_charge"], v[f"{name}_discharge"]
    unit = soc.indexes[name]
    time = soc.indexes["time"]
    prev = soc.roll(time=1) if cyclic else soc.shift(time=1).fillna(0)
    lhs = soc - prev - _da(s.eta_c * dt, [unit]) * ch + _da(dt / s.eta_d, [unit]) * dis
    rhs = -s.trip_kwh.copy()
    if not cyclic:
        rhs[0] += s.initial_kwh
    m.add_constraints(lhs == _da(rhs, [time, unit]), name=f"{name}_energy")


def add_terminal_soc(m: linopy.Model, s: _Stores, name: str) -> None:
    """Rolling horizon: ``e_s(T−1) ≥ terminal_s``, which stands in for the cyclic condition."""
    if s.n == 0 or s.terminal_kwh is None:
        return
    soc = m.variables[f"{name}_soc"]
    last = soc.isel(time=-1)
    m.add_constraints(last >= _da(np.minimum(s.terminal_kwh, s.capacity_kwh), [soc.indexes[name]]),
                      name=f"{name}_terminal")


def add_no_grid_charging(m: linopy.Model, p: _Problem) -> None:
    """Shared meter: units that may not charge from the grid charge at most the district PV [kW]:

    ``Σ_{s: no grid charging} ch_s(t) ≤ Σ_h PV_h(t)``. (On separate meters this is a bound,
    see :func:`storage_bounds`.)
    """
    if p.mode == "meters":
        return
    terms = []
    for s, name in ((p.home, "home_battery"), (p.community, "community_storage")):
        idx = np.flatnonzero(~s.grid_charging & (s.capacity_kwh > 0))
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


def add_objective(m: linopy.Model, p: _Problem) -> None:
    """Minimise ``Σ_t Δt·[w_imp(t)·P_imp(t) − w_exp(t)·P_exp(t) + VOLL·(Σu + u^m) + k·VOLL·Σu^c]``.

    ``P_imp``, ``P_exp`` are the district's total import and export; ``w`` are prices
    (``cost``) or the emission factor and zero (``co2``); ``k = CRITICAL_PENALTY_MULTIPLE``.
    """
    v = m.variables
    dt = p.step_hours
    time = pd.RangeIndex(p.n_steps, name="time")
    imp = 1.0 * v["grid_import"]
    exp = 1.0 * v["grid_export"]
    if p.mode == "meters":
        imp = imp + v["home_grid_import"].sum("home")
        exp = exp + v["home_grid_export"].sum("home")
    energy = (_da(p.import_weight * dt, [time]) * imp).sum() - (_da(p.export_weight * dt, [time]) * exp).sum()
    penalty = (p.voll * dt) * (v["shed"].sum() + v["shed_mobility"].sum()) \
        + (CRITICAL_PENALTY_MULTIPLE * p.voll * dt) * v["shed_critical"].sum()
    m.add_objective(energy + penalty)


def _build(p: _Problem) -> linopy.Model:
    """Variables, constraint families, objective."""
    m = linopy.Model(force_dim_names=True)
    add_variables(m, p)
    {"merged": add_district_balance, "line": add_line_balance, "meters": add_meter_balance}[p.mode](m, p)
    for s, name in ((p.home, "home_battery"), (p.community, "community_storage")):
        add_storage_balance(m, s, name, p.step_hours, p.cyclic)
        add_terminal_soc(m, s, name)
    add_no_grid_charging(m, p)
    add_grid_limits(m, p)
    add_objective(m, p)
    return m


def build_model(inputs: DispatchInputs, objective: Objective = "cost", *, aggregate: bool = True) -> linopy.Model:
    """The perfect-foresight dispatch LP of ``inputs`` (storage cyclic), ready to solve.

    Parameters
    ----------
    inputs : DispatchInputs
        The district as arrays.
    objective : {"cost", "co2"}
        Minimise net energy cost [currency] or grid emissions [kg-CO2] (plus the unserved penalty).
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
    """
    _check(inputs, objective)
    return _build(_problem(inputs, objective, aggregate))


# --------------------------------------------------------------------------- solve and results


def _check(inputs: DispatchInputs, objective: str) -> None:
    if objective not in ("cost", "co2"):
        raise InputError(f"objective must be 'cost' or 'co2', got {objective!r}")
    if inputs.n_steps == 0:
        raise InputError("dispatch inputs: the period has no time steps")


def _solve(m: linopy.Model, solver_options: dict | None) -> None:
    """Solve with HiGHS; raise RuntimeError naming the status unless optimal."""
    options = dict(HIGHS_OPTIONS, **(solver_options or {}))
    options.setdefault("output_flag", False)
    options.setdefault("log_to_console", False)
    with _quiet_native_stdout():
        status, condition = m.solve(solver_name="highs", io_api="direct", progress=False, **options)
    if status != "ok" or condition != "optimal":
        raise RuntimeError(f"optimal dispatch: HiGHS did not find an optimum (status {status!r}, {condition!r})")


@contextlib.contextmanager
def _quiet_native_stdout():
    """Hide what native code writes to file descriptor 1 (HiGHS prints a banner before any option applies)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):  # captured stdout (tests, notebooks): leave it
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


def _values(m: linopy.Model, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Solution of a variable as a clean array (solver noise below NOISE_KW → 0, never negative)."""
    if name not in m.variables:
        return np.zeros(shape)
    sol = m.variables[name].solution
    x = np.asarray(sol.transpose("time", ...).values, dtype=float).reshape(shape)
    x = np.where(np.abs(x) < NOISE_KW, 0.0, x)
    return x


def _clip_soc(soc: np.ndarray, s: _Stores) -> np.ndarray:
    return np.clip(soc, s.min_kwh[None, :], s.capacity_kwh[None, :])


def _split(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(t,) total → (t, h) in proportion to (t, h) weights (0 where the weights are 0)."""
    w_sum = weights.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w_sum > 0, total[:, None] * weights / w_sum, 0.0)


def _pro_rata(amount: np.ndarray, weights: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Attribute ``amount`` (t,) to columns of ``weights`` (t, h), at most ``scale·weights`` each."""
    w_sum = weights.sum(axis=1) * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(w_sum > 0, np.minimum(amount / w_sum, 1.0), 0.0)
    return weights * scale * frac[:, None]


def _result(inputs: DispatchInputs, p: _Problem, m: linopy.Model, keep: int | None = None) -> DispatchResult:
    """Per-home matrices and district totals from a solved model (its first ``keep`` steps if given)."""
    n_t, n_h = inputs.n_steps, inputs.n_homes
    dt = p.step_hours
    loss = p.loss_ratio
    n_b = p.load_kw.shape[1]
    curt = np.maximum(_values(m, "curtail", (n_t, n_b)), 0.0)
    shed = np.maximum(_values(m, "shed", (n_t, n_b)), 0.0)
    shed_c = np.maximum(_values(m, "shed_critical", (n_t, n_b)), 0.0)
    hb_ch = np.maximum(_values(m, "home_battery_charge", (n_t, p.home.n)), 0.0)
    hb_dis = np.maximum(_values(m, "home_battery_discharge", (n_t, p.home.n)), 0.0)
    hb_soc = _clip_soc(_values(m, "home_battery_soc", (n_t, p.home.n)), p.home)
    cs_ch = np.maximum(_values(m, "community_storage_charge", (n_t, p.community.n)), 0.0)
    cs_dis = np.maximum(_values(m, "community_storage_discharge", (n_t, p.community.n)), 0.0)
    cs_soc = _clip_soc(_values(m, "community_storage_soc", (n_t, p.community.n)), p.community)
    imp = np.maximum(_values(m, "grid_import", (n_t,)), 0.0)
    exp = np.maximum(_values(m, "grid_export", (n_t,)), 0.0)
    shed_mob = np.maximum(_values(m, "shed_mobility", (n_t,)), 0.0)
    load, pv = inputs.load_kw.astype(float), inputs.pv_kw.astype(float)
    if p.mode == "merged":
        cols = np.where(p.home_class >= 0, p.home_class, 0)
        has = (p.home_class >= 0)[None, :] * p.home_share[None, :]
        ch_h, dis_h, soc_h = (x[:, cols] * has if p.home.n else np.zeros((n_t, n_h)) for x in (hb_ch, hb_dis, hb_soc))
        critical = load * inputs.critical_load_ratio[None, :]
        curt_h = _split(curt[:, 0], pv)
        shed_h = _split(shed[:, 0], load - critical) + _split(shed_c[:, 0], critical)
        shed_c_h = _split(shed_c[:, 0], critical)
    elif p.netted is not None:
        ch_h, dis_h, soc_h, curt_h, shed_h, shed_c_h, line_in_h, line_out_h = _expand_netted(
            p, inputs, hb_ch, hb_dis, hb_soc, curt, shed, shed_c,
            np.maximum(_values(m, "line_in", (n_t, n_b)), 0.0), np.maximum(_values(m, "line_out", (n_t, n_b)), 0.0))
    else:
        ch_h, dis_h, soc_h = hb_ch, hb_dis, hb_soc
        curt_h, shed_h, shed_c_h = curt, shed + shed_c, shed_c
    curt_h = np.minimum(curt_h, pv)
    shed_h = np.minimum(shed_h, load)
    if p.mode == "meters":
        h_imp = np.maximum(_values(m, "home_grid_import", (n_t, n_h)), 0.0)
        h_exp = np.maximum(_values(m, "home_grid_export", (n_t, n_h)), 0.0)
        line_in = line_out = np.zeros((n_t, n_h))
    else:
        if p.mode == "line" and p.netted is not None:
            line_in, line_out = line_in_h, line_out_h
        elif p.mode == "line":
            line_in = np.maximum(_values(m, "line_in", (n_t, n_h)), 0.0)
            line_out = np.maximum(_values(m, "line_out", (n_t, n_h)), 0.0)
        else:
            deficit = load - shed_h + ch_h - dis_h - pv + curt_h
            line_in, line_out = np.maximum(deficit, 0.0), np.maximum(-deficit, 0.0)
        h_imp = _pro_rata(imp, line_in)
        h_exp = _pro_rata(exp, line_out, 1.0 - loss)
    if keep is not None:
        sl = slice(0, keep)
        (ch_h, dis_h, soc_h, curt_h, shed_h, shed_c_h, h_imp, h_exp, line_in, line_out, cs_ch, cs_dis, cs_soc, imp, exp,
         shed_mob, load, pv) = (x[sl] for x in (ch_h, dis_h, soc_h, curt_h, shed_h, shed_c_h, h_imp, h_exp, line_in,
                                                line_out, cs_ch, cs_dis, cs_soc, imp, exp, shed_mob, load, pv))
        inputs = _window_view(inputs, keep)
    sent = (1.0 - loss) * line_out.sum(axis=1)
    drawn = line_in.sum(axis=1)
    shared = np.minimum(sent, drawn)
    n_cb = inputs.community_battery.n
    ev = slice(n_cb, None)
    totals = {
        "load_kw": load.sum(axis=1) + loss * line_out.sum(axis=1),
        "ev_charge_kw": cs_ch[:, ev].sum(axis=1) + inputs.mobility_load_kw,
        "pv_kw": pv.sum(axis=1),
        "battery_charge_kw": ch_h.sum(axis=1) + cs_ch[:, :n_cb].sum(axis=1),
        "battery_discharge_kw": dis_h.sum(axis=1) + cs_dis.sum(axis=1),
        "battery_soc_kwh": soc_h.sum(axis=1) + cs_soc[:, :n_cb].sum(axis=1),
        "shared_kw": shared,
        "grid_import_kw": imp + h_imp.sum(axis=1) * (p.mode == "meters"),
        "grid_export_kw": exp + h_exp.sum(axis=1) * (p.mode == "meters"),
        "unserved_kw": shed_h.sum(axis=1) + shed_mob,
        "ev_discharge_kw": cs_dis[:, ev].sum(axis=1),
        "ev_soc_kwh": cs_soc[:, ev].sum(axis=1),
        "line_loss_kw": loss * line_out.sum(axis=1),
        "critical_unserved_kw": shed_c_h.sum(axis=1),
    }
    _close_balance(totals)
    return DispatchResult(
        index=inputs.index,
        step_hours=dt,
        totals=totals,
        home_import_kw=h_imp,
        home_export_kw=h_exp,
        home_unserved_kw=shed_h,
        home_totals_kwh={
            "shared_in": _pro_rata(shared, line_in).sum(axis=0) * dt,
            "shared_out": _pro_rata(shared, line_out, 1.0 - loss).sum(axis=0) * dt,
            "curtailed": curt_h.sum(axis=0) * dt,
            "battery_charge": ch_h.sum(axis=0) * dt,
            "battery_discharge": dis_h.sum(axis=0) * dt,
        },
        home_soc_kwh=soc_h,
        community_soc_kwh=cs_soc[:, :n_cb].sum(axis=1),
        ev_soc_kwh=cs_soc[:, ev],
        method="optimal",
        objective=float(m.objective.value),
    )


def _expand_netted(p: _Problem, inputs: DispatchInputs, hb_ch, hb_dis, hb_soc, curt, shed, shed_c, line_in, line_out):
    """Per-home arrays (t, h) from a model whose storage-less homes were merged (:func:`_net_storage_less_homes`).

    The surplus bus's curtailment is split in proportion to each home's surplus, the deficit
    bus's shedding in proportion to each home's non-critical and critical deficit.
    """
    n_t, n_h = inputs.n_steps, inputs.n_homes
    netted, kept = p.netted, ~p.netted
    k = int(kept.sum())
    critical = inputs.load_kw * inputs.critical_load_ratio[None, :]
    surplus, deficit, crit_def = _netted_parts(inputs.load_kw[:, netted], inputs.pv_kw[:, netted], critical[:, netted])

    def full(kept_values: np.ndarray, netted_values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_t, n_h))
        out[:, kept] = kept_values
        out[:, netted] = netted_values
        return out

    zero = np.zeros((n_t, int(netted.sum())))
    curt_n = np.minimum(_split(curt[:, k], surplus), surplus)
    shed_nc = _split(shed[:, k + 1], deficit - crit_def)
    shed_cn = np.minimum(_split(shed_c[:, k + 1], crit_def), crit_def)
    shed_n = np.minimum(shed_nc + shed_cn, deficit)
    idle_soc = np.broadcast_to(inputs.home_batteries.initial_kwh[netted], zero.shape)  # no power: stays put
    return (full(hb_ch[:, :k], zero), full(hb_dis[:, :k], zero), full(hb_soc[:, :k], idle_soc),
            full(curt[:, :k], curt_n), full(shed[:, :k] + shed_c[:, :k], shed_n), full(shed_c[:, :k], shed_cn),
            full(line_in[:, :k], deficit - shed_n), full(line_out[:, :k], surplus - curt_n))


def _close_balance(totals: dict[str, np.ndarray]) -> None:
    """Re-derive curtailment as the slack of each step so the balance closes exactly.

    A negative slack (solver noise) goes to ``unserved_kw`` instead.
    """
    slack = (totals["pv_kw"] + totals["grid_import_kw"] + totals["battery_discharge_kw"] + totals["unserved_kw"]
             - totals["load_kw"] - totals["ev_charge_kw"] - totals["battery_charge_kw"] - totals["grid_export_kw"])
    totals["curtailed_kw"] = np.maximum(slack, 0.0)
    totals["unserved_kw"] = totals["unserved_kw"] + np.maximum(-slack, 0.0)


def _window_view(inputs: DispatchInputs, keep: int) -> DispatchInputs:
    """The first ``keep`` steps of the time-indexed inputs the results read."""
    return replace(inputs, index=inputs.index[:keep], mobility_load_kw=inputs.mobility_load_kw[:keep])


# --------------------------------------------------------------------------- rolling horizon


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
        energy = float((tot["grid_import_kw"] * inputs.emission_factor_kg_per_kwh).sum() * dt)
    else:
        energy = float(((tot["grid_import_kw"] * inputs.import_price)
                        - tot["grid_export_kw"] * inputs.export_price).sum() * dt)
    critical = float(tot["critical_unserved_kw"].sum() * dt)
    other = float(tot["unserved_kw"].sum() * dt) - critical
    return energy + voll * other + CRITICAL_PENALTY_MULTIPLE * voll * critical


def dispatch_optimal(inputs: DispatchInputs, objective: Objective = "cost", horizon_hours: int | None = None, *,
                     aggregate: bool = True, solver_options: dict | None = None) -> DispatchResult:
    """Least-cost (or least-CO2) dispatch of the district.

    Parameters
    ----------
    inputs : DispatchInputs
        The district as arrays.
    objective : {"cost", "co2"}
        Minimise net energy cost [currency] or grid emissions [kg-CO2].
    horizon_hours : int, optional
        None: perfect foresight over the whole period, storage cyclic. Otherwise a rolling
        horizon: solve ``horizon_hours`` [h] (≥ 24), keep the first 24 h, carry the states of
        charge and move on. The first window starts from each unit's ``initial_soc_ratio``;
        instead of the cyclic condition, every window must end with each unit at least at
        ``min(initial energy, energy at the window's start)``, and the last window at its
        initial energy, so a controller does not empty the storage at its horizon and the
        period ends where it started (or above).
    aggregate : bool
        Solve the exact aggregated LP when sharing is lossless (see module docstring).
    solver_options : dict, optional
        HiGHS options on top of :data:`HIGHS_OPTIONS` (e.g. ``{"threads": 1}``).

    Returns
    -------
    DispatchResult
        ``method="optimal"``; ``objective`` is the minimised value including the unserved
        penalty (for a rolling horizon, the same expression over the kept steps).

    Raises
    ------
    InputError
        Bad ``objective`` or ``horizon_hours``.
    RuntimeError
        HiGHS did not reach an optimum (the message gives its status).
    """
    _check(inputs, objective)
    if horizon_hours is None:
        p = _problem(inputs, objective, aggregate)
        m = _build(p)
        _solve(m, solver_options)
        return _result(inputs, p, m)
    return _rolling(inputs, objective, horizon_hours, aggregate, solver_options)


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
        m = _build(p)
        try:
            _solve(m, solver_options)
        except RuntimeError as err:
            raise RuntimeError(f"rolling horizon window from step {start} ({inputs.index[start]}): {err}") from err
        keep = stop - start if last else n_keep
        part = _result(window, p, m, keep=keep)
        parts.append(part)
        soc = {"home": part.home_soc_kwh[-1], "battery": part.community_soc_kwh[-1:] if n_cb else np.zeros(0),
               "ev": part.ev_soc_kwh[-1]}
        start += keep
    result = _concat(parts, inputs, 0.0)
    result.objective = objective_value(inputs, result, objective, voll)
    result.notes.append(f"rolling horizon: {horizon_hours} h windows, {ROLLING_KEEP_HOURS:g} h kept from each")
    return result
