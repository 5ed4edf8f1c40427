"""The hydrogen chain in the dispatch LP: offtake bought as grey hydrogen, standing losses, an outage-only fuel cell.

A hydrogen store is a unit of the community storage group like any other (charge: the
electrolyser's AC input; discharge: the fuel cell's AC output; energy: hydrogen LHV
[kWh]; trip energy: the offtake). This module adds what differs, from
``inputs.hydrogen`` (:class:`~zerodistrict.dispatch.common.HydrogenInputs`):

=====================  ==========================================  =================================
symbol                 meaning                                     code name
=====================  ==========================================  =================================
``u_s(t)``             offtake not served from the tank, bought    ``hydrogen_unserved``
                       as grey hydrogen [kWh LHV per step]
``r_s``                share of stored hydrogen kept per step      ``HydrogenLP.retention``
                       (1 − standing loss)
``w``                  objective weight of grey hydrogen           ``HydrogenLP.weight_per_kwh``
                       [objective unit per kWh LHV]
=====================  ==========================================  =================================

The storage balance of :func:`~zerodistrict.dispatch.optimal.model.add_storage_balance`
becomes ``e_s(t) = r_s·e_s(t−1) + η_c·ch_s(t)·Δt − dis_s(t)·Δt/η_d − trip_s(t) + u_s(t)``
with ``0 ≤ u_s(t) ≤ trip_s(t)`` (:func:`storage_terms`), the objective gains ``Σ w·u_s(t)``
(:func:`objective_term`), and an outage-only fuel cell gets ``dis_s(t) = 0`` outside
outages (:func:`add_hydrogen_variables`).

Relaxation: the electrolyser's minimum load (no production between 0 and
``min_load_ratio × P``) is not convex; the LP lets the electrolyser run at any load from 0
to ``P`` (a mixed-integer model would need a binary per step). The rule CEMS keeps it.

Sizing (the capacity LP, :mod:`~zerodistrict.dispatch.optimal.capacity`): the tank is the
unit's energy capacity ``E_s`` [kWh LHV = kg × ``lhv_kwh_per_kg``] and the electrolyser its
power capacity ``P_s`` [kW AC input] (the fuel cell scales with it in its given ratio):
``StoreCapacity(energy_kwh=CapacityRange(upper=kg_max × 33.33, cost_per_unit=cost_per_kg / 33.33),
power_kw=CapacityRange(upper=kw_max, cost_per_unit=cost_per_kw))`` on ``community_storage``,
with per-unit arrays that fix the other units (``lower = upper``); :func:`hydrogen_capacity`
builds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import linopy
import numpy as np
import xarray as xr

if TYPE_CHECKING:
    from zerodistrict.dispatch.common import DispatchInputs, DispatchResult
    from zerodistrict.dispatch.optimal.capacity import StoreCapacity
    from zerodistrict.dispatch.optimal.problem import _Problem, _Stores

#: the model's store group that holds the hydrogen stores
GROUP = "community_storage"


@dataclass
class HydrogenLP:
    """Hydrogen arrays over the community storage group (c units; non-hydrogen units are neutral)."""

    hydrogen_units: np.ndarray  # (c,) bool: the unit is a hydrogen store
    retention: np.ndarray  # (c,) r_s: 1 for non-hydrogen units
    unserved_ub_kwh: np.ndarray  # (t, c) trip energy that may be bought (hydrogen offtake; 0 elsewhere)
    weight_per_kwh: float  # w: objective per kWh LHV bought
    discharge_blocked: np.ndarray | None  # (t, c) bool: the fuel cell is off (outage-only, no outage)
    sun_only: np.ndarray | None = None  # (c,) bool: electrolysers without grid charging (shared meter)
    surplus_kw: np.ndarray | None = None  # (t,) the district's net surplus max(0, ΣPV − ΣL − L^m)


def hydrogen_lp(inputs: DispatchInputs, objective: str, community: _Stores | None = None) -> HydrogenLP | None:
    """The LP's hydrogen arrays, or None without hydrogen stores or without ``inputs.hydrogen``.

    With standing losses, a store's end-of-period floor (``community.terminal_kwh``, its initial
    energy) becomes what it would hold left idle, ``r_s^T·floor_s``: a lossy tank cannot keep its
    initial energy without producing, which may be impossible (no surplus) and is no obligation.
    """
    h = inputs.hydrogen
    comm = inputs.stores.community()
    is_h2 = comm.kind == "hydrogen"
    if h is None or not is_h2.any():
        return None
    h.check(inputs.stores)
    n_t = inputs.n_steps
    retention = np.ones(comm.n)
    retention[is_h2] = 1.0 - np.asarray(h.loss_ratio_per_step, dtype=float)
    if community is not None and community.terminal_kwh is not None:
        community.terminal_kwh = community.terminal_kwh * retention ** n_t
    ub = np.where(is_h2[None, :], comm.trip_kwh, 0.0)
    per_kg = h.grey_co2_kg_per_kg if objective == "co2" else h.grey_price_per_kg
    blocked = None
    only = np.zeros(comm.n, dtype=bool)
    only[is_h2] = np.asarray(h.discharge_outage_only, dtype=bool)
    if only.any():
        outage = np.zeros(n_t, dtype=bool) if inputs.outage is None else np.asarray(inputs.outage, dtype=bool)
        blocked = only[None, :] & ~outage[:, None]
    sun_only = is_h2 & ~comm.grid_charging
    surplus = None
    if sun_only.any() and inputs.sharing:
        surplus = np.maximum(inputs.pv_kw.sum(axis=1) - inputs.load_kw.sum(axis=1) - inputs.mobility_load_kw, 0.0)
    return HydrogenLP(hydrogen_units=is_h2, retention=retention, unserved_ub_kwh=ub, weight_per_kwh=per_kg / h.lhv_kwh_per_kg,
                      discharge_blocked=blocked, sun_only=sun_only if surplus is not None else None,
                      surplus_kw=surplus)


def add_hydrogen_variables(m: linopy.Model, p: _Problem) -> None:
    """``0 ≤ u_s(t) ≤ trip_s(t)`` [kWh]; an outage-only fuel cell: ``dis_s(t) ≤ 0`` outside outages [kW].

    Also adds :func:`add_sun_only` (all hydrogen variables and constraints come from this one hook).
    """
    h = p.hydrogen
    if h is None or f"{GROUP}_soc" not in m.variables:
        return
    soc = m.variables[f"{GROUP}_soc"]
    coords = [soc.indexes["time"], soc.indexes[GROUP]]
    m.add_variables(0.0, xr.DataArray(h.unserved_ub_kwh, coords=coords), name="hydrogen_unserved")
    if h.discharge_blocked is not None:
        dis = m.variables[f"{GROUP}_discharge"]
        blocked = xr.DataArray(h.discharge_blocked, coords=coords)
        dis.upper = dis.upper.where(~blocked, 0.0)
    add_sun_only(m, p)


def add_sun_only(m: linopy.Model, p: _Problem) -> None:
    """Electrolysers without grid charging run on what the district supplies itself, not the grid [kW]:

    ``Σ_{s∈H} ch_s(t) − Σ_{s∉hydrogen} dis_s(t) ≤ max(0, Σ_h PV_h(t) − Σ_h L_h(t) − L^m(t))`` over the
    sun-only electrolysers ``H``, the other stores (homes' and the bus's) discharging on the left. Tighter
    than the shared meter's ``Σ ch ≤ Σ PV`` (:func:`~zerodistrict.dispatch.optimal.model.add_no_grid_charging`),
    which lets PV go to the electrolyser while the grid serves the homes; loose enough for what the rule
    CEMS does (its electrolyser takes the bus's surplus, which home batteries serving their own homes can
    raise above the district's net surplus).
    """
    h = p.hydrogen
    if h is None or h.sun_only is None:
        return
    v = m.variables
    lhs = v[f"{GROUP}_charge"].isel({GROUP: np.flatnonzero(h.sun_only)}).sum(GROUP)
    other = np.flatnonzero(~h.hydrogen_units)
    if other.size:
        lhs = lhs - v[f"{GROUP}_discharge"].isel({GROUP: other}).sum(GROUP)
    if "home_battery_discharge" in v:
        lhs = lhs - v["home_battery_discharge"].sum("home_battery")
    m.add_constraints(lhs <= xr.DataArray(h.surplus_kw, coords=[lhs.indexes["time"]]), name="hydrogen_sun_only")


def storage_terms(m: linopy.Model, p: _Problem, name: str) -> dict:
    """Keyword arguments of ``add_storage_balance`` for group ``name``: ``retention`` (c,) and ``unserved``."""
    h = p.hydrogen
    if h is None or name != GROUP or "hydrogen_unserved" not in m.variables:
        return {}
    return {"retention": h.retention, "unserved": m.variables["hydrogen_unserved"]}


def objective_term(m: linopy.Model, p: _Problem) -> linopy.LinearExpression | None:
    """``Σ_t Σ_s w·u_s(t)``: the grey hydrogen bought [objective unit]."""
    if p.hydrogen is None or "hydrogen_unserved" not in m.variables:
        return None
    return p.hydrogen.weight_per_kwh * m.variables["hydrogen_unserved"].sum()


def grey_cost(inputs: DispatchInputs, unserved_kwh_tn: np.ndarray | None, objective: str) -> float:
    """``Σ w·u`` of a dispatch's bought hydrogen (``store_unserved_kwh`` of the hydrogen stores) [objective unit]."""
    h = inputs.hydrogen
    if h is None or unserved_kwh_tn is None:
        return 0.0
    per_kg = h.grey_co2_kg_per_kg if objective == "co2" else h.grey_price_per_kg
    return per_kg / h.lhv_kwh_per_kg * float(unserved_kwh_tn[:, inputs.stores.kind == "hydrogen"].sum())


def add_served_ratio_target(m: linopy.Model, p: _Problem, ratio: float) -> None:
    """The sizing target ``hydrogen_served_ratio ≥ x``: ``Σ_t Σ_s u_s(t) ≤ (1 − x)·Σ_t Σ_s trip_s(t)`` [kWh].

    For ``zerodistrict size --target hydrogen_served_ratio>=x``; call it on ``OptimalModel.model``
    (with ``OptimalModel._problem``) before solving.

    Raises
    ------
    InputError
        ``ratio`` outside 0–1, or a model without hydrogen offtake.
    """
    from zerodistrict.errors import InputError

    if not 0.0 <= ratio <= 1.0:
        raise InputError(f"hydrogen_served_ratio target: must be between 0 and 1, got {ratio}")
    if p.hydrogen is None or "hydrogen_unserved" not in m.variables:
        raise InputError("hydrogen_served_ratio target: the scenario has no hydrogen offtake (community.hydrogen)")
    demand = float(p.hydrogen.unserved_ub_kwh.sum())
    m.add_constraints(m.variables["hydrogen_unserved"].sum() <= (1.0 - ratio) * demand,
                      name="hydrogen_served_ratio_target")


def dispatch_at_service(inputs: DispatchInputs, grey_kwh_max: float, end_kwh: np.ndarray | None = None,
                        objective: str = "bill") -> DispatchResult:
    """The perfect-foresight LP dispatch buying at most ``grey_kwh_max`` of grey hydrogen [kWh LHV].

    The like-for-like comparison with another dispatch (issue 11, item 4): with a hydrogen
    chain the bill-minimising LP may send sun to the electrolyser that would otherwise lower
    the households' bill, because grey hydrogen is priced in its objective. Given the other
    dispatch's grey hydrogen (its ``store_unserved_kwh`` over the hydrogen stores) as
    ``grey_kwh_max`` and its final store energies as ``end_kwh``, this LP serves at least as
    much of the offtake from the tank, ends each store at least where the other did, and
    minimises the bill alone: ``Σ_t Σ_s u_s(t) ≤ grey_kwh_max``, ``e_s(T) ≥ end_s``, the grey
    hydrogen term taken out of the objective (``DispatchResult.objective`` excludes it). The
    other dispatch is then a feasible point of this LP (the LP relaxes the minimum load), so
    its bill is no higher.

    Parameters
    ----------
    end_kwh : ndarray, optional
        (n,) floors on each store's final energy [kWh]; default its initial energy.

    Raises
    ------
    InputError
        A district without hydrogen offtake, a negative ``grey_kwh_max`` or ``end_kwh`` of the wrong shape.
    """
    from zerodistrict.dispatch.optimal.model import OptimalModel, _build
    from zerodistrict.dispatch.optimal.problem import _problem
    from zerodistrict.errors import InputError

    if not grey_kwh_max >= 0.0:
        raise InputError(f"grey_kwh_max: must be ≥ 0 kWh, got {grey_kwh_max}")
    if inputs.hydrogen is None or not (inputs.stores.kind == "hydrogen").any():
        raise InputError("dispatch_at_service: the scenario has no hydrogen offtake (community.hydrogen)")
    end = inputs.stores.initial_kwh if end_kwh is None else np.asarray(end_kwh, dtype=float)
    if end.shape != inputs.stores.initial_kwh.shape:
        raise InputError(f"end_kwh: one value per store expected ({inputs.stores.initial_kwh.size}), got {end.shape}")
    p = _problem(inputs, objective, True, cyclic=False, terminal_kwh=end)
    if p.community.n:  # the given end levels as they are (hydrogen_lp lowers a lossy tank's floor by its losses)
        p.community.terminal_kwh = end[inputs.stores.at_community]
    om = OptimalModel(inputs, p, _build(p), whole_period=True)
    if "hydrogen_unserved" not in om.model.variables:
        raise InputError("dispatch_at_service: the scenario has no hydrogen offtake (community.hydrogen)")
    om.model.add_constraints(om.model.variables["hydrogen_unserved"].sum() <= grey_kwh_max,
                             name="hydrogen_service_floor")
    grey = objective_term(om.model, p)
    if grey is not None:  # the service is held by the constraint: minimise the bill alone
        om.model.add_objective(om.model.objective.expression - grey, overwrite=True)
    return om.solve().result()


def hydrogen_capacity(inputs: DispatchInputs, tank_kg: tuple[float, float], electrolyser_kw: tuple[float, float],
                      cost_per_kg: float = 0.0, cost_per_kw: float = 0.0) -> dict[str, StoreCapacity]:
    """Capacities for the sizing LP: the hydrogen stores' tank [kg] and electrolyser [kW] become variables.

    Other community units keep their capacities (``lower = upper``). Costs are per kg of tank and per kW
    of electrolyser for the period modelled (annualise and scale before), in the objective's unit.

    Returns
    -------
    dict
        ``{"community_storage": StoreCapacity(...)}`` for ``OptimalModel.build(capacities=...)``.
    """
    from zerodistrict.dispatch.optimal.capacity import CapacityRange, StoreCapacity

    lhv = inputs.hydrogen.lhv_kwh_per_kg if inputs.hydrogen is not None else 33.33
    comm = inputs.stores.community()
    is_h2 = comm.kind == "hydrogen"
    e_lo = np.where(is_h2, tank_kg[0] * lhv, comm.max_kwh)
    e_hi = np.where(is_h2, tank_kg[1] * lhv, comm.max_kwh)
    p_lo = np.where(is_h2, electrolyser_kw[0], comm.charge_power_kw)
    p_hi = np.where(is_h2, electrolyser_kw[1], comm.charge_power_kw)
    return {GROUP: StoreCapacity(
        energy_kwh=CapacityRange(e_lo, e_hi, np.where(is_h2, cost_per_kg / lhv, 0.0)),
        power_kw=CapacityRange(p_lo, p_hi, np.where(is_h2, cost_per_kw, 0.0)))}
