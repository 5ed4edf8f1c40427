"""Storage capacities as decision variables of the dispatch LP (the sizing problem builds on this).

A store group's units (``home_battery``: one per home; ``community_storage``: the
community battery first, then the EVs) may get an energy capacity ``E_s`` [kWh] and/or a
power capacity ``P_s`` [kW] chosen by the LP within ``lower ≤ x ≤ upper``, at a cost per
unit for the period added to the objective. The bounds that hold a preset capacity
become constraints with the variable:

=====================  ==========================================  ===============================
symbol                 meaning                                     code name
=====================  ==========================================  ===============================
``E_s``                energy capacity of unit s [kWh]             ``{group}_energy_capacity``
``P_s``                power capacity (AC, charge and discharge)   ``{group}_power_capacity``
                       of unit s [kW]
``m_s``                minimum state of charge [ratio]             ``min_soc_ratio``
``a_s(t), b_s``        availability (EV parked), may discharge     ``available``, ``bidirectional``
=====================  ==========================================  ===============================

The per-unit shapes (``a_s(t)``, ``b_s``, ``m_s``) come from the same problem built with
every capacity and power set to 1, so they follow whatever the problem data does.
PV (:class:`PVCapacity`): the size ``k_g`` of a group of buses (e.g. kWp per home of a home
group) with output ``k_g·π_b(t)`` at each bus b of the group. The problem is built with the
group's largest PV, ``U_g·π_b(t)``; the part not built is curtailed by force
(:func:`add_pv_capacity`), so no balance equation of the dispatch LP changes.

The private line's trunk (:func:`add_line_capacity`): a fixed limit from the inputs, or the variable
``line_capacity`` ``C`` [kW]. Shared-EV fleets (:class:`FleetCapacity`): the number of vehicles
``N_f`` (continuous) and the share of trips not served ``v_f`` scale a fleet's pooled store.

Simplifications: the model is built per store (no battery classes, no merged buses:
aggregation is exact only for fixed capacities); storage is cyclic (perfect foresight),
so the initial state of charge does not enter; a unit must exist in the inputs (a
zero-capacity battery may be sized up, an absent one cannot).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from zerodistrict.dispatch.common import DispatchInputs
from zerodistrict.dispatch.optimal.problem import _Problem, _Stores
from zerodistrict.errors import InputError

#: store groups of the model that may carry capacity variables
GROUPS = ("home_battery", "community_storage")


@dataclass(frozen=True)
class CapacityRange:
    """A capacity the LP chooses per unit: ``lower ≤ x ≤ upper`` at ``cost_per_unit`` per unit for the period.

    Each field is a number (every unit of the group) or an array with one value per unit.
    ``cost_per_unit`` is in the objective's unit (currency, or kg-CO2 with ``objective="co2"``)
    per kWh or kW, for the period modelled (annualise and scale to the period before).
    Fixing a unit: ``lower = upper``.
    """

    lower: float | np.ndarray = 0.0
    upper: float | np.ndarray = np.inf
    cost_per_unit: float | np.ndarray = 0.0


@dataclass(frozen=True)
class StoreCapacity:
    """Which capacities of a store group's units are variables: energy [kWh], power [kW] or both."""

    energy_kwh: CapacityRange | None = None
    power_kw: CapacityRange | None = None


@dataclass
class _Sizing:
    """Arrays of one sized store group (n units): shapes per unit of capacity, and the ranges."""

    available: np.ndarray  # (t, n) charge cap per kW of P_s: a_s(t)
    discharge_available: np.ndarray  # (t, n) discharge cap per kW of P_s: a_s(t)·b_s
    min_ratio: np.ndarray  # (n,) m_s
    energy: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # lower, upper, cost (n,)
    power: tuple[np.ndarray, np.ndarray, np.ndarray] | None


