"""Arrays in, arrays out: what every dispatch (rule-based or optimal) reads and writes.

:class:`DispatchInputs` holds the district as arrays ready for a model —
time along axis 0, homes (or stores) along axis 1 — so that dispatch code never
touches the scenario or a file. Storage is one list, :class:`Stores`: every
home battery, community battery, EV and hydrogen tank is a column with its
kind and its location (a home or the community bus). Hydrogen stores keep their
energy as hydrogen LHV [kWh]; the rest of their chain (electrolyser minimum load,
standing losses, grey hydrogen price) is :class:`HydrogenInputs`.
:class:`DispatchResult` holds the flows, with district totals per step (the
``timeseries.csv`` contract), the per-home matrices the analyses need (bills,
resilience) and each store's state of charge.

Sign conventions: every flow is ≥ 0 and named by its direction. The district
balance of each step is

    pv + grid_import + battery_discharge + unserved
        = load + ev_charge + battery_charge + grid_export + curtailed

where ``battery_*`` are the stores whose kind is not ``ev`` (homes' and
community batteries) and ``battery_discharge`` also includes the power
bidirectional EVs feed back (given separately as ``ev_discharge_kw``);
``ev_charge`` is all power drawn by EVs (stores of kind ``ev`` and
district-powered mobility stations); ``battery_soc_kwh`` and ``ev_soc_kwh``
split the stored energy the same way; line
losses of sharing count as ``load`` of the line and are reported in
``line_loss_kw``, so the balance closes exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from zerodistrict.errors import InputError

if TYPE_CHECKING:
    from zerodistrict.scenario.tariff import Tariff

#: columns of ``timeseries.csv`` after ``time``, in order (DESIGN.md contract)
TIMESERIES_COLUMNS = (
    "load_kw",
    "ev_charge_kw",
    "pv_kw",
    "battery_charge_kw",
    "battery_discharge_kw",
    "battery_soc_kwh",
    "shared_kw",
    "grid_import_kw",
    "grid_export_kw",
    "curtailed_kw",
    "unserved_kw",
)
#: extra columns we also write (not part of the balance equation)
EXTRA_COLUMNS = ("ev_discharge_kw", "ev_soc_kwh", "line_loss_kw", "critical_unserved_kw")


#: kinds of store; each kind has a rule-CEMS priority (``rule.KIND_PRIORITY``) and a capital-cost field
#: (``analysis.economics.KIND_COSTS``)
KINDS = ("battery", "ev", "hydrogen")
StoreKind = Literal["battery", "ev", "hydrogen"]
#: ``Stores.location`` of a store on the community bus (homes are 0..h-1)
COMMUNITY_BUS = -1
#: how the optimal dispatch ends its stores: ``at_least_initial`` (each store ends with at least the energy it
#: started with, ``initial_soc_ratio``) or ``cyclic`` (each ends where it starts, its level free)
StorageEnd = Literal["at_least_initial", "cyclic"]
STORAGE_ENDS = ("at_least_initial", "cyclic")

_PER_STORE = ("capacity_kwh", "charge_power_kw", "discharge_power_kw", "charge_efficiency", "discharge_efficiency",
              "min_soc_ratio", "max_soc_ratio", "initial_soc_ratio", "grid_charging", "outage_reserve_kwh")
_PER_STEP = ("available", "trip_kwh")


@dataclass
class Stores:
    """Every store of the district (home battery, community battery, EV, hydrogen tank), one column each.

    Per store, arrays of shape (n,): ``name`` (str), ``kind`` (one of :data:`KINDS`), ``location``
    (home index 0..h-1, or :data:`COMMUNITY_BUS` = -1), ``capacity_kwh``, ``charge_power_kw`` (AC input
    cap), ``discharge_power_kw`` (AC output cap; 0 for a one-way EV), ``charge_efficiency`` (AC→stored),
    ``discharge_efficiency`` (stored→AC), ``min_soc_ratio``, ``max_soc_ratio`` (1: the full capacity),
    ``initial_soc_ratio``, ``grid_charging`` (bool: may charge from the grid). Per step and store, (t, n):
    ``available`` (bool: connected, e.g. an EV parked at its charger) and ``trip_kwh`` (stored energy a
    trip takes at the step it starts; 0 for batteries).

    A store with zero capacity or zero power in both directions never moves energy.
    """

    name: np.ndarray
    kind: np.ndarray
    location: np.ndarray
    capacity_kwh: np.ndarray
    charge_power_kw: np.ndarray
    discharge_power_kw: np.ndarray
    charge_efficiency: np.ndarray
    discharge_efficiency: np.ndarray
    min_soc_ratio: np.ndarray
    max_soc_ratio: np.ndarray
    initial_soc_ratio: np.ndarray
    grid_charging: np.ndarray  # bool
    available: np.ndarray  # (t, n) bool
    trip_kwh: np.ndarray  # (t, n)
    #: (n,) energy kept above the floor while the grid is up, released in outages [kWh] (dispatch/optimal/reserve.py)
    outage_reserve_kwh: np.ndarray = None  # type: ignore[assignment]  (None → zeros, set in __post_init__)

    def __post_init__(self) -> None:
        if self.outage_reserve_kwh is None:
            self.outage_reserve_kwh = np.zeros(np.shape(self.capacity_kwh)[-1:])

    @classmethod
    def create(cls, n_steps: int, *, name, kind="battery", location=COMMUNITY_BUS, capacity_kwh=0.0,
               charge_power_kw=0.0, discharge_power_kw=None, charge_efficiency=1.0, discharge_efficiency=1.0,
               min_soc_ratio=0.0, max_soc_ratio=1.0, initial_soc_ratio=0.0, grid_charging=True,
               available=None, trip_kwh=None, outage_reserve_kwh=0.0) -> "Stores":
        """Stores from scalars or sequences (broadcast to the length of ``name``).

        ``discharge_power_kw`` defaults to ``charge_power_kw``; ``available`` to always, ``trip_kwh`` to none.
        """
        names = np.asarray(list(name), dtype=object)
        n = names.size

        def per_store(value, dtype=float) -> np.ndarray:
            return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()

        charge = per_store(charge_power_kw)
        out = cls(
            name=names, kind=per_store(kind, object), location=per_store(location, int), capacity_kwh=per_store(capacity_kwh),
            charge_power_kw=charge,
            discharge_power_kw=charge.copy() if discharge_power_kw is None else per_store(discharge_power_kw),
            charge_efficiency=per_store(charge_efficiency), discharge_efficiency=per_store(discharge_efficiency),
            min_soc_ratio=per_store(min_soc_ratio), max_soc_ratio=per_store(max_soc_ratio),
            initial_soc_ratio=per_store(initial_soc_ratio), grid_charging=per_store(grid_charging, bool),
            available=(np.ones((n_steps, n), dtype=bool) if available is None
                       else np.broadcast_to(np.asarray(available, dtype=bool), (n_steps, n)).copy()),
            trip_kwh=(np.zeros((n_steps, n)) if trip_kwh is None
                      else np.broadcast_to(np.asarray(trip_kwh, dtype=float), (n_steps, n)).copy()),
            outage_reserve_kwh=per_store(outage_reserve_kwh),
        )
        out.check()
        return out

    @classmethod
    def empty(cls, n_steps: int = 0) -> "Stores":
        return cls.create(n_steps, name=[])

    @classmethod
    def concat(cls, *parts: "Stores") -> "Stores":
        """The stores of ``parts``, in order (they must share the number of steps)."""
        if not parts:
            return cls.empty()
        out = cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts], axis=-1) for f in fields(cls)})
        out.check()
        return out

    def check(self) -> None:
        """Raise InputError naming the first store whose kind is unknown or whose name repeats."""
        bad = [k for k in self.kind if k not in KINDS]
        if bad:
            raise InputError(f"stores: unknown kind {bad[0]!r}; known: {', '.join(KINDS)}")
        seen: set[str] = set()
        for name in self.name:
            if name in seen:
                raise InputError(f"stores: the name {name!r} is used by two stores; give each store its own name")
            seen.add(name)

    @property
    def n(self) -> int:
        return int(self.capacity_kwh.shape[0])

    @property
    def min_kwh(self) -> np.ndarray:
        """(n,) the floor [kWh]."""
        return self.capacity_kwh * self.min_soc_ratio

    @property
    def max_kwh(self) -> np.ndarray:
        """(n,) the ceiling [kWh] (the capacity when ``max_soc_ratio`` is 1)."""
        return self.capacity_kwh * self.max_soc_ratio

    @property
    def initial_kwh(self) -> np.ndarray:
        """(n,) stored energy before the first step [kWh]."""
        return self.capacity_kwh * self.initial_soc_ratio

    @property
    def at_community(self) -> np.ndarray:
        """(n,) bool: on the community bus."""
        return self.location == COMMUNITY_BUS

    def reserve_kwh(self) -> np.ndarray:
        """(t, n): energy a store must keep at step t — its floor plus its next trip's energy [kWh]."""
        if not self.trip_kwh.any():
            return np.broadcast_to(self.min_kwh[None, :], self.trip_kwh.shape).copy()
        starts = np.where(self.trip_kwh > 0, self.trip_kwh, np.nan)
        nxt = pd.DataFrame(starts).bfill().fillna(0.0).to_numpy()
        return self.min_kwh[None, :] + nxt

    def select(self, which) -> "Stores":
        """The stores of a boolean mask or an index array (n,), in their order here."""
        which = np.asarray(which)
        return Stores(**{f: getattr(self, f)[..., which] for f in ("name", "kind", "location") + _PER_STORE + _PER_STEP})

    def at_homes(self) -> "Stores":
        """Stores located at a home."""
        return self.select(~self.at_community)

    def community(self) -> "Stores":
        """Stores on the community bus."""
        return self.select(self.at_community)

    def of_kind(self, kind: str) -> "Stores":
        """Stores of one kind."""
        return self.select(self.kind == kind)

    def window(self, start: int, stop: int) -> "Stores":
        """Steps ``start:stop`` of the per-step arrays (the per-store ones unchanged)."""
        return replace(self, available=self.available[start:stop], trip_kwh=self.trip_kwh[start:stop])

    def home_slots(self, n_homes: int) -> np.ndarray:
        """(h,) position in these stores of each home's store, -1 where a home has none.

        Raises
        ------
        InputError
            A store located at a home that does not exist, or two stores at one home.
        """
        slots = np.full(n_homes, -1)
        for i in np.flatnonzero(~self.at_community):
            h = int(self.location[i])
            if not 0 <= h < n_homes:
                raise InputError(f"stores[{i}] ({self.name[i]}): location {h} is not a home (0..{n_homes - 1}) "
                                 f"or {COMMUNITY_BUS} (the community bus)")
            if slots[h] >= 0:
                raise InputError(f"home {h}: two stores ({self.name[slots[h]]}, {self.name[i]}); "
                                 "the dispatch models at most one store per home")
            slots[h] = i
        return slots

    def per_home(self, n_homes: int, steps: bool = True) -> "Stores":
        """One column per home (h), a zero-capacity placeholder where a home has no store.

        Placeholders: capacity and power 0, efficiencies 1, no grid charging (they never move energy).
        ``steps=False`` leaves out the per-step arrays (0 rows): cheaper when only parameters are read.
        """
        slots = self.home_slots(n_homes)
        n_t = self.available.shape[0] if steps else 0
        has = slots >= 0
        out = Stores.create(0, name=[f"home {h} (none)" for h in range(n_homes)], location=np.arange(n_homes),
                            grid_charging=False)
        for f in ("name", "kind") + _PER_STORE:
            getattr(out, f)[has] = getattr(self, f)[slots[has]]
        if n_t and has.any():
            cols = np.maximum(slots, 0)
            out.available = np.where(has[None, :], self.available[:, cols], True)
            out.trip_kwh = np.where(has[None, :], self.trip_kwh[:, cols], 0.0)
        else:
            out.available = np.ones((n_t, n_homes), dtype=bool)
            out.trip_kwh = np.zeros((n_t, n_homes))
        return out


