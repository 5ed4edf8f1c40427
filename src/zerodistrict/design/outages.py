"""Survival targets in sizing: outage copies of the district by REopt's method, chosen from the full survival analysis.

REopt sizes for resilience by adding, for each of a few chosen outage starts ``s``, a copy of
the site islanded over ``[s, s + H)`` that must serve the critical load [1]_. We do the same
for the district as :mod:`zerodistrict.analysis.resilience` simulates it (its ``shared``
configuration), and choose the starts from that analysis:

1. size (the sizing LP with the copies so far);
2. re-simulate the sized design over the full year with the optimal dispatch and run the full
   survival analysis, an outage starting at every step;
3. if the target does not hold, add copies for the violated starts (:func:`pick_starts`) and
   go back to 1 (at most :data:`MAX_SURVIVAL_ROUNDS` rounds).

An outage copy of start ``s`` (steps ``τ = 0..n−1``, ``n = H/Δt``, time ``t = (s + τ) mod T``:
wrapping round the period as the analysis does), over the pooled stationary store of the analysis
(homes' batteries and the community bus's batteries; EVs and hydrogen left out):

==================  ==============================================================  ======================
symbol              meaning                                                          code name
==================  ==============================================================  ======================
``y_s(τ)``          pooled energy above the pooled floor at the end of step τ [kWh]  ``outage_<k>_energy``
``c_s(τ), d_s(τ)``  pooled charge and discharge [kW]                                 ``outage_<k>_charge`` …
``R = Σ_c r_c``     the community batteries' outage reserves [kWh]                   ``outage_reserve``
``U``               pooled usable energy ``Σ_u (M_u − m_u)·E_u`` [kWh]
``P^c, P^d``        pooled charge and discharge power ``Σ_u P_u`` [kW]
``N(t)``            district PV minus critical load after the line [kW]
==================  ==============================================================  ======================

::

    y_s(τ) = y_s(τ−1) + η_c·c_s(τ)·Δt − d_s(τ)·Δt/η_d,    y_s(−1) = R
    0 ≤ y_s(τ) ≤ U,   0 ≤ c_s(τ) ≤ P^c,   0 ≤ d_s(τ) ≤ P^d,   c_s(τ) − d_s(τ) ≤ N(t)
    N(t) = Σ_h (PV_h(t) − L^c_h(t)) − ℓ·Σ_h v_h(t),   v_h(t) ≥ PV_h(t) − L^c_h(t),  v_h(t) ≥ 0

with ``PV_h(t) = k_g(h)·π_h(t)`` for a home of a sized PV group (``π_h`` its output per kWp),
``L^c_h`` its critical load and ``ℓ`` the line loss ratio (``v`` only when ``ℓ > 0``).

Why the copies are conservative, so that a start they hold also holds in the analysis:

* the copy starts from ``R`` above the floor; the dispatch keeps every community battery at
  least ``r_c`` above its floor while the grid is up (:mod:`zerodistrict.dispatch.optimal.reserve`,
  the rule CEMS alike) and home batteries are never below theirs, so the analysis starts each
  outage with at least ``R`` (the reserve is a lower bound of the actual state of charge);
* the analysis runs a single pooled store greedily (charge all it can, draw what it must), which
  is the best any controller of that store can do, and its energy only grows with the start
  energy, so a copy the LP holds is held by the greedy run too;
* ``N(t)`` is at most the analysis's net after line sharing: it charges the line loss on every
  home's whole surplus, the analysis only on what it sends (equal without loss);
* the pooled efficiencies are the lowest of the units that may be built (the analysis weights
  them by capacity; equal for the presets), and EVs, which can only add survival, are left out.

The target is checked as ``zerodistrict run sized.yaml --dispatch optimal`` would find it. The
rule CEMS holds the same reserve, so the starts the LP constrained hold with it too, but the
other starts depend on its own states of charge (Misono sized for a 24 h median, full year:
27 h with the optimal dispatch, 20 h with the rule CEMS; benchmarks/bench_sizing_survival.py).

A unit that is built must have power (``E_u ≤ K·P_u``, ``r_c ≤ K·P_c``, ``K`` =
:data:`MAX_HOURS_AT_FULL_POWER`), so the pool never counts energy the analysis leaves out (a unit
of no power). Survival targets (``H`` hours for a share ``q`` of the start steps):

* ``critical_survival_hours_p50>=H``: the median over the start steps ≥ H (``q`` = 0.5);
* ``critical_survival_hours>=H``: **every** start step survives H hours (the shortest
  survival over the year ≥ H, ``q`` = 1; REopt's "for every chosen outage" applied to all);
* ``survive_24h_probability>=x``: at least a share x of the start steps survive 24 h.

References
----------
.. [1] NREL, REopt.jl, ``src/constraints/outage_constraints.jl`` and the ``ElectricUtility`` fields
   ``outage_start_time_steps``, ``outage_durations`` (multiple outage modelling), accessed 2025.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import xarray as xr

from zerodistrict.analysis import resilience as res_mod
from zerodistrict.dispatch.common import DispatchInputs, Stores
from zerodistrict.dispatch.optimal.reserve import add_reserve_floor
from zerodistrict.errors import InputError

#: survival KPIs a target may name → (hours fixed by the KPI or None, share of start steps fixed or None)
SURVIVAL_KPIS = {
    "critical_survival_hours_p50": (None, 0.5),
    "critical_survival_hours": (None, 1.0),
    "survive_24h_probability": (24.0, None),
}
#: longest survival a target may ask [h]: a year (assumption: beyond it the analysis wraps the same year again)
MAX_TARGET_HOURS = 8760.0
#: rounds of size → full-year survival analysis → add violated starts (assumption: enough on the presets; the
#: result says how many were used and whether the target holds)
MAX_SURVIVAL_ROUNDS = 10
#: outage starts added per round (assumption: a batch keeps the rounds few; each copy is small)
STARTS_PER_ROUND = 12
#: a unit that holds energy must be able to empty at full power within this time [h] (assumption: beyond any
#: battery; it only stops a unit of no power from counting in the pool)
MAX_HOURS_AT_FULL_POWER = 1000.0


def is_survival(kpi: str) -> bool:
    return kpi in SURVIVAL_KPIS


def hours_and_share(kpi: str, value: float) -> tuple[float, float]:
    """``(H, q)`` of a survival target: survive ``H`` hours from a share ``q`` of the start steps."""
    hours, share = SURVIVAL_KPIS[kpi]
    return (value, share) if hours is None else (hours, value)


def survival_value(kpi: str, hours: np.ndarray) -> float:
    """The KPI of a target from the survival hours of every start step [h or share]."""
    hours = np.asarray(hours, dtype=float)
    if kpi == "critical_survival_hours_p50":
        return float(np.percentile(hours, 50))
    if kpi == "critical_survival_hours":
        return float(hours.min())
    return float((hours >= 24.0 - 1e-9).mean())


def pick_starts(hours: np.ndarray, target_hours: float, share: float, taken: set[int], step_hours: float,
                limit: int = STARTS_PER_ROUND) -> list[int]:
    """Violated start steps to constrain next: the worst first for every start (``share`` 1), else the nearest.

    For a share below 1 the target does not need the worst starts, so the violated starts closest
    to ``target_hours`` come first (the cheapest to lift). Chosen starts lie at least the target's
    duration apart (one outage's worth), and none is taken twice.
    """
    hours = np.asarray(hours, dtype=float)
    violated = np.flatnonzero(hours < target_hours - 1e-9)
    order = violated[np.argsort(hours[violated], kind="stable")]
    if share < 1.0:
        order = order[::-1]
    gap = max(round(target_hours / step_hours), 1)
    chosen: list[int] = []
    for s in order:
        s = int(s)
        if s in taken or any(abs(s - c) < gap for c in chosen):
            continue
        chosen.append(s)
        if len(chosen) == limit:
            break
    return chosen


def _var(variables, name: str):
    """The model's variable ``name``, or None."""
    return variables[name] if name in variables else None


@dataclass
class _Pool:
    """The pooled stationary store of the sizing LP as linear expressions (or numbers) [kWh, kW]."""

    usable: object  # U
    charge_kw: object  # P^c
    discharge_kw: object  # P^d
    eta_c: float
    eta_d: float
    reserve: object  # R


def _pool(sm) -> _Pool:
    """Pooled usable energy, power and efficiencies of the LP's home and community batteries; the reserve variable."""
    m, lp = sm.model, sm.inputs
    v = m.variables
    usable_terms, ch_terms, dis_terms, etas = [], [], [], []
    groups = (("home_battery", lp.stores.per_home(lp.n_homes, steps=False), None),
              ("community_storage", lp.stores.community(), lp.stores.community().kind == "battery"))
    for name, s, keep in groups:
        if s.n == 0:
            continue
        keep = np.ones(s.n, dtype=bool) if keep is None else keep
        e_var, p_var = _var(v, f"{name}_energy_capacity"), _var(v, f"{name}_power_capacity")
        unit = pd.RangeIndex(s.n, name=name)
        span = np.where(keep, s.max_soc_ratio - s.min_soc_ratio, 0.0)
        if e_var is not None:
            usable_terms.append((xr.DataArray(span, coords=[unit]) * e_var).sum())
            upper_e = np.asarray(e_var.upper.values, dtype=float)
        else:
            powered = (s.charge_power_kw > 0) | (s.discharge_power_kw > 0)
            usable_terms.append(float((span * s.capacity_kwh * powered).sum()))
            upper_e = s.capacity_kwh
        with np.errstate(divide="ignore", invalid="ignore"):
            d_ratio = np.where(s.charge_power_kw > 0, s.discharge_power_kw / s.charge_power_kw, 1.0)
        if p_var is not None:
            ch_terms.append((xr.DataArray(keep * 1.0, coords=[unit]) * p_var).sum())
            dis_terms.append((xr.DataArray(keep * d_ratio, coords=[unit]) * p_var).sum())
            if e_var is not None:  # a unit with energy has power (see module docstring)
                m.add_constraints(e_var - MAX_HOURS_AT_FULL_POWER * p_var <= 0.0, name=f"outage_{name}_powered")
        else:
            has = (s.capacity_kwh > 0) & keep
            ch_terms.append(float(s.charge_power_kw[has].sum()))
            dis_terms.append(float(s.discharge_power_kw[has].sum()))
        may_exist = keep & (upper_e > 0)
        etas.append((s.charge_efficiency[may_exist], s.discharge_efficiency[may_exist]))
    eta_c = min([float(c.min()) for c, _ in etas if c.size] or [1.0])
    eta_d = min([float(d.min()) for _, d in etas if d.size] or [1.0])
    reserve = _reserve_variable(sm)
    total = lambda terms: sum(terms[1:], terms[0]) if terms else 0.0
    return _Pool(usable=total(usable_terms), charge_kw=total(ch_terms), discharge_kw=total(dis_terms),
                 eta_c=eta_c, eta_d=eta_d, reserve=reserve)


def _reserve_variable(sm):
    """``r_c`` of every community unit (0 for EVs and hydrogen): a sizing variable held by the LP's dispatch.

    ``own ≤ r_c ≤ (M_c − m_c)·E_c`` and ``r_c ≤ K·P_c`` (``own``: the scenario's reserve); the LP's
    dispatch keeps ``e_c(t) ≥ m_c·E_c + r_c`` while the grid is up (hard: its storage is cyclic).
    Returns ``Σ_c r_c`` (0 when the district has no community battery).
    """
    m, lp = sm.model, sm.inputs
    comm = lp.stores.community()
    battery = comm.kind == "battery"
    if not battery.any():
        return 0.0
    unit = pd.RangeIndex(comm.n, name="community_storage")
    v = m.variables
    e_var, p_var = _var(v, "community_storage_energy_capacity"), _var(v, "community_storage_power_capacity")
    usable = np.where(battery, (comm.max_soc_ratio - comm.min_soc_ratio) * comm.capacity_kwh, 0.0)
    upper = np.where(battery, np.inf if e_var is not None else usable, 0.0)
    if p_var is None:  # a battery of no power holds no reserve the analysis could use
        upper = np.where(comm.discharge_power_kw > 0, upper, 0.0)
    lower = np.minimum(np.where(battery, comm.outage_reserve_kwh, 0.0), upper)
    r = m.add_variables(xr.DataArray(lower, coords=[unit]), xr.DataArray(upper, coords=[unit]), name="outage_reserve")
    span = xr.DataArray(np.where(battery, comm.max_soc_ratio - comm.min_soc_ratio, 0.0), coords=[unit])
    if e_var is not None:
        m.add_constraints(r - span * e_var <= 0.0, name="outage_reserve_usable")
    if p_var is not None:
        m.add_constraints(r - MAX_HOURS_AT_FULL_POWER * p_var <= 0.0, name="outage_reserve_powered")
    sized = {"community_storage": sm.om._sized["community_storage"]} if "community_storage" in sm.om._sized else {}
    add_reserve_floor(m, sm.om._problem, sized, r, held=battery, name="outage_reserve_floor_sized", soft=False)
    return r.sum()


@dataclass
class OutageCopies:
    """The survival constraints of one sizing LP: the pool, the district's year, and the copies added so far."""

    sm: object
    inputs: DispatchInputs  # the full period, one column per home (the survival analysis's arrays)
    target_hours: float  # longest survival any target asks [h]
    pool: _Pool
    starts: list[int] = field(default_factory=list)
    rounds: int = 0

    @property
    def n_steps(self) -> int:
        return res_mod.max_steps_for(self.target_hours, self.inputs.step_hours)

    @property
    def analysis_hours(self) -> float:
        """Longest outage of the survival analysis that checks the targets [h]: the analysis's default or more."""
        return max(self.target_hours, res_mod.DEFAULT_MAX_HOURS)

    def add_violated(self, target, survival_hours: np.ndarray) -> list[int]:
        """Copies for the violated starts of ``target`` (:func:`pick_starts`); the starts added."""
        hours, share = hours_and_share(target.kpi, target.value)
        starts = pick_starts(survival_hours, hours, share, set(self.starts), float(self.inputs.step_hours))
        self.add(starts)
        return starts

    def add(self, starts: list[int]) -> None:
        """One copy per start (see the module docstring), as variables ``outage_<k>_*`` over (start, step)."""
        if not starts:
            return
        m, inp = self.sm.model, self.inputs
        k = self.rounds
        self.rounds += 1
        self.starts.extend(starts)
        n, dt, n_t = self.n_steps, float(inp.step_hours), inp.n_steps
        times = (np.asarray(starts)[:, None] + np.arange(n)[None, :]) % n_t  # (k, n)
        start = pd.Index(starts, name=f"outage_{k}_start")
        step = pd.RangeIndex(n, name="outage_step")
        coords = [start, step]
        y = m.add_variables(0.0, coords=coords, name=f"outage_{k}_energy")
        c = m.add_variables(0.0, coords=coords, name=f"outage_{k}_charge")
        d = m.add_variables(0.0, coords=coords, name=f"outage_{k}_discharge")
        p = self.pool
        m.add_constraints(y - p.usable <= 0.0, name=f"outage_{k}_ceiling")
        m.add_constraints(c - p.charge_kw <= 0.0, name=f"outage_{k}_charge_max")
        m.add_constraints(d - p.discharge_kw <= 0.0, name=f"outage_{k}_discharge_max")
        first = xr.DataArray((np.arange(n) == 0).astype(float), coords=[step])  # y(−1) = R
        lhs = y - y.shift(outage_step=1).fillna(0) - p.eta_c * dt * c + (dt / p.eta_d) * d
        m.add_constraints(lhs - p.reserve * first == 0.0, name=f"outage_{k}_balance")
        net = self._net(times, coords, k)
        m.add_constraints(c - d - net <= 0.0, name=f"outage_{k}_serve")

    def _net(self, times: np.ndarray, coords: list, k: int):
        """``N(t)`` over (start, step): PV built minus critical load, less the line loss (module docstring)."""
        m, sm, inp = self.sm.model, self.sm, self.inputs
        critical = inp.load_kw * inp.critical_load_ratio[None, :]
        pv = np.asarray(inp.pv_kw, dtype=float)
        sized_home = np.zeros(inp.n_homes, dtype=bool)
        per_kwp = np.zeros_like(pv)
        if sm.space.pv_groups:
            for i, g in enumerate(sm.space.pv_groups):
                homes = inp.home_group == g
                sized_home |= homes
                per_kwp[:, homes] = pv[:, homes] / sm.space.pv_bounds_kwp[i, 1]
        fixed = np.where(sized_home[None, :], 0.0, pv) - critical  # (T, h)
        net = xr.DataArray(fixed.sum(axis=1)[times], coords=coords)
        if sm.space.pv_groups:
            kvar = m.variables["pv_capacity"]
            onehot = np.zeros((inp.n_homes, len(sm.space.pv_groups)))
            for i, g in enumerate(sm.space.pv_groups):
                onehot[inp.home_group == g, i] = 1.0
            per_group = (per_kwp @ onehot)[times]  # (k, n, G)
            net = (xr.DataArray(per_group, coords=[*coords, kvar.indexes["pv_group"]]) * kvar).sum("pv_group") + net
        loss = float(inp.line_loss_ratio)
        if loss > 0:
            home = pd.RangeIndex(inp.n_homes, name="outage_home")
            v = m.add_variables(0.0, coords=[*coords, home], name=f"outage_{k}_surplus")
            own = xr.DataArray(fixed[times], coords=[*coords, home])
            if sm.space.pv_groups:
                kvar = m.variables["pv_capacity"]
                pv_home = xr.DataArray(per_kwp[times][..., None] * onehot[None, None, :, :],
                                       coords=[*coords, home, kvar.indexes["pv_group"]])
                m.add_constraints(v - (pv_home * kvar).sum("pv_group") >= own, name=f"outage_{k}_surplus_min")
            else:
                m.add_constraints(v >= own, name=f"outage_{k}_surplus_min")
            net = net - loss * v.sum("outage_home")
        return net


def attach(sm, inputs: DispatchInputs, targets: list) -> OutageCopies | None:
    """The survival constraints of ``targets`` on ``sm`` (the reserve variable; no copy yet); None without any."""
    survival = [t for t in targets if is_survival(t.kpi)]
    if not survival:
        return None
    hours = max(hours_and_share(t.kpi, t.value)[0] for t in survival)
    return OutageCopies(sm=sm, inputs=inputs, target_hours=hours, pool=_pool(sm))


def largest_stores(inputs: DispatchInputs, space) -> Stores:
    """``inputs.stores`` with every sized battery at its upper bounds of energy and power (``space``: DesignSpace)."""
    s = inputs.stores
    cap, ch, dis = s.capacity_kwh.copy(), s.charge_power_kw.copy(), s.discharge_power_kw.copy()
    at_home = ~s.at_community
    group = np.where(at_home, inputs.home_group[np.maximum(s.location, 0)], -1)
    for row, g in enumerate(space.battery_groups):
        units = at_home & (group == g)
        cap[units], ch[units], dis[units] = space.battery_kwh[row, 1], space.battery_kw[row, 1], space.battery_kw[row, 1]
    comm = np.flatnonzero(s.at_community)
    for row, j in enumerate(space.community):
        u = comm[j]
        cap[u], ch[u], dis[u] = space.community_kwh[row, 1], space.community_kw[row, 1], space.community_kw[row, 1]
    return replace(s, capacity_kwh=cap, charge_power_kw=ch, discharge_power_kw=dis)


def best_reachable(inputs: DispatchInputs, space, kpi: str, value: float) -> float:
    """The best value of a survival KPI the bounds allow: the largest design, every store full at every start.

    ``inputs``: the largest PV's (:func:`~zerodistrict.design.sizing.design_space`); the batteries go to
    their upper bounds (:func:`largest_stores`). Survival grows with PV, capacity, power and the start
    energy, so no design within the bounds does better. EVs are left out, as in the copies.
    """
    hours, _ = hours_and_share(kpi, value)
    stores = largest_stores(inputs, space)
    hb = stores.per_home(inputs.n_homes)
    comm = stores.select(stores.at_community & (stores.kind == "battery"))
    n_t = inputs.n_steps
    full_home = np.broadcast_to(hb.max_kwh, (n_t, hb.n))
    full_comm = np.broadcast_to(comm.max_kwh, (n_t, comm.n))
    dt = float(inputs.step_hours)
    max_hours = max(hours, res_mod.DEFAULT_MAX_HOURS)
    home_net = np.asarray(inputs.pv_kw) - np.asarray(inputs.load_kw) * inputs.critical_load_ratio[None, :]
    steps = res_mod._survival_steps(home_net, full_home, hb, dt, res_mod.max_steps_for(max_hours, dt), True,
                                    inputs.line_loss_ratio, comm, full_comm)
    return survival_value(kpi, steps * dt)


def check_reachable(inputs: DispatchInputs, space, target) -> None:
    """InputError naming the target and the best value the bounds allow, when the largest design misses it."""
    best = best_reachable(inputs, space, target.kpi, target.value)
    if best < target.value - 1e-9:
        unit = "" if target.kpi == "survive_24h_probability" else " h"
        raise InputError(f"--target {target.text}: out of reach within the sizing bounds; the best {target.kpi} they "
                         f"allow is {best:.6g}{unit} (the largest design with every battery full at every start; "
                         "shared EVs not counted on)")


def with_reserve_sizes(sizes: dict, sm) -> dict:
    """``sizes`` with each community battery's outage reserve (``outage_reserve_kwh``) when the LP chose one."""
    for name, kwh in reserve_sizes(sm).items():
        sizes.setdefault("community", {}).setdefault(name, {})["outage_reserve_kwh"] = kwh
    return sizes


def with_reserve(battery, reserve_kwh: float):
    """A community battery with its outage reserve (within its usable energy) and starting with it.

    The reserve is clipped to the usable energy (solver noise) and the initial state of charge raised
    to floor + reserve where it was lower, so the first start of the survival analysis holds it too.
    """
    usable = (battery.max_soc_ratio - battery.min_soc_ratio) * battery.capacity_kwh
    kwh = min(max(float(reserve_kwh), 0.0), usable)
    update = {"outage_reserve_kwh": kwh}
    if battery.capacity_kwh > 0:
        need = min(battery.min_soc_ratio + kwh / battery.capacity_kwh, battery.max_soc_ratio)
        if battery.initial_soc_ratio < need:
            update["initial_soc_ratio"] = need
    return battery.model_copy(update=update)


def reserve_sizes(sm) -> dict[str, float]:
    """The outage reserve chosen for each community battery [kWh] (by its name in ``community.batteries``)."""
    if "outage_reserve" not in sm.model.variables:
        return {}
    r = np.asarray(sm.model.variables["outage_reserve"].solution.values, dtype=float)
    names = [b.name for b in sm.scenario.community.batteries]
    return {name: (0.0 if abs(r[j]) < 1e-9 else float(r[j])) for j, name in enumerate(names)}


__all__ = [
    "MAX_SURVIVAL_ROUNDS",
    "SURVIVAL_KPIS",
    "OutageCopies",
    "attach",
    "best_reachable",
    "check_reachable",
    "hours_and_share",
    "is_survival",
    "pick_starts",
    "reserve_sizes",
    "survival_value",
    "with_reserve",
    "with_reserve_sizes",
]