def unit_inputs(inputs: DispatchInputs) -> DispatchInputs:
    """The inputs with every store's capacity 1 kWh and charge power 1 kW (same per-kWh parameters).

    The discharge power keeps its ratio to the charge power (0 for a one-way EV), so the unit
    problem's caps give the shapes ``a_s(t)`` and ``a_s(t)·b_s`` of :class:`_Sizing`; a store of
    no size yet (charge power 0) may discharge as much as it charges (``b_s = 1``).
    """
    s = inputs.stores
    ones = np.ones(s.n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(s.charge_power_kw > 0, s.discharge_power_kw / s.charge_power_kw, 1.0)
    return replace(inputs, stores=replace(s, capacity_kwh=ones, charge_power_kw=ones.copy(), discharge_power_kw=ratio))


def _range(r: CapacityRange, n: int, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out = []
    for name in ("lower", "upper", "cost_per_unit"):
        x = np.asarray(getattr(r, name), dtype=float)
        if x.ndim > 1 or (x.ndim == 1 and x.size != n):
            raise InputError(f"{where}.{name}: give one number or {n} values (one per unit), got shape {x.shape}")
        out.append(np.broadcast_to(x, (n,)).copy())
    lower, upper, cost = out
    if np.isnan(lower).any() or (lower < 0).any() or np.isnan(upper).any():
        raise InputError(f"{where}.lower: must be ≥ 0 (and upper a number), got lower {lower}, upper {upper}")
    if (lower > upper).any():
        raise InputError(f"{where}: lower {lower} exceeds upper {upper}")
    if not np.isfinite(cost).all() or (cost < 0).any():
        raise InputError(f"{where}.cost_per_unit: must be finite and ≥ 0, got {cost}")
    return lower, upper, cost


def sizing(capacities: dict[str, StoreCapacity], p: _Problem, unit: _Problem) -> dict[str, _Sizing]:
    """Validated capacity ranges of each sized group, with its per-unit shapes from ``unit`` (capacities 1)."""
    unknown = sorted(set(capacities) - set(GROUPS))
    if unknown:
        raise InputError(f"capacities: unknown store group {unknown[0]!r}; use one of {', '.join(GROUPS)}")
    out = {}
    for name, cap in capacities.items():
        if not isinstance(cap, StoreCapacity):
            raise InputError(f"capacities[{name!r}]: expected a StoreCapacity, got {type(cap).__name__}")
        if cap.energy_kwh is None and cap.power_kw is None:
            continue
        s = _group(unit, name)
        if s.n != _group(p, name).n:
            raise InputError(f"capacities[{name!r}]: the model's store group does not map to units one to one")
        if s.n == 0:
            raise InputError(f"capacities[{name!r}]: the scenario has no unit in this group to size")
        where = f"capacities[{name!r}]"
        out[name] = _Sizing(
            available=s.charge_kw, discharge_available=s.discharge_kw, min_ratio=s.min_kwh,
            energy=None if cap.energy_kwh is None else _range(cap.energy_kwh, s.n, f"{where}.energy_kwh"),
            power=None if cap.power_kw is None else _range(cap.power_kw, s.n, f"{where}.power_kw"),
        )
    return out


def _group(p: _Problem, name: str) -> _Stores:
    return {"home_battery": p.home, "community_storage": p.community}[name]


def _da(values: np.ndarray, coords: list[pd.Index]) -> xr.DataArray:
    return xr.DataArray(values, coords=coords)


def add_capacity_variables(m: linopy.Model, name: str, z: _Sizing) -> None:
    """``lower_s ≤ E_s ≤ upper_s`` [kWh] and ``lower_s ≤ P_s ≤ upper_s`` [kW] for the sized units."""
    unit = pd.RangeIndex(z.min_ratio.size, name=name)
    for kind, r in (("energy", z.energy), ("power", z.power)):
        if r is not None:
            m.add_variables(_da(r[0], [unit]), _da(r[1], [unit]), name=f"{name}_{kind}_capacity")


def add_soc_capacity(m: linopy.Model, name: str, z: _Sizing) -> None:
    """State of charge within the chosen energy capacity [kWh]: ``m_s·E_s ≤ e_s(t) ≤ E_s``."""
    if z.energy is None:
        return
    soc, cap = m.variables[f"{name}_soc"], m.variables[f"{name}_energy_capacity"]
    m.add_constraints(soc - cap <= 0.0, name=f"{name}_soc_max")
    m.add_constraints(soc - _da(z.min_ratio, [cap.indexes[name]]) * cap >= 0.0, name=f"{name}_soc_min")


def add_power_capacity(m: linopy.Model, name: str, z: _Sizing) -> None:
    """Charge and discharge within the chosen power capacity [kW]:

    ``ch_s(t) ≤ a_s(t)·P_s`` and ``dis_s(t) ≤ a_s(t)·b_s·P_s``.
    """
    if z.power is None:
        return
    v = m.variables
    cap = v[f"{name}_power_capacity"]
    coords = [v[f"{name}_charge"].indexes["time"], cap.indexes[name]]
    m.add_constraints(v[f"{name}_charge"] - _da(z.available, coords) * cap <= 0.0, name=f"{name}_charge_max")
    m.add_constraints(v[f"{name}_discharge"] - _da(z.discharge_available, coords) * cap <= 0.0,
                      name=f"{name}_discharge_max")


def capacity_cost(m: linopy.Model, sized: dict[str, _Sizing]) -> linopy.LinearExpression | None:
    """``Σ_s c^E_s·E_s + c^P_s·P_s`` over the sized groups [objective unit], None if nothing is sized."""
    terms = []
    for name, z in sized.items():
        for kind, r in (("energy", z.energy), ("power", z.power)):
            if r is not None:
                cap = m.variables[f"{name}_{kind}_capacity"]
                terms.append((_da(r[2], [cap.indexes[name]]) * cap).sum())
    return sum_terms(terms)


def sum_terms(terms: list) -> linopy.LinearExpression | None:
    """The sum of linear expressions (None for none)."""
    if not terms:
        return None
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


@dataclass(frozen=True)
class PVCapacity:
    """PV whose size the LP chooses per group of buses: ``k_g`` within ``size`` (one value per group).

    ``group`` (b,) is the sized group of each bus of the problem (-1: its PV is fixed);
    ``unit_kw`` (t, b) the bus's output per unit of its group's size, ``π_b(t)`` [kW per unit].
    The problem's PV of a sized bus must be ``U_g·π_b(t)`` with ``U_g = size.upper`` (finite: a
    roof limit).
    """

    group: np.ndarray
    unit_kw: np.ndarray
    size: CapacityRange

    def checked(self, p: _Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(lower, upper, cost)`` per group, after checking the shapes against the problem."""
        group = np.asarray(self.group, dtype=int)
        n_groups = int(group.max()) + 1 if group.size and group.max() >= 0 else 0
        if group.shape != (p.pv_kw.shape[1],) or self.unit_kw.shape != p.pv_kw.shape:
            raise InputError(f"pv: group {group.shape} and unit_kw {self.unit_kw.shape} must match the problem's "
                             f"PV buses {p.pv_kw.shape}")
        lower, upper, cost = _range(self.size, n_groups, "pv.size")
        if not np.isfinite(upper).all():
            raise InputError("pv.size.upper: PV needs a finite upper bound (the roof limit)")
        expect = np.where(group >= 0, upper[np.maximum(group, 0)], 0.0)[None, :] * self.unit_kw
        sized = group >= 0
        if not np.allclose(p.pv_kw[:, sized], expect[:, sized], rtol=1e-9, atol=1e-9):
            raise InputError("pv: the problem's PV of a sized bus must be its group's upper bound × unit_kw")
        return lower, upper, cost


def _pv_built(m: linopy.Model, p: _Problem, pv: PVCapacity, bus_dim: str | None) -> linopy.LinearExpression:
    """PV built at each bus (``bus_dim``) or over the district (None): ``Σ_g k_g·π_b(t)`` + fixed PV [kW]."""
    k = m.variables["pv_capacity"]
    group = np.asarray(pv.group, dtype=int)
    time = pd.RangeIndex(p.n_steps, name="time")
    bus = pd.RangeIndex(group.size, name="home")
    fixed = np.where(group[None, :] >= 0, 0.0, p.pv_kw)
    onehot = np.zeros((group.size, k.shape[0]))
    onehot[np.flatnonzero(group >= 0), group[group >= 0]] = 1.0
    per_bus = (_da(onehot, [bus, k.indexes["pv_group"]]) * k).sum("pv_group")  # k_{g(b)}
    built = _da(pv.unit_kw, [time, bus]) * per_bus
    if bus_dim is None:
        return built.sum("home") + _da(fixed.sum(axis=1), [time])
    return built + _da(fixed, [time, bus])


def add_pv_capacity(m: linopy.Model, p: _Problem, pv: PVCapacity) -> None:
    """PV sizes ``lower_g ≤ k_g ≤ U_g`` with the unbuilt part curtailed and export and PV-only charging within what is built:

    ``c_b(t) ≥ (U_g − k_g)·π_b(t)`` for each bus b of a sized group g (the LP's PV there is ``U_g·π_b(t)``);
    ``p_exp(t) ≤ PV(t)`` (per meter without sharing) and the stores that may not charge from the grid
    ``Σ ch_s(t) ≤ PV(t)``, with ``PV(t) = Σ_b k_{g(b)}·π_b(t)`` + the fixed PV (these replace the
    bounds the dispatch LP sets from ``U_g``); an electrolyser's sun-only bound (the net surplus) becomes
    that shared ``Σ ch_s(t) ≤ PV(t)``.
    """
    lower, upper, _ = pv.checked(p)
    group_index = pd.RangeIndex(lower.size, name="pv_group")
    m.add_variables(_da(lower, [group_index]), _da(upper, [group_index]), name="pv_capacity")
    group = np.asarray(pv.group, dtype=int)
    sized = np.flatnonzero(group >= 0)
    v = m.variables
    time = pd.RangeIndex(p.n_steps, name="time")
    bus = pd.RangeIndex(group.size, name="home")
    built = _pv_built(m, p, pv, "home")
    ceiling = _da(p.pv_kw, [time, bus])
    m.add_constraints((v["curtail"] - ceiling + built).isel(home=sized) >= 0.0, name="pv_unbuilt_curtailed")
    if p.mode == "meters":
        m.add_constraints(v["home_grid_export"] - built <= 0.0, name="pv_export_within_built")
        return
    district = _pv_built(m, p, pv, None)
    if np.any(p.export_ub_kw > 0):
        m.add_constraints(v["grid_export"] - district <= 0.0, name="pv_export_within_built")
    if "no_grid_charging" in m.constraints:
        lhs = m.constraints["no_grid_charging"].lhs
        m.remove_constraints("no_grid_charging")
        m.add_constraints(lhs - district <= 0.0, name="no_grid_charging")
    if "hydrogen_sun_only" in m.constraints:
        # its right-hand side, the district's net surplus max(0, PV − load), is the largest design's and is not
        # linear in the PV built; the sun-only electrolysers keep the shared meter's Σ ch ≤ PV built (above), a
        # looser bound: the sizing LP may send PV to them while the grid serves the homes (the full-year
        # re-simulation holds the tighter one, and its targets are checked there)
        m.remove_constraints("hydrogen_sun_only")


def pv_cost(m: linopy.Model, pv: PVCapacity) -> linopy.LinearExpression:
    """``Σ_g c_g·k_g`` [objective unit]."""
    k = m.variables["pv_capacity"]
    cost = np.broadcast_to(np.asarray(pv.size.cost_per_unit, dtype=float), k.shape)
    return (_da(cost, [k.indexes["pv_group"]]) * k).sum()


def solved_stores(s: _Stores, m: linopy.Model, name: str, z: _Sizing | None) -> _Stores:
    """The store group with the capacities the LP chose (for extracting results)."""
    if z is None:
        return s
    out = replace(s)
    if z.energy is not None:
        e = np.asarray(m.variables[f"{name}_energy_capacity"].solution.values, dtype=float)
        out = replace(out, capacity_kwh=e, min_kwh=z.min_ratio * e)
    if z.power is not None:
        pw = np.asarray(m.variables[f"{name}_power_capacity"].solution.values, dtype=float)
        out = replace(out, charge_kw=z.available * pw, discharge_kw=z.discharge_available * pw)
    return out


# --------------------------------------------------------------------------- the private line's trunk


def trunk_supply(m: linopy.Model) -> linopy.LinearExpression:
    """What the community bus supplies besides its own mobility load [kW], ``Σ_s (dis_s − ch_s) + u^m + p_imp − p_exp``.

    With the community bus's balance this is ``f(t) + L^m(t)``, where ``f(t)`` is the net power the
    bus sends over the line's trunk to the homes (negative: the homes send it). The same in both
    modes with a shared meter: the merged district bus (lossless, homes as one bus) and the lossy
    per-home line, whose community balance is ``(1 − loss)·Σ_h o_h − Σ_h i_h + supply = L^m``.
    """
    v = m.variables
    parts = [1.0 * v["grid_import"] - v["grid_export"] + v["shed_mobility"]]
    if "community_storage_charge" in v:
        parts.append((v["community_storage_discharge"] - v["community_storage_charge"]).sum("community_storage"))
    return sum_terms(parts)


def add_line_capacity(m: linopy.Model, p: _Problem, size: CapacityRange | None = None) -> None:
    """The line's trunk within its capacity ``C`` [kW], either way: ``−C ≤ f(t) ≤ C`` with ``f = supply − L^m``.

    ``size`` None: ``C`` is ``p.line_capacity_kw`` (nothing added when it is infinite); else the
    variable ``line_capacity`` with ``size.lower ≤ C ≤ size.upper`` (its cost: :func:`line_cost`).

    The trunk is the line between the community bus (grid connection, community stores, EV chargers)
    and the homes: the homes exchange among themselves on their side of it without limit (each
    home's own connection is rated for its own peak, assumption), so the limit binds the net of what
    all homes draw from the bus or send to it. Separate meters (no sharing): no line, nothing added.
    """
    if p.mode == "meters":
        return
    time = pd.RangeIndex(p.n_steps, name="time")
    mobility = p.mobility_kw
    if size is None:
        if not np.isfinite(p.line_capacity_kw):
            return
        c = float(p.line_capacity_kw)
        supply = trunk_supply(m)
        m.add_constraints(supply <= _da(mobility + c, [time]), name="line_capacity_to_homes")
        m.add_constraints(supply >= _da(mobility - c, [time]), name="line_capacity_from_homes")
        return
    lower, upper, _ = _range(size, 1, "line_capacity_kw")
    if not np.isfinite(upper[0]):
        raise InputError("line_capacity_kw.upper: the line's capacity needs a finite upper bound")
    cap = m.add_variables(float(lower[0]), float(upper[0]), name="line_capacity")
    supply = trunk_supply(m)
    m.add_constraints(supply - cap <= _da(mobility, [time]), name="line_capacity_to_homes")
    m.add_constraints(supply + cap >= _da(mobility, [time]), name="line_capacity_from_homes")


def line_cost(m: linopy.Model, size: CapacityRange) -> linopy.LinearExpression:
    """``c·C`` [objective unit] of the sized trunk capacity ``C`` (``size.cost_per_unit`` per kW for the period)."""
    cost = float(_range(size, 1, "line_capacity_kw")[2][0])
    return cost * m.variables["line_capacity"]


# --------------------------------------------------------------------------- shared-EV fleets


@dataclass(frozen=True)
class FleetCapacity:
    """Shared-EV fleets whose number of vehicles ``N_f`` the LP chooses (continuous), each one community store.

    Fleet f is the community store ``unit[f]``, built at the largest fleet (its bounds the
    relaxation: SOC ≥ 0, always available, charge and discharge power at ``N_max``) and holding
    the trips of the scenario's fleet, ``D_f(t)`` [kWh] (``trip_kwh``), as its trip energy; the
    constraints of :func:`add_fleet_capacity` scale it with ``N_f``. Per vehicle: SOC ceiling
    ``ē_f`` and floor ``e̲_f`` [kWh] (``vehicle_kwh``, ``vehicle_min_kwh``), charge and discharge
    power ``p_f``, ``q_f`` [kW]; ``A_f(t)`` (``away``) the scenario's vehicles away on trips.
    ``count``: bounds of ``N_f`` and the cost per vehicle for the period; ``fallback_cost`` (f,)
    the cost of the fleet's trips all made another way [objective unit] (``c_f·Σ_t w(t)·D_f(t)``).
    """

    unit: np.ndarray
    vehicle_kwh: np.ndarray
    vehicle_min_kwh: np.ndarray
    charge_kw: np.ndarray
    discharge_kw: np.ndarray
    away: np.ndarray
    trip_kwh: np.ndarray
    count: CapacityRange
    fallback_cost: np.ndarray
    max_unserved_ratio: float = 1.0


def add_fleet_capacity(m: linopy.Model, p: _Problem, fleet: FleetCapacity) -> None:
    """Vehicles ``N_f`` and the share of trips not served ``v_f ∈ [0, v_max]``; the fleet's store scales with them:

    * ``e̲_f·N_f ≤ e_f(t) ≤ ē_f·N_f`` (energy of the fleet);
    * ``ch_f(t) ≤ p_f·(N_f − (1 − v_f)·A_f(t))`` and ``dis_f(t) ≤ q_f·(N_f − (1 − v_f)·A_f(t))``
      (the vehicles at home: the fleet serves the share ``1 − v_f`` of every step's trips, each trip
      one vehicle away as in the scenario);
    * ``N_f ≥ (1 − v_f)·max_t A_f(t)`` (a vehicle for every trip served at once);
    * the store's energy balance gets ``+ v_f·D_f(t)``: the trips not served take no energy (their cost,
      ``fallback_cost·v_f``, is in :func:`fleet_cost`).

    A linear relaxation of whole vehicles (``N_f`` continuous; the rounding is re-evaluated by
    :mod:`zerodistrict.design.fleet`); the fleet's energy is one pool, as if any vehicle could take any
    trip. Sizing only (the model is cyclic).
    """
    unit = np.asarray(fleet.unit, dtype=int)
    k = unit.size
    lower, upper, _ = _range(fleet.count, k, "evs.count")
    if not np.isfinite(upper).all():
        raise InputError("evs.count.upper: the number of shared EVs needs a finite upper bound")
    fidx = pd.RangeIndex(k, name="fleet")
    n = m.add_variables(_da(lower, [fidx]), _da(upper, [fidx]), name="ev_fleet_count")
    v = m.add_variables(0.0, float(fleet.max_unserved_ratio), coords=[fidx], name="ev_fleet_unserved")
    soc, ch, dis = (m.variables[f"community_storage_{x}"] for x in ("soc", "charge", "discharge"))
    time = soc.indexes["time"]
    for f, u in enumerate(unit):
        sel = {"community_storage": int(u)}
        n_f, v_f = n.isel(fleet=f), v.isel(fleet=f)
        away = _da(fleet.away[:, f], [time])
        m.add_constraints(soc.isel(sel) - float(fleet.vehicle_kwh[f]) * n_f <= 0.0, name=f"ev_fleet_{f}_soc_max")
        m.add_constraints(soc.isel(sel) - float(fleet.vehicle_min_kwh[f]) * n_f >= 0.0, name=f"ev_fleet_{f}_soc_min")
        for var, per_vehicle, what in ((ch, fleet.charge_kw[f], "charge"), (dis, fleet.discharge_kw[f], "discharge")):
            pw = float(per_vehicle)
            m.add_constraints(var.isel(sel) - pw * n_f - pw * away * v_f <= -pw * away, name=f"ev_fleet_{f}_{what}_max")
        top = float(fleet.away[:, f].max(initial=0.0))
        m.add_constraints(n_f + top * v_f >= top, name=f"ev_fleet_{f}_vehicles")
    # the trips not served take no energy: e(t) = … − D(t) + v·D(t)
    con = m.constraints["community_storage_energy"]
    lhs, rhs = con.lhs, con.rhs
    units = soc.indexes["community_storage"]
    trips = np.zeros((time.size, units.size))
    onehot = np.zeros((units.size, k))
    for f, u in enumerate(unit):
        trips[:, u] = fleet.trip_kwh[:, f]
        onehot[u, f] = 1.0
    v_unit = (_da(onehot, [units, fidx]) * v).sum("fleet")
    m.remove_constraints("community_storage_energy")
    m.add_constraints(lhs - _da(trips, [time, units]) * v_unit == rhs, name="community_storage_energy")


def fleet_cost(m: linopy.Model, fleet: FleetCapacity) -> linopy.LinearExpression:
    """``Σ_f c^N_f·N_f + C^fb_f·v_f`` [objective unit]: the vehicles (with their chargers) and the trips made another way."""
    n, v = m.variables["ev_fleet_count"], m.variables["ev_fleet_unserved"]
    k = n.shape[0]
    cost = _range(fleet.count, k, "evs.count")[2]
    fb = np.broadcast_to(np.asarray(fleet.fallback_cost, dtype=float), (k,))
    idx = [n.indexes["fleet"]]
    return (_da(cost, idx) * n).sum() + (_da(fb, idx) * v).sum()