#: where the rule CEMS ranks hydrogen stores among the bus's stores (``HydrogenInputs.priority``)
HYDROGEN_PRIORITIES = ("after_batteries", "before_batteries", "last")


@dataclass
class HydrogenInputs:
    """What the stores of kind ``hydrogen`` need beyond :class:`Stores` (one entry each, in their list order).

    A hydrogen store's energy is its hydrogen's lower heating value [kWh] (``lhv_kwh_per_kg`` per kg);
    its charge is the electrolyser's AC input, its discharge the fuel cell's AC output, its
    ``trip_kwh`` the offtake. Offtake the store cannot give is bought as delivered grey hydrogen.

    Attributes
    ----------
    min_load_ratio : (k,) electrolyser minimum load as a share of its charge power (the rule CEMS
        produces nothing below it; the LP relaxes it).
    loss_ratio_per_step : (k,) share of the stored hydrogen lost each step.
    discharge_outage_only : (k,) bool: the fuel cell serves only in a grid outage.
    grey_price_per_kg : [currency/kg] delivered grey hydrogen.
    grey_co2_kg_per_kg : [kg-CO2/kg] of delivered grey hydrogen.
    lhv_kwh_per_kg : [kWh/kg] energy of a kg in the store.
    priority : one of :data:`HYDROGEN_PRIORITIES` (rule CEMS).
    water_l_per_kg : (k,) [L/kg] electrolyser water use (reported, not dispatched).
    """

    min_load_ratio: np.ndarray
    loss_ratio_per_step: np.ndarray
    discharge_outage_only: np.ndarray
    grey_price_per_kg: float
    grey_co2_kg_per_kg: float
    lhv_kwh_per_kg: float
    priority: str = "after_batteries"
    water_l_per_kg: np.ndarray | None = None

    def check(self, stores: Stores) -> None:
        """Raise InputError unless there is one entry per hydrogen store, each on the community bus."""
        h2 = stores.kind == "hydrogen"
        k = int(h2.sum())
        for name in ("min_load_ratio", "loss_ratio_per_step", "discharge_outage_only"):
            if np.asarray(getattr(self, name)).shape != (k,):
                raise InputError(f"hydrogen.{name}: give one value per hydrogen store ({k}), "
                                 f"got shape {np.asarray(getattr(self, name)).shape}")
        if (h2 & ~stores.at_community).any():
            i = int(np.flatnonzero(h2 & ~stores.at_community)[0])
            raise InputError(f"stores[{i}] ({stores.name[i]}): a hydrogen store must be on the community bus")
        if self.priority not in HYDROGEN_PRIORITIES:
            raise InputError(f"hydrogen.priority: {self.priority!r} is not one of {', '.join(HYDROGEN_PRIORITIES)}")


