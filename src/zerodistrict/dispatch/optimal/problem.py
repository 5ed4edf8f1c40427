"""Problem data of the dispatch LP: the contract's arrays reduced to what the model needs.

Stores of one group (:class:`_Stores`), the whole problem (:class:`_Problem`) in one of
three modes (one merged district bus, homes joined by a lossy line, separate meters), and
the exact reductions (battery classes, storage-less homes netted into two buses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from zerodistrict.dispatch.common import DispatchInputs, Stores
from zerodistrict.dispatch.optimal.hydrogen import HydrogenLP, hydrogen_lp
from zerodistrict.dispatch.optimal.tariff import _TariffLP, community_account, tariff_lp

#: ``bill``: the households' bill under the scenario's tariff (:mod:`~zerodistrict.dispatch.optimal.tariff`);
#: ``energy_cost`` (alias ``cost``): energy at the marginal price of each step; ``co2``: grid emissions
Objective = Literal["bill", "energy_cost", "cost", "co2"]
OBJECTIVES = ("bill", "energy_cost", "cost", "co2")

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




@dataclass
class _Stores:
    """Storage units of one model group, arrays (n,) and (t, n); energies [kWh], powers [kW].

    Built from the list of stores whatever their kind (:func:`_stores`).
    """

    capacity_kwh: np.ndarray  # SOC ceiling: capacity × max_soc_ratio
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
    tariff: _TariffLP | None = None  # objective "bill" with a tariff: the tariff as LP arrays
    accounts: float = 1.0  # households billed on the shared meter (modes merged, line)
    community_meter: bool = False  # mode meters: the community bus is billed as an account of its own
    bill_constant: float = 0.0  # fixed charges of the bill objective (linopy takes no constant) [currency]
    hydrogen: HydrogenLP | None = None  # hydrogen stores' offtake, losses, fuel cell (optimal/hydrogen.py)
    line_capacity_kw: float = np.inf  # the line's trunk, community bus ↔ homes (optimal/capacity.py) [kW]
    community_reserve_kwh: np.ndarray | None = None  # (c,) outage reserve of the bus's stores (optimal/reserve.py)
    grid_up: np.ndarray | None = None  # (t,) bool: the grid is up (the outage reserve is held)
    credit_meters: list = field(default_factory=list)  # net-metering meters of the bill (tariff.CreditMeter)

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


def _battery_classes(b: Stores) -> tuple[np.ndarray, np.ndarray]:
    """Class of each home store with the same per-kWh parameters (-1: no store) and its capacity share.

    ``b`` has one column per home (:meth:`Stores.per_home`). A store that is not always available or
    takes trips gets a class of its own.
    """
    has = b.capacity_kwh > 0
    cls = np.full(b.n, -1)
    share = np.zeros(b.n)
    if not has.any():
        return cls, share
    cap = np.where(has, b.capacity_kwh, 1.0)
    own = ~b.available.all(axis=0) | b.trip_kwh.any(axis=0)
    key = np.column_stack([
        b.charge_power_kw / cap, b.charge_efficiency, b.discharge_efficiency, b.min_soc_ratio,
        b.initial_soc_ratio, b.grid_charging.astype(float), b.discharge_power_kw / cap, b.max_soc_ratio,
        np.where(own, np.arange(b.n) + 1.0, 0.0),
    ]).round(12)
    _, inv = np.unique(key[has], axis=0, return_inverse=True)
    cls[has] = inv.ravel()
    totals = np.bincount(cls[has], weights=b.capacity_kwh[has])
    share[has] = b.capacity_kwh[has] / totals[cls[has]]
    return cls, share


def _stores(b: Stores) -> _Stores:
    """Model storage from the list's arrays (zero-capacity units keep all bounds at zero)."""
    avail = b.available.astype(float)
    return _Stores(
        capacity_kwh=b.max_kwh.astype(float),
        charge_kw=avail * b.charge_power_kw[None, :],
        discharge_kw=avail * b.discharge_power_kw[None, :],
        eta_c=b.charge_efficiency.astype(float),
        eta_d=b.discharge_efficiency.astype(float),
        min_kwh=b.min_kwh.astype(float),
        initial_kwh=b.initial_kwh.astype(float),
        grid_charging=b.grid_charging.astype(bool),
        trip_kwh=b.trip_kwh.astype(float),
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


def _problem(inputs: DispatchInputs, objective: Objective, aggregate: bool, voll: float | None = None,
             cyclic: bool = True, terminal_kwh: np.ndarray | None = None) -> _Problem:
    """The LP's arrays from the contract's; ``terminal_kwh`` (n,): SOC floors of ``inputs.stores`` at the end.

    Stores located at homes form the per-home group (one column per home, at most one store each);
    stores on the community bus form the community group, in their list order, whatever their kind.
    """
    n_t = inputs.n_steps
    dt = float(inputs.step_hours)
    loss = float(inputs.line_loss_ratio)
    mode = "meters" if not inputs.sharing else ("merged" if aggregate and loss == 0.0 else "line")
    grid = inputs.grid_available.astype(bool)
    pv = inputs.pv_kw.astype(float)
    load = inputs.load_kw.astype(float)
    critical = load * inputs.critical_load_ratio[None, :]
    per_home = inputs.stores.per_home(inputs.n_homes)
    home = _stores(per_home)
    community = _stores(inputs.stores.community())
    if terminal_kwh is not None:
        slots = inputs.stores.home_slots(inputs.n_homes)
        term = np.asarray(terminal_kwh, dtype=float)
        home.terminal_kwh = (np.where(slots >= 0, term[np.maximum(slots, 0)], 0.0) if term.size
                             else np.zeros(inputs.n_homes))
        community.terminal_kwh = np.asarray(terminal_kwh)[inputs.stores.at_community]
    cls = np.arange(inputs.n_homes)
    share = np.ones(inputs.n_homes)
    district_pv = pv.sum(axis=1)
    export_on = grid & bool(inputs.export_allowed)
    export_ub = np.where(export_on, np.minimum(inputs.export_limit_kw, district_pv), 0.0)
    home_export_ub = np.where(export_on[:, None], np.minimum(inputs.export_limit_kw, pv), 0.0)
    netted = None
    if mode == "merged":
        cls, share = _battery_classes(per_home)
        home = _aggregate_stores(home, cls)
        load, pv, critical = (x.sum(axis=1, keepdims=True) for x in (load, pv, critical))
    elif mode == "line" and aggregate:
        netted = _storage_less(per_home)
        if netted.sum() >= 2:
            load, pv, critical, home = _net_storage_less_homes(load, pv, critical, home, netted)
        else:
            netted = None
    tariff = None
    if objective == "co2":
        imp_w, exp_w = inputs.emission_factor_kg_per_kwh.astype(float), np.zeros(n_t)
    elif objective == "bill" and inputs.tariff is not None:
        imp_w, exp_w = np.zeros(n_t), np.zeros(n_t)
        tariff = tariff_lp(inputs.tariff, inputs.index, float(inputs.step_hours))
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
        tariff=tariff, accounts=float(max(inputs.n_homes, 1)), community_meter=community_account(inputs),
        hydrogen=hydrogen_lp(inputs, objective, community),
        line_capacity_kw=float(inputs.line_capacity_kw),
        community_reserve_kwh=inputs.stores.community().outage_reserve_kwh.astype(float),
        grid_up=np.asarray(inputs.grid_available, dtype=bool),
    )


def _storage_less(b: Stores) -> np.ndarray:
    """(h,) True for homes with no usable store (``b``: one column per home)."""
    return ~((b.capacity_kwh > 0) & ((b.charge_power_kw > 0) | (b.discharge_power_kw > 0)))


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