@dataclass
class DispatchInputs:
    """The district as arrays (see module docstring for shapes and signs)."""

    index: pd.DatetimeIndex
    step_hours: float
    load_kw: np.ndarray  # (t, h) every home's own load, water heater included
    pv_kw: np.ndarray  # (t, h) AC output of each home's array
    home_group: np.ndarray  # (h,) int index into group_names
    group_names: list[str]
    critical_load_ratio: np.ndarray  # (h,)
    stores: Stores  # every store: home batteries at their home, community batteries and EVs at the bus
    mobility_load_kw: np.ndarray  # (t,) charging at district-powered mobility stations
    sharing: bool
    line_loss_ratio: float
    grid_available: np.ndarray  # (t,) bool: connected and not in an outage
    export_allowed: bool
    import_limit_kw: float  # np.inf when unlimited
    export_limit_kw: float  # np.inf when unlimited
    import_price: np.ndarray  # (t,) [currency/kWh]
    export_price: np.ndarray  # (t,) [currency/kWh]
    emission_factor_kg_per_kwh: np.ndarray  # (t,)
    currency: str = "JPY"
    #: (t,) True in a grid outage: critical load has priority (non-critical is shed first); None = no outages
    outage: np.ndarray | None = None
    #: the households' tariff (bills; the optimal dispatch's ``bill`` objective); None: the step prices above
    tariff: Tariff | None = None
    #: how the optimal dispatch ends its stores (:data:`StorageEnd`); both dispatches start at ``initial_soc_ratio``
    storage_end: StorageEnd = "at_least_initial"
    #: (t,) the district's heating and cooling electricity [kW], part of ``load_kw``; None: no home is a building
    heating_kw: np.ndarray | None = None
    cooling_kw: np.ndarray | None = None
    #: the hydrogen stores' chain (:class:`HydrogenInputs`); None: hydrogen stores (if any) act as plain stores
    hydrogen: HydrogenInputs | None = None
    #: the private line's trunk between the community bus and the homes [kW] (net flow, either way); inf: unlimited
    line_capacity_kw: float = np.inf

    @property
    def n_steps(self) -> int:
        return int(self.load_kw.shape[0])

    @property
    def n_homes(self) -> int:
        return int(self.load_kw.shape[1])


@dataclass
class DispatchResult:
    """Flows of one dispatch. Totals are (t,) arrays [kW or kWh]; per-home matrices are (t, h)."""

    index: pd.DatetimeIndex
    step_hours: float
    totals: dict[str, np.ndarray]  # TIMESERIES_COLUMNS + EXTRA_COLUMNS → (t,)
    home_import_kw: np.ndarray  # (t, h) grid import attributed to each home
    home_export_kw: np.ndarray  # (t, h) grid export attributed to each home
    home_unserved_kw: np.ndarray  # (t, h) load of each home left unserved
    home_totals_kwh: dict[str, np.ndarray]  # (h,) per-home period sums: shared_in, shared_out, curtailed, battery_charge, battery_discharge
    store_soc_kwh: np.ndarray  # (t, n) energy of each store of ``inputs.stores`` at the END of each step
    method: str = "rule"
    objective: float | None = None  # optimal dispatch: objective value [currency or kg]
    notes: list[str] = field(default_factory=list)
    store_charge_kw: np.ndarray | None = None  # (t, n) AC power into each store
    store_discharge_kw: np.ndarray | None = None  # (t, n) AC power out of each store
    #: (t, n) trip energy a store could not give at the step it was due [kWh]: hydrogen offtake bought as grey
    #: hydrogen, or an EV trip the rule CEMS found short; None: not tracked
    store_unserved_kwh: np.ndarray | None = None

    def timeseries(self) -> pd.DataFrame:
        cols = {name: self.totals[name] for name in TIMESERIES_COLUMNS + EXTRA_COLUMNS if name in self.totals}
        return pd.DataFrame(cols, index=self.index.rename("time"))


def storage_change_kwh(inputs: DispatchInputs, result: DispatchResult) -> float:
    """Energy in all stores at the end of the period minus at its start (``initial_soc_ratio``) [kWh]."""
    if inputs.stores.n == 0 or result.store_soc_kwh.shape[0] == 0:
        return 0.0
    return float(result.store_soc_kwh[-1].sum() - inputs.stores.initial_kwh.sum())


def balance_residual_kw(totals: dict[str, np.ndarray]) -> np.ndarray:
    """Supply minus demand of every step [kW]; zero when the step balances."""
    supply = totals["pv_kw"] + totals["grid_import_kw"] + totals["battery_discharge_kw"] + totals["unserved_kw"]
    demand = (
        totals["load_kw"]
        + totals["ev_charge_kw"]
        + totals["battery_charge_kw"]
        + totals["grid_export_kw"]
        + totals["curtailed_kw"]
    )
    return supply - demand


def check_balance(totals: dict[str, np.ndarray], tol_kw: float = 1e-6) -> None:
    """Raise AssertionError naming the first step that does not balance or any negative flow."""
    resid = balance_residual_kw(totals)
    bad = np.flatnonzero(np.abs(resid) > tol_kw)
    if bad.size:
        t = int(bad[0])
        raise AssertionError(f"energy balance fails at step {t}: residual {resid[t]:.3e} kW")
    for name, values in totals.items():
        if name.endswith("_kw") and values.size and values.min() < -tol_kw:
            t = int(np.argmin(values))
            raise AssertionError(f"negative flow {name}={values[t]:.3e} at step {t}")
